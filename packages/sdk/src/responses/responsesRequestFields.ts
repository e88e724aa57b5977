/**
 * What Aviary does with each top-level field of an OpenAI Responses request (`POST /v1/responses`), which it
 * serves as one chat/completions relay:
 * - `supported`: translated into the chat request (and so enforced as chat/completions enforces it);
 * - `no_effect`: accepted, and by OpenAI's own definition it does not change the output (metadata, end-user
 *   ids, cache hints);
 * - `refused`: a 400 `unsupported_parameter` naming the field, never a silent drop. Most of these need
 *   OpenAI's stored state (previous responses, conversations, background jobs) or its built-in tools: Aviary
 *   keeps only output items, for an hour, for `item_reference` (`ResponseItemMemory`).
 *
 * A field may be supported only for some values (`acceptsValue`): `background: false`, `include: []`.
 * `null` always means "not set". A field absent from the table is not a Responses field: 400
 * `unknown_parameter`. The docs' table (docs/gateway.md, "The Responses API") lists these.
 */
export type ResponsesFieldSupport = "supported" | "no_effect" | "refused";

export type ResponsesRequestField = {
  name: string;
  support: ResponsesFieldSupport;
  /** For fields supported for some values only: true when `value` is one of them. */
  acceptsValue?: (value: unknown) => boolean;
  /** What the field becomes, or why it is refused: the docs and the 400's message. */
  note: string;
};

function field(
  name: string,
  support: ResponsesFieldSupport,
  note: string,
  acceptsValue?: (value: unknown) => boolean,
): ResponsesRequestField {
  return { name, support, note, ...(acceptsValue ? { acceptsValue } : {}) };
}

const isFalse = (value: unknown) => value === false;

/** Every top-level Responses request field Aviary knows, in the docs' order. */
export const responsesRequestFields: readonly ResponsesRequestField[] = [
  field("model", "supported", "the registered model name"),
  field(
    "input",
    "supported",
    "a string, or items: messages (input_text, input_image, output_text parts), function_call, function_call_output, and item_reference to an output item of the last hour (see store)",
  ),
  field("instructions", "supported", "the first system message"),
  field("max_output_tokens", "supported", "chat max_tokens (the relay's signed output limit)"),
  field("temperature", "supported", "as in chat/completions"),
  field("top_p", "supported", "as in chat/completions"),
  field("seed", "supported", "not an OpenAI Responses field; passed to chat/completions when present"),
  field("tools", "supported", 'function tools only ({type:"function", name, parameters, strict})'),
  field("tool_choice", "supported", 'none, auto, required, or {type:"function", name}'),
  field("parallel_tool_calls", "supported", "as in chat/completions"),
  field("text", "supported", "text.format: text, json_object or json_schema (chat response_format)"),
  field("stream", "supported", "Responses streaming events"),
  field("stream_options", "no_effect", "include_obfuscation: no obfuscation padding is added"),
  field("metadata", "no_effect", "echoed in the response; not stored"),
  field("user", "no_effect", "an end-user identifier; not used for generation"),
  field("safety_identifier", "no_effect", "an end-user identifier; not used for generation"),
  field("prompt_cache_key", "no_effect", "a cache hint; the output does not depend on it"),
  field("prompt_cache_retention", "no_effect", "a cache hint; the output does not depend on it"),
  field("prompt_cache_options", "no_effect", "a cache hint; the output does not depend on it"),
  field(
    "store",
    "supported",
    "true (OpenAI's default, also when absent): the output items are kept for an hour, in the memory of the gateway (or createAviaryFetch) that answered and for the same API key, so a later request can send them as item_reference; responses themselves cannot be retrieved. false: nothing is kept",
  ),
  field(
    "service_tier",
    "supported",
    "only auto or default",
    (value) => value === "auto" || value === "default",
  ),
  field("truncation", "supported", "only disabled (a prompt over the context is refused)", (value) => {
    return value === "disabled";
  }),
  field("background", "supported", "only false: every response is answered on its request", isFalse),
  field(
    "include",
    "supported",
    "only an empty list: no extra output data (logprobs, sources) is offered",
    (value) => Array.isArray(value) && value.length === 0,
  ),
  field(
    "top_logprobs",
    "supported",
    "only 0: log-probabilities are not offered here (chat/completions has logprobs)",
    (value) => value === 0,
  ),
  field(
    "previous_response_id",
    "refused",
    "responses are not stored (only their output items, for item_reference): send the whole conversation in input",
  ),
  field("conversation", "refused", "conversations are not stored: send the whole conversation in input"),
  field("prompt", "refused", "stored prompt templates are not offered"),
  field("reasoning", "refused", "the served models have no reasoning mode"),
  field("context_management", "refused", "server-side compaction is not offered"),
  field("moderation", "refused", "moderation is not offered"),
  field("max_tool_calls", "refused", "built-in tools are not offered"),
];

/**
 * Fields of Aviary's router (OpenRouter's names): passed on to the chat relay, which reads them and never
 * sends them to a supplier.
 */
export const responsesRouterFields = ["provider", "models"] as const;

const byName = new Map(responsesRequestFields.map((entry) => [entry.name, entry]));

/**
 * The table entry of `name`, or undefined when the Responses API has no such field.
 *
 * @example
 * ```ts
 * responsesRequestField("previous_response_id")?.support; // "refused"
 * ```
 */
export function responsesRequestField(name: string): ResponsesRequestField | undefined {
  return byName.get(name);
}
