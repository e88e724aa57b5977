import {
  type ChatCompletionRequest,
  type ChatHistoryEntry,
  type CompletionRequest,
  chatCompletionRequestSchema,
  chatHistoryParameters,
  completionRequestSchema,
  toChatHistory,
} from "@aviary/protocol";

/** The part of a relayed OpenAI request an audit needs, normalized as supplier runtimes read it. */
export type AuditedRequest = (
  | {
      route: "chat/completions";
      /** The chat as a supplier's runtime renders it (`toChatHistory`: tools, tool calls and results included). */
      chatHistory: ChatHistoryEntry[];
    }
  | { route: "completions"; prompt: string }
) & {
  /** OpenAI's default 1; 0 is greedy. */
  temperature: number;
  /** Default 1. */
  topP: number;
  /** `max_tokens` as the gateway sent it (it always sets one). */
  maxTokens: number;
  /** The request's stop strings. */
  stop: string[];
  /** The request's own `seed`, when it names one. */
  seed: number | undefined;
  /**
   * What makes the output's distribution differ from the model's own (a grammar: tools or a JSON response
   * format; `logit_bias`; a nonzero penalty), or undefined. The fidelity audit cannot score such outputs.
   */
  reshaped: string | undefined;
};

/**
 * Reads the exact body the gateway relayed (the bytes the relay's `bodyHash` covers) into what an audit
 * needs: the messages or prompt (as the chat history the supplier's runtime renders, `toChatHistory`), the
 * sampling parameters with OpenAI's defaults, the stop strings, and whether anything reshapes the output's
 * distribution. `undefined` for a body the audit cannot
 * judge (embeddings, a shape it does not know).
 *
 * @param route - the OpenAI route.
 * @param body - the relayed body bytes.
 * @example
 * ```ts
 * const request = parseAuditedRequest("chat/completions", relayBody);
 * request?.temperature; // 0
 * ```
 */
export function parseAuditedRequest(route: string, body: Uint8Array): AuditedRequest | undefined {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
  // The gateway's own bytes, but read back from the exchange: the protocol's schema, as a supplier reads them.
  const sampling = (parsed: ChatCompletionRequest | CompletionRequest) => ({
    temperature: parsed.temperature ?? 1,
    topP: parsed.top_p ?? 1,
    maxTokens: parsed.max_tokens ?? 16,
    // As the runtime reads them: an empty stop string stops nothing.
    stop: (parsed.stop == null ? [] : typeof parsed.stop === "string" ? [parsed.stop] : parsed.stop).filter(
      (text) => text !== "",
    ),
    seed: parsed.seed ?? undefined,
    reshaped: reshapedBy(parsed),
  });
  if (route === "chat/completions") {
    const parsed = chatCompletionRequestSchema.safeParse(json);
    if (!parsed.success) return undefined;
    return {
      route,
      chatHistory: toChatHistory(chatHistoryParameters(parsed.data)),
      ...sampling(parsed.data),
    };
  }
  if (route === "completions") {
    const parsed = completionRequestSchema.safeParse(json);
    if (!parsed.success) return undefined;
    const prompt = parsed.data.prompt;
    // One prompt of text: the shapes a supplier's runtime serves.
    if (typeof prompt === "string") return { route, prompt, ...sampling(parsed.data) };
    if (prompt.length === 1 && typeof prompt[0] === "string")
      return { route, prompt: prompt[0], ...sampling(parsed.data) };
    return undefined;
  }
  return undefined;
}

/** Why the output is not a sample of the model's own distribution, or undefined when it is. */
function reshapedBy(
  parsed: Pick<ChatCompletionRequest, "logit_bias" | "frequency_penalty" | "presence_penalty"> &
    Partial<Pick<ChatCompletionRequest, "tools" | "response_format">>,
): string | undefined {
  if ((parsed.tools ?? []).length > 0) return "tools (a grammar constrains the output)";
  const format = parsed.response_format?.type;
  if (format === "json_object" || format === "json_schema")
    return `response_format ${format} (a grammar constrains the output)`;
  if (Object.keys(parsed.logit_bias ?? {}).length > 0) return "logit_bias (biased token probabilities)";
  if ((parsed.frequency_penalty ?? 0) !== 0 || (parsed.presence_penalty ?? 0) !== 0)
    return "frequency or presence penalty (penalized token probabilities)";
  return undefined;
}
