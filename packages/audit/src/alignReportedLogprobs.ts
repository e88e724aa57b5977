import type { ReportedLogprob } from "./parseRelayedOutput.ts";

/**
 * Lines the log-probabilities a supplier reported up with the reference's reconstruction of its output: entry
 * `i` of the result is the reported log-probability of reconstructed token `i`, or `null` where they cannot be
 * compared. Tokens are matched by their UTF-8 lengths from the start; from the first token boundary where the
 * two tokenizations part, nothing more is compared (the contexts differ from there).
 *
 * @param tokenBytes - UTF-8 bytes of each reconstructed token (`ScoredOutput.tokenBytes`).
 * @param reported - what the supplier reported (`RelayedOutput.logprobs`).
 * @example
 * ```ts
 * alignReportedLogprobs([2, 3], [{ bytes: 2, logprob: -0.1 }, { bytes: 3, logprob: -0.4 }]); // [-0.1, -0.4]
 * ```
 */
export function alignReportedLogprobs(
  tokenBytes: readonly number[],
  reported: readonly ReportedLogprob[],
): (number | null)[] {
  const aligned: (number | null)[] = tokenBytes.map(() => null);
  for (let index = 0; index < tokenBytes.length && index < reported.length; index++) {
    const entry = reported[index] as ReportedLogprob;
    if (entry.bytes !== tokenBytes[index]) break;
    // OpenAI-style floors (-9999) and nulls carry no number to compare.
    if (entry.logprob !== null && entry.logprob > -1000) aligned[index] = entry.logprob;
  }
  return aligned;
}
