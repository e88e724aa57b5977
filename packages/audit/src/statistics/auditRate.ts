import { AuditParameterInvalidError } from "./errors.ts";

export type AuditRateParameters = {
  /** The supplier's routing reputation, 0–100. */
  reputation: number;
  /** Audits this gateway completed on the supplier (for this model) so far. */
  auditsSoFar: number;
};

export type AuditRateOptions = {
  /** Audits per minute for an established supplier in good standing. */
  baseRatePerMinute: number;
  /** Audits until a supplier no longer counts as new. @default 20 */
  newSupplierAudits?: number;
  /** Rate multiplier for a brand-new supplier; it fades linearly to 1 over `newSupplierAudits`. @default 4 */
  newSupplierBoost?: number;
  /** Rate multiplier at reputation 0; 1 at `reputationReference` and above, linear in between. @default 4 */
  lowReputationBoost?: number;
  /** The reputation at and above which no low-reputation boost applies (new suppliers start at 80). @default 80 */
  reputationReference?: number;
};

/**
 * How often to audit a supplier, per minute: the base rate, raised for new suppliers (few audits so far) and
 * for low-reputation ones, so trust is earned fast and lost suppliers are watched closely. Both boosts
 * multiply.
 *
 * `rate = base · (1 + (newBoost − 1)·max(0, 1 − audits/newAudits)) · (1 + (lowBoost − 1)·clamp((ref − rep)/ref, 0, 1))`
 *
 * @param supplier - reputation and audits so far.
 * @param options - base rate and boosts.
 * @throws {AuditParameterInvalidError} for a negative base rate or a boost below 1.
 * @example
 * ```ts
 * auditRate({ reputation: 80, auditsSoFar: 0 }, { baseRatePerMinute: 0.5 }); // 2 (new: ×4)
 * auditRate({ reputation: 100, auditsSoFar: 50 }, { baseRatePerMinute: 0.5 }); // 0.5
 * ```
 */
export function auditRate(
  { reputation, auditsSoFar }: AuditRateParameters,
  {
    baseRatePerMinute,
    newSupplierAudits = 20,
    newSupplierBoost = 4,
    lowReputationBoost = 4,
    reputationReference = 80,
  }: AuditRateOptions,
): number {
  if (!(baseRatePerMinute >= 0))
    throw new AuditParameterInvalidError({
      name: "baseRatePerMinute",
      value: baseRatePerMinute,
      reason: "must be ≥ 0",
    });
  for (const [name, boost] of [
    ["newSupplierBoost", newSupplierBoost],
    ["lowReputationBoost", lowReputationBoost],
  ] as const) {
    if (!(boost >= 1)) throw new AuditParameterInvalidError({ name, value: boost, reason: "must be ≥ 1" });
  }
  const newness = newSupplierAudits > 0 ? Math.max(0, 1 - auditsSoFar / newSupplierAudits) : 0;
  const deficit =
    reputationReference > 0
      ? Math.min(1, Math.max(0, (reputationReference - reputation) / reputationReference))
      : 0;
  return (
    baseRatePerMinute * (1 + (newSupplierBoost - 1) * newness) * (1 + (lowReputationBoost - 1) * deficit)
  );
}
