import {
  type ChatCompletionRequest,
  chatHistoryParameters,
  type OpenAiRoute,
  requestedImageUnits,
  requestedMaxTokens,
  toChatHistory,
} from "@aviary/protocol";

/** Prompt tokens allowed per message on top of its text: role markers and the chat template's framing. */
export const MESSAGE_OVERHEAD_UNITS = 16n;
/** Output tokens assumed when a request sets neither `max_tokens` nor `max_completion_tokens` (the supplier's default too). */
export const DEFAULT_MAX_TOKENS = 256;

export type EstimateMaxCostParameters = {
  route: OpenAiRoute;
  /** The parsed request body (`openAiRouteSchemas[route]`); unknown shapes count as empty. */
  body: Record<string, unknown>;
  /** The supplier's offer, token wei per unit. */
  inputPrice: bigint;
  outputPrice: bigint;
  /** Output tokens when the body sets no limit. @default 256 */
  defaultMaxTokens?: number;
};
export type EstimateMaxCostReturnType = {
  /** The ceiling to sign: `inputUnits · inputPrice + outputUnits · outputPrice`. */
  maxCost: bigint;
  /** Upper bound of the prompt tokens: UTF-8 bytes of the prompt text + 16 per message. */
  inputUnits: bigint;
  /** The output limit: `max_completion_tokens ?? max_tokens ?? defaultMaxTokens` (0 for embeddings; images × steps for images). */
  outputUnits: bigint;
};

const encoder = new TextEncoder();

/**
 * The `maxCost` a relay should sign: a ceiling the supplier can never bill above, yet one that covers any honest
 * bill. Prompt tokens are bounded by the prompt's UTF-8 byte count (a tokenizer with byte fallback never makes
 * more tokens than bytes), plus 16 per message (chat: each message; completions: the prompt; embeddings: each
 * input) for the template's framing and BOS; output tokens by the request's limit (`max_completion_tokens`,
 * else `max_tokens`, else 256; none for embeddings). A chat prompt is counted as the runtimes render it
 * (`toChatHistory`: tool instructions, tool results and assistant calls included); a token id counts one.
 *
 * @param parameters - route, parsed body, the supplier's prices, and the default output limit.
 * @example
 * ```ts
 * const { maxCost } = estimateMaxCost({ route: "chat/completions", body, inputPrice: 10n, outputPrice: 30n });
 * ```
 */
export function estimateMaxCost({
  route,
  body,
  inputPrice,
  outputPrice,
  defaultMaxTokens = DEFAULT_MAX_TOKENS,
}: EstimateMaxCostParameters): EstimateMaxCostReturnType {
  if (route === "images/generations") {
    // Image relays are billed in images × steps (protocol.md §4), all output units: the prompt is not metered.
    const outputUnits = BigInt(requestedImageUnits(body as { n?: number; steps?: number }).units);
    return { maxCost: outputUnits * outputPrice, inputUnits: 0n, outputUnits };
  }
  let bytes = 0;
  let messages = 0;
  const text = (value: unknown) => {
    if (typeof value === "string") bytes += encoder.encode(value).length;
    // A token id is one token.
    else if (typeof value === "number") bytes += 1;
    else if (Array.isArray(value))
      for (const part of value) text(isObject(part) && "text" in part ? part.text : part);
  };
  if (route === "chat/completions") {
    // The history exactly as the runtimes render it (tool instructions, tool results and assistant calls
    // included): its text bounds the prompt, the framing is the per-message allowance.
    const chat = Array.isArray(body.messages) ? (body as ChatCompletionRequest) : { messages: [] };
    for (const entry of toChatHistory(chatHistoryParameters(chat))) {
      messages += 1;
      text(entry.type === "model" ? entry.response : entry.text);
    }
    for (const message of Array.isArray(body.messages) ? body.messages : []) {
      if (isObject(message)) text(message.name);
    }
  } else if (route === "completions") {
    messages = 1;
    text(body.prompt);
  } else {
    const input = body.input;
    messages = Array.isArray(input) && input.some((item) => typeof item !== "number") ? input.length : 1;
    text(input);
  }
  const inputUnits = BigInt(bytes) + MESSAGE_OVERHEAD_UNITS * BigInt(messages);
  const outputUnits =
    route === "embeddings"
      ? 0n
      : BigInt(
          requestedMaxTokens(
            body as { max_tokens?: number | null; max_completion_tokens?: number | null },
            defaultMaxTokens,
          ),
        );
  return { maxCost: inputUnits * inputPrice + outputUnits * outputPrice, inputUnits, outputUnits };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
