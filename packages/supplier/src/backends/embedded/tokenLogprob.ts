import type { LlamaModel, Token } from "node-llama-cpp";

/** An alternative the runtime weighed for one output token: its text alone and its log-probability. */
export type TokenAlternative = { text: string; logprob: number };

/**
 * One output token's log-probability, with the most likely tokens at its position (most likely first).
 * `text` is the token's share of the output: the pieces of all tokens joined are the output text.
 */
export type TokenLogprob = { text: string; logprob: number; top: TokenAlternative[] };

export type TokenLogprobParameters = {
  model: Pick<LlamaModel, "detokenize">;
  /** The runtime's probability of the sampled token (`confidence`). */
  probability: number;
  /** The runtime's probabilities at this position, most likely first; needed when `alternatives` > 0. */
  probabilities: ReadonlyMap<Token, number> | undefined;
  /** How many alternatives to list (OpenAI's `top_logprobs`). */
  alternatives: number;
  /** The tokens before this one, so that an alternative's text keeps its leading space. */
  context: readonly Token[];
};

/**
 * Log-probabilities are floored here, as OpenAI reports a probability too small for a float (a token a
 * `logit_bias` of -100 removes, say): JSON has no -Infinity, and a number keeps clients' arithmetic working.
 */
export const minimumLogprob = -9999;

/**
 * The log-probability (natural log) of a sampled token and its `alternatives` most likely alternatives, from
 * what the runtime reports: the distribution it samples from, after the request's logit biases and
 * penalties and, above temperature 0, after temperature, top-p and node-llama-cpp's default top-k of 40 (so
 * at most 40 alternatives have a probability there).
 *
 * @param parameters - the probability, the runtime's probabilities, how many alternatives, the context.
 * @returns `logprob` and `top`; the caller sets the token's `text`.
 * @example
 * ```ts
 * const { logprob, top } = tokenLogprob({ model, probability: 0.5, probabilities, alternatives: 2, context });
 * ```
 */
export function tokenLogprob(parameters: TokenLogprobParameters): Omit<TokenLogprob, "text"> {
  const { model, probabilities, alternatives, context } = parameters;
  const top: TokenAlternative[] = [];
  if (alternatives > 0 && probabilities) {
    for (const [token, probability] of probabilities) {
      if (top.length >= alternatives) break;
      top.push({
        text: model.detokenize([token], false, context),
        logprob: logprobOf(probability),
      });
    }
  }
  return { logprob: logprobOf(parameters.probability), top };
}

function logprobOf(probability: number): number {
  return probability > 0 ? Math.max(Math.log(probability), minimumLogprob) : minimumLogprob;
}
