/** One function call as a model writes it in Aviary's tool-call format (`arguments` is JSON text, unparsed). */
export type ToolCallJsonItem = {
  /** The function's name (OpenAI's `^[a-zA-Z0-9_-]{1,64}$`). */
  name: string;
  /** The arguments object as JSON text, exactly as generated (or as the client sent it back). */
  arguments: string;
};

/**
 * How every tool-call output begins. The format is compact and fixed (no whitespace outside the arguments),
 * so the call JSON can be rebuilt byte for byte from OpenAI's `tool_calls`: what the billing recount counts.
 */
export const toolCallJsonPrefix = '{"tool_calls":[';

/** How every tool-call output ends. */
export const toolCallJsonSuffix = "]}";

/** What opens each call, before its name (a JSON string). */
export const toolCallNameOpening = '{"name":';

/** What follows a call's name, before its arguments object. */
export const toolCallArgumentsOpening = ',"arguments":';

/** What closes each call, after its arguments object. */
export const toolCallItemEnd = "}";

/**
 * A call's text up to its arguments: `{"name":"get_weather","arguments":`. The format's one spelling, for the
 * grammar that enforces it, the parser that reads it and the billing recount that rebuilds it.
 *
 * @example
 * ```ts
 * toolCallItemHead("now"); // '{"name":"now","arguments":'
 * ```
 */
export function toolCallItemHead(name: string): string {
  return `${toolCallNameOpening}${JSON.stringify(name)}${toolCallArgumentsOpening}`;
}

/**
 * The call JSON a model writes to call functions on an Aviary runtime:
 * `{"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}}]}` — the text the supplier's grammar
 * allows, the text an assistant turn with `tool_calls` is rendered as in the prompt, and the text the gateway
 * recounts an output from.
 *
 * @param calls - the calls in order; `arguments` is inserted verbatim.
 * @example
 * ```ts
 * formatToolCallJson([{ name: "get_weather", arguments: '{"city":"Paris"}' }]);
 * // '{"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}}]}'
 * ```
 */
export function formatToolCallJson(calls: readonly ToolCallJsonItem[]): string {
  const items = calls.map(
    (call) => `${toolCallItemHead(call.name)}${call.arguments.trim() || "{}"}${toolCallItemEnd}`,
  );
  return `${toolCallJsonPrefix}${items.join(",")}${toolCallJsonSuffix}`;
}
