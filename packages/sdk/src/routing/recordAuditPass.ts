import {
  AUDIT_PASS_REPUTATION_DELTA,
  resolveSupplierStatsConfig,
  type SupplierStats,
  type SupplierStatsConfig,
} from "./SupplierStats.ts";

/** A passed integrity audit. */
export type RecordAuditPassParameters = {
  /** Current time, ms. */
  now: number;
};

/**
 * Records a passed integrity audit: reputation +{@link AUDIT_PASS_REPUTATION_DELTA} (capped at 100). Nothing
 * else changes: the audit relay's latency and success were recorded with it (`recordSuccess`), and a failed
 * audit goes through `recordFailure` with kind `audit-fail`.
 *
 * @param stats - the supplier's current stats.
 * @param parameters - `now` (ms).
 * @param config - only `probationBelow` (default 30) is read.
 * @returns the new stats (the input is not modified).
 * @example
 * ```ts
 * stats = recordAuditPass(stats, { now }); // reputation +2
 * ```
 */
export function recordAuditPass(
  stats: SupplierStats,
  { now }: RecordAuditPassParameters,
  config: SupplierStatsConfig = {},
): SupplierStats {
  const { probationBelow } = resolveSupplierStatsConfig(config);
  const reputation = Math.min(100, stats.reputation + AUDIT_PASS_REPUTATION_DELTA);
  return {
    ...stats,
    reputation,
    lastUpdated: Math.max(stats.lastUpdated, now),
    probation: reputation < probationBelow,
  };
}
