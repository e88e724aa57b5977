import {
  ewma,
  FAILURE_REPUTATION_DELTAS,
  type FailureKind,
  resolveSupplierStatsConfig,
  type SupplierStats,
  type SupplierStatsConfig,
} from "./SupplierStats.ts";

/** One failed attempt (or a failed audit) charged to the supplier. */
export type RecordFailureParameters = {
  /** Why; see {@link FAILURE_REPUTATION_DELTAS} and `classifyFailure`. */
  kind: FailureKind;
  /** Current time, ms. */
  now: number;
};

/**
 * Records a failure charged to the supplier: the reputation delta of its kind (floored at 0), error-rate
 * EWMA toward 1, and a cooldown with exponential backoff on consecutive failures:
 * `min(cooldownBaseMs · 2^(consecutiveFailures − 1), cooldownMaxMs)` — 1 s, 2 s, 4 s … 60 s by default.
 * A later success clears the cooldown. Every kind counts, integrity ones (`bad-receipt`, `audit-fail`)
 * included: a supplier caught cheating should not get the next request either.
 *
 * Only record failures that are the supplier's fault: `classifyFailure` returns `failureKind: null` for
 * the client's or the gateway's own mistakes.
 *
 * @param stats - the supplier's current stats.
 * @param failure - `kind` and `now` (ms).
 * @param config - `alpha` (0.2), `cooldownBaseMs` (1,000), `cooldownMaxMs` (60,000), `probationBelow` (30).
 * @returns the new stats (the input is not modified).
 * @example
 * ```ts
 * stats = recordFailure(stats, { kind: "timeout", now }); // reputation −10, cooled down 1 s
 * ```
 */
export function recordFailure(
  stats: SupplierStats,
  { kind, now }: RecordFailureParameters,
  config: SupplierStatsConfig = {},
): SupplierStats {
  const { alpha, cooldownBaseMs, cooldownMaxMs, probationBelow } = resolveSupplierStatsConfig(config);
  const reputation = Math.max(0, stats.reputation + FAILURE_REPUTATION_DELTAS[kind]);
  const consecutiveFailures = stats.consecutiveFailures + 1;
  // 2^(n − 1) overflows to Infinity for large n; min() then caps it.
  const cooldownMs = Math.min(cooldownBaseMs * 2 ** (consecutiveFailures - 1), cooldownMaxMs);
  return {
    ...stats,
    reputation,
    errorRateEwma: ewma(stats.errorRateEwma, 1, alpha),
    failures: stats.failures + 1,
    consecutiveFailures,
    cooldownUntil: Math.max(stats.cooldownUntil, now + cooldownMs),
    lastUpdated: Math.max(stats.lastUpdated, now),
    probation: reputation < probationBelow,
  };
}
