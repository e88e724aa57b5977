import type { Candidate } from "./Candidate.ts";
import { RoutingParameterInvalidError } from "./errors.ts";

export type PlanAttemptsParameters = {
  /** Most suppliers to try for one request (first attempt + failovers). Default 3. */
  maxAttempts?: number;
  /**
   * Whether the request may move to another supplier at all. Default `true`. `false` plans one attempt:
   * for requests the gateway must not repeat. This is the gateway's own switch — the request's
   * `provider.allow_fallbacks` is already applied by `rankCandidates` (which keeps only the suppliers in
   * `provider.order`, or only the primary), so do not pass it here as well.
   */
  allowFallbacks?: boolean;
};

/**
 * The failover order for one request: the first `maxAttempts` of the ranking, each supplier (by address)
 * at most once. Attempt `i + 1` starts when attempt `i` fails retryably (see `classifyFailure`) or, while
 * no byte has arrived, when `shouldHedge` says so.
 *
 * @param ranked - `rankCandidates(...).ranked`.
 * @param parameters - `maxAttempts` (default 3), `allowFallbacks` (default `true`).
 * @returns the suppliers to try, in order (empty when `ranked` is).
 * @throws {RoutingParameterInvalidError} when `maxAttempts` is not an integer ≥ 1.
 * @example
 * ```ts
 * for (const candidate of planAttempts(ranked, { maxAttempts: 3 })) {
 *   const outcome = await relayTo(candidate);
 *   if (outcome.ok || !classifyFailure(outcome.failure).retryable) break;
 * }
 * ```
 */
export function planAttempts(
  ranked: readonly Candidate[],
  { maxAttempts = 3, allowFallbacks = true }: PlanAttemptsParameters = {},
): Candidate[] {
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new RoutingParameterInvalidError({
      name: "maxAttempts",
      value: maxAttempts,
      reason: "must be an integer ≥ 1",
    });
  }
  const limit = allowFallbacks ? maxAttempts : 1;
  const seen = new Set<string>();
  const plan: Candidate[] = [];
  for (const candidate of ranked) {
    if (plan.length >= limit) break;
    const key = candidate.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    plan.push(candidate);
  }
  return plan;
}
