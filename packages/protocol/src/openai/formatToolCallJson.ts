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
    (call) => `{"name":${JSON.stringify(call.name)},"arguments":${call.arguments.trim() || "{}"}}`,
  );
  return `${toolCallJsonPrefix}${items.join(",")}${toolCallJsonSuffix}`;
}
