/** The checks an audit runs, in the order a verdict names the first failure. */
export const AUDIT_CHECKS = [
  "billing-input",
  "billing-output",
  "length-mismatch",
  "premature-stop",
  "missing-stop",
  "implausible-token",
  "token-rank",
  "logprob-gap",
  "repetition",
  "logprob-mismatch",
  "distribution",
  "accumulated-evidence",
] as const;

/**
 * The name of one audit check:
 * - `billing-input` / `billing-output`: the receipt bills more prompt / completion tokens than the recount.
 * - `length-mismatch`: `finish_reason: "length"` on an output shorter than `max_tokens`.
 * - `premature-stop`: the output ended where the reference would not have stopped.
 * - `missing-stop`: the output went on where the reference would have stopped.
 * - `implausible-token`: a token the reference (or its sampler) all but never produces.
 * - `token-rank`: too many tokens outside the reference's top choice (greedy) or the `top_p` nucleus (sampled).
 * - `logprob-gap`: the output is far less likely under the reference than the reference's own output.
 * - `repetition`: a phrase repeated more than allowed.
 * - `logprob-mismatch`: the log-probabilities the supplier reported differ from the reference's beyond the
 *   tolerance for other runtime builds.
 * - `distribution`: sampled outputs, taken together, differ from reference samples (two-sample test).
 * - `accumulated-evidence`: the sequential test over a supplier's audits crossed its threshold
 *   (`updateSequentialTest`).
 */
export type AuditCheckName = (typeof AUDIT_CHECKS)[number];

/** One check's outcome, with the number it measured and the limit it was held to. */
export type AuditCheckResult = {
  check: AuditCheckName;
  passed: boolean;
  /** The measured value (share, nats, count, z, probability, tokens: see `detail`). */
  value: number;
  /** The threshold `value` was compared with. */
  limit: number;
  /** One sentence with the numbers, e.g. "27 of 32 tokens (84%) were not the reference's top choice; limit 5%". */
  detail: string;
};

/** Sampling parameters of an audited request, as the gateway sent them. */
export type AuditSampling = {
  /** 0 is greedy. */
  temperature: number;
  /** @default 1 */
  topP: number;
  /** The request's `max_tokens`. */
  maxTokens: number;
};
