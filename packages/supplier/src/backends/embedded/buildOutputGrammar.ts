import {
  allowsSeveralCalls,
  type ChatToolChoice,
  type ChatToolDefinition,
  toolCallItemEnd,
  toolCallItemHead,
  toolCallJsonPrefix,
  toolCallJsonSuffix,
} from "@aviary/protocol";
import { BackendInvalidRequestError } from "../errors.ts";
import type { ResponseFormat } from "../parseGenerationRequest.ts";
import { GbnfRules } from "./GbnfRules.ts";
import { jsonSchemaToGbnf } from "./jsonSchemaToGbnf.ts";

export type BuildOutputGrammarParameters = {
  responseFormat: ResponseFormat;
  tools: readonly ChatToolDefinition[];
  toolChoice: ChatToolChoice;
  parallelToolCalls: boolean;
};

export type BuildOutputGrammarReturnType = {
  /** The GBNF grammar the output must match; undefined: free text. */
  gbnf: string | undefined;
  /**
   * `none`: the output is never a call; `optional`: a call when it starts with the call JSON's prefix, text
   * otherwise (`tool_choice: "auto"`); `required`: always a call (`required` or a named function).
   */
  toolCalls: "none" | "optional" | "required";
};

export type BuildOutputGrammarErrorType = BackendInvalidRequestError;

/**
 * The grammar that constrains a chat output to what the request allows:
 *
 * - `response_format` `json_object`: any JSON object; `json_schema`: JSON valid under the schema
 *   ({@link jsonSchemaToGbnf}; `strict` true or false alike: the grammar always enforces it);
 * - tools with `tool_choice` `required` or named: the call JSON only (`{"tool_calls":[{"name":…,"arguments":…}]}`,
 *   see `formatToolCallJson`), each call's `arguments` under its tool's `parameters` (a union over the tools,
 *   or the named one); one call when `parallel_tool_calls` is false or a function is named (OpenAI answers a
 *   named choice with one call), one or more otherwise;
 * - `auto`: that call JSON, or the answer: plain text that does not start with `{` (or, with a JSON
 *   response format, the JSON answer);
 * - `none`: the answer alone (tools are described in the prompt, but no call is possible).
 *
 * Every grammar is compact (no whitespace outside strings), so outputs have one spelling.
 *
 * @param parameters - the response format and the tools, choice and parallel flag.
 * @throws {BackendInvalidRequestError} naming a schema keyword the grammar cannot enforce.
 * @example
 * ```ts
 * const { gbnf, toolCalls } = buildOutputGrammar({ responseFormat: { type: "json_object" }, tools: [], toolChoice: "none", parallelToolCalls: true });
 * const grammar = gbnf === undefined ? undefined : await llama.createGrammar({ grammar: gbnf });
 * ```
 */
export function buildOutputGrammar({
  responseFormat,
  tools,
  toolChoice,
  parallelToolCalls,
}: BuildOutputGrammarParameters): BuildOutputGrammarReturnType {
  const rules = new GbnfRules();
  const answer = answerRule(rules, responseFormat);
  if (tools.length === 0 || toolChoice === "none") {
    return { gbnf: answer === undefined ? undefined : rules.toGrammar(answer), toolCalls: "none" };
  }
  const callable =
    typeof toolChoice === "object" ? tools.filter((tool) => tool.name === toolChoice.name) : tools;
  const items = callable.map((tool) => {
    const index = tools.indexOf(tool);
    const head = GbnfRules.literal(toolCallItemHead(tool.name));
    return `${head} ${argumentsRule(rules, tool, `tools.${index}.function.parameters`)} ${GbnfRules.literal(toolCallItemEnd)}`;
  });
  const item = rules.add(items.join(" | "));
  const several = allowsSeveralCalls(toolChoice, parallelToolCalls);
  const call = rules.add(
    `${GbnfRules.literal(toolCallJsonPrefix)} ${item} ${several ? `( "," ${item} )*` : ""} ${GbnfRules.literal(toolCallJsonSuffix)}`,
  );
  if (toolChoice !== "auto") return { gbnf: rules.toGrammar(call), toolCalls: "required" };
  // Text that starts with `{` could be mistaken for a call, so an `auto` answer in text never does.
  const text = answer ?? rules.add(`( [^{] .* )?`);
  return { gbnf: rules.toGrammar(`${call} | ${text}`), toolCalls: "optional" };
}

function answerRule(rules: GbnfRules, format: ResponseFormat): string | undefined {
  if (format.type === "text") return undefined;
  if (format.type === "json_object" || format.schema === undefined) return rules.primitive("object");
  return jsonSchemaToGbnf({ rules, schema: format.schema, path: "response_format.json_schema.schema" });
}

/** A tool's arguments: an object under its `parameters` (`{}` when it declares none). */
function argumentsRule(rules: GbnfRules, tool: ChatToolDefinition, path: string): string {
  const parameters = tool.parameters;
  if (parameters === undefined) return rules.add(`"{}"`);
  const typed =
    parameters.type === undefined && !["$ref", "anyOf", "enum", "const"].some((key) => key in parameters)
      ? { ...parameters, type: "object" }
      : parameters;
  if (typed.type !== undefined && typed.type !== "object") {
    // OpenAI's arguments are an object: clients parse `arguments` as one.
    throw new BackendInvalidRequestError({
      reason: `\`${path}.type\`: a function's parameters must be an object schema`,
      param: `${path}.type`,
    });
  }
  return jsonSchemaToGbnf({ rules, schema: typed, path });
}
