import { AuditParameterInvalidError } from "./errors.ts";

/**
 * The wait before the next audit of a Poisson process with `ratePerMinute` events per minute: an
 * exponential draw, so audits arrive like independent users (no period a supplier could learn).
 *
 * @param ratePerMinute - the current rate (`auditRate`); 0 means never (`Infinity`).
 * @param random - uniform in [0, 1) (e.g. `Math.random`, or a seeded generator in tests).
 * @returns milliseconds.
 * @throws {AuditParameterInvalidError} for a negative rate.
 * @example
 * ```ts
 * setTimeout(runAudit, nextAuditDelay(2, Math.random)); // on average 30 s
 * ```
 */
export function nextAuditDelay(ratePerMinute: number, random: () => number): number {
  if (!(ratePerMinute >= 0))
    throw new AuditParameterInvalidError({
      name: "ratePerMinute",
      value: ratePerMinute,
      reason: "must be ≥ 0",
    });
  if (ratePerMinute === 0) return Number.POSITIVE_INFINITY;
  const uniform = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return (-Math.log(1 - uniform) / ratePerMinute) * 60_000;
}
