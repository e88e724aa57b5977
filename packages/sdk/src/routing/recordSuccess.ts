import {
  ewma,
  resolveSupplierStatsConfig,
  SUCCESS_REPUTATION_DELTA,
  type SupplierStats,
  type SupplierStatsConfig,
} from "./SupplierStats.ts";

/** One successful attempt, as measured by the gateway. */
export type RecordSuccessParameters = {
  /** Time to first token, ms (streams; omit when not measured). */
  ttftMs?: number;
  /** Output tokens per second after the first token (omit when not measured). */
  tokensPerSecond?: number;
  /** Whole-request latency, ms. */
  latencyMs: number;
  /** Current time, ms. */
  now: number;
};

/**
 * Records a successful attempt: reputation +1 (capped at 100), error-rate EWMA toward 0, latency /
 * TTFT / throughput EWMAs updated, consecutive failures reset and any cooldown cleared.
 *
 * @param stats - the supplier's current stats.
 * @param sample - the measurements; negative or non-finite values are ignored.
 * @param config - `alpha` (default 0.2) and `probationBelow` (default 30).
 * @returns the new stats (the input is not modified).
 * @example
 * ```ts
 * stats = recordSuccess(stats, { ttftMs: 180, tokensPerSecond: 42, latencyMs: 2_300, now });
 * ```
 */
export function recordSuccess(
  stats: SupplierStats,
  { ttftMs, tokensPerSecond, latencyMs, now }: RecordSuccessParameters,
  config: SupplierStatsConfig = {},
): SupplierStats {
  const { alpha, probationBelow } = resolveSupplierStatsConfig(config);
  const reputation = Math.min(100, stats.reputation + SUCCESS_REPUTATION_DELTA);
  return {
    ...stats,
    reputation,
    ttftEwmaMs: isMeasure(ttftMs) ? ewma(stats.ttftEwmaMs, ttftMs, alpha) : stats.ttftEwmaMs,
    tokensPerSecondEwma: isMeasure(tokensPerSecond)
      ? ewma(stats.tokensPerSecondEwma, tokensPerSecond, alpha)
      : stats.tokensPerSecondEwma,
    latencyEwmaMs: isMeasure(latencyMs) ? ewma(stats.latencyEwmaMs, latencyMs, alpha) : stats.latencyEwmaMs,
    errorRateEwma: ewma(stats.errorRateEwma, 0, alpha),
    successes: stats.successes + 1,
    consecutiveFailures: 0,
    cooldownUntil: 0,
    lastUpdated: Math.max(stats.lastUpdated, now),
    probation: reputation < probationBelow,
  };
}

function isMeasure(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value >= 0;
}
