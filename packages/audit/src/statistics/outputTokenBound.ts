export type OutputTokenBoundParameters = {
  /** UTF-8 bytes of the output text the client received. */
  outputBytes: number;
  /** `finish_reason` of the response. */
  finishReason: string | null;
  /** UTF-8 bytes of the longest stop string the generation could have ended on (request `stop`, template text). */
  stopStringBytes?: number;
};

/**
 * The most output tokens any honest generation of this text can have cost: every token of a vocabulary with
 * byte fallback carries at least one byte of text, so at most one token per byte, plus, when the generation
 * stopped, the token that ended it and the tokens of a stop string cut from the text. A receipt above this
 * bound bills tokens that cannot exist, whatever the sampler did: hard evidence, checked on every relay.
 *
 * @param parameters - output size, finish reason, longest stop string.
 * @example
 * ```ts
 * outputTokenBound({ outputBytes: 120, finishReason: "stop" }); // 121
 * ```
 */
export function outputTokenBound({
  outputBytes,
  finishReason,
  stopStringBytes = 0,
}: OutputTokenBoundParameters): number {
  return outputBytes + (finishReason === "stop" ? 1 + stopStringBytes : 0);
}
