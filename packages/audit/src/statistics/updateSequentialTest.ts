export type UpdateSequentialTestParameters = {
  /** The statistic before this audit (0 for a supplier not yet audited, or after a flag). */
  statistic: number;
  /** The audit's log-likelihood ratio (`weighAuditEvidence`), nats. */
  increment: number;
  /** Flag when the statistic reaches this, nats (`AuditThresholds["evidence"].threshold`). */
  threshold: number;
};

export type UpdateSequentialTestReturnType = {
  /** The statistic after this audit: 0 again when it flagged. */
  statistic: number;
  /** The statistic that was compared with the threshold. */
  reached: number;
  flagged: boolean;
};

/**
 * One step of a one-sided CUSUM (Page's test) of log-likelihood ratios, per supplier and model:
 * `S ← max(0, S + increment)`, flagging when `S ≥ threshold` (then `S` restarts at 0, so a new flag needs new
 * evidence). Under an honest supplier whose ratios are true likelihood ratios (or smaller), the expected number
 * of audits before a false flag is at least `e^threshold` (Lorden 1971): 14 nats gives more than a million.
 *
 * @param parameters - the statistic, the increment, the threshold.
 * @example
 * ```ts
 * const step = updateSequentialTest({ statistic: 9.5, increment: 6.1, threshold: 14 });
 * step.flagged; // true (15.6 ≥ 14); step.statistic: 0
 * ```
 */
export function updateSequentialTest({
  statistic,
  increment,
  threshold,
}: UpdateSequentialTestParameters): UpdateSequentialTestReturnType {
  const reached = Math.max(0, statistic + (Number.isNaN(increment) ? 0 : increment));
  const flagged = reached >= threshold;
  return { statistic: flagged ? 0 : reached, reached, flagged };
}
