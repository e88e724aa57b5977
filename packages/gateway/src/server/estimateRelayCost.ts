import { requestedMaxTokens } from "@aviary/protocol";

/**
 * An upper bound of the prompt's token count that holds for any tokenizer with byte fallback (every token
 * covers at least one byte): the UTF-8 bytes of the prompt text plus 16 per message for the chat template.
 * The gateway signs `maxCost` from it, so a supplier can never bill more than the app's worst case.
 *
 * @example
 * promptTokenBound({ messages: [{ role: "user", content: "Hello" }] }); // 21
 */
export function promptTokenBound(body: Record<string, unknown>): number {
  const encoder = new TextEncoder();
  let tokens = 0;
  const text = (value: unknown) => {
    if (typeof value === "string") tokens += encoder.encode(value).length;
    else if (Array.isArray(value)) for (const item of value) text((item as { text?: unknown })?.text ?? item);
  };
  const messages = body.messages as { content?: unknown }[] | undefined;
  if (messages) {
    for (const message of messages) {
      tokens += 16;
      text(message.content);
    }
  }
  text(body.prompt);
  text(body.input);
  return tokens + 16;
}

/** Input and output token bounds of a request: the prompt bound, and `max_tokens` (or the default). */
export function tokenBounds(
  body: Record<string, unknown>,
  defaultMaxTokens: number,
): { input: number; output: number } {
  const output =
    body.input !== undefined ? 0 : requestedMaxTokens(body as { max_tokens?: number }, defaultMaxTokens);
  return { input: promptTokenBound(body), output };
}

/** What a request may cost at most with one supplier's prices. */
export function maxCostFor(
  bounds: { input: number; output: number },
  prices: { inputPrice: bigint; outputPrice: bigint },
): bigint {
  return BigInt(bounds.input) * prices.inputPrice + BigInt(bounds.output) * prices.outputPrice;
}
