import { formatToolCallJson } from "./formatToolCallJson.ts";
/** A function tool as the prompt describes it (OpenAI's `tools[].function`). */
export type ChatToolDefinition = {
  name: string;
  description?: string | undefined;
  /** The arguments' JSON schema; absent: the function takes no arguments. */
  parameters?: Record<string, unknown> | undefined;
};

/** OpenAI's `tool_choice`, normalized: a named function is `{ name }`. */
export type ChatToolChoice = "none" | "auto" | "required" | { name: string };

export type RenderToolInstructionsParameters = {
  tools: readonly ChatToolDefinition[];
  toolChoice: ChatToolChoice;
  /** False: at most one call per answer. */
  parallelToolCalls: boolean;
};

/**
 * The system-message text that documents the tools and the call format to a model, whatever its chat
 * template (model-agnostic: the format is plain JSON, enforced on the embedded runtime by a grammar). The
 * text is fixed; only the tool list and the mode lines vary:
 *
 * ```text
 * # Tools
 *
 * You can call these functions.
 *
 * ## get_weather
 * Current weather of a city.
 * Arguments (JSON schema): {"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}
 *
 * To call functions, answer with this JSON alone, on one line, and nothing else:
 * {"tool_calls":[{"name":"<function name>","arguments":<arguments object>}]}
 * <mode line: auto | required | named | none>
 * <parallel line>
 * Each result comes back in a user message that starts with "Tool result".
 * ```
 *
 * Schemas are written as compact JSON with their keys sorted, so the text does not depend on the key order
 * a parser kept (the supplier and the gateway's billing recount render the same bytes).
 *
 * @param parameters - the tools, the choice and whether calls may be parallel.
 * @example
 * ```ts
 * renderToolInstructions({ tools: [{ name: "now" }], toolChoice: "auto", parallelToolCalls: true });
 * ```
 */
export function renderToolInstructions({
  tools,
  toolChoice,
  parallelToolCalls,
}: RenderToolInstructionsParameters): string {
  const lines = ["# Tools", "", "You can call these functions."];
  for (const tool of tools) {
    lines.push("", `## ${tool.name}`);
    if (tool.description) lines.push(tool.description);
    lines.push(
      tool.parameters === undefined
        ? "Arguments: none (an empty object)."
        : `Arguments (JSON schema): ${canonicalJson(tool.parameters)}`,
    );
  }
  lines.push(
    "",
    "To call functions, answer with this JSON alone, on one line, and nothing else:",
    formatToolCallJson([{ name: "<function name>", arguments: "<arguments object>" }]),
  );
  if (toolChoice === "none") lines.push("Do not call a function now: answer in plain text.");
  else if (toolChoice === "auto")
    lines.push("Call functions when they help; otherwise answer in plain text, not starting with {.");
  else if (toolChoice === "required") lines.push("You must call at least one function now.");
  else lines.push(`You must call the function ${toolChoice.name} now.`);
  lines.push(
    allowsSeveralCalls(toolChoice, parallelToolCalls)
      ? "Several calls may be listed in tool_calls; they run in parallel."
      : "Call one function at a time: tool_calls holds exactly one call.",
    'Each result comes back in a user message that starts with "Tool result".',
  );
  return lines.join("\n");
}

/**
 * Whether one answer may hold several calls: `parallel_tool_calls` (default true), except for a named
 * function, which OpenAI answers with one call.
 *
 * @example
 * ```ts
 * allowsSeveralCalls({ name: "now" }, true); // false
 * ```
 */
export function allowsSeveralCalls(toolChoice: ChatToolChoice, parallelToolCalls: boolean): boolean {
  return parallelToolCalls && typeof toolChoice !== "object";
}

/** Compact JSON with object keys sorted (recursively): the same text for the same value, whatever the key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}
