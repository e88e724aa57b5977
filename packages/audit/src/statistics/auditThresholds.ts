import { type AuditThresholds, type AuditThresholdsInput, auditThresholdsSchema } from "@aviary/gateway";

// The schema is the gateway's (its configuration file's `audit.models[].thresholds` section is validated when
// the configuration is read, whether or not this package is loaded); the defaults and their merge live here.
export type { AuditThresholds, AuditThresholdsInput };

/** The default thresholds. */
export const DEFAULT_AUDIT_THRESHOLDS: AuditThresholds = auditThresholdsSchema.parse({});

/**
 * Fills `overrides` with the defaults, group by group (a partial `greedy` keeps the other greedy defaults).
 *
 * @param overrides - any subset of {@link AuditThresholds}.
 * @throws {z.ZodError} when a value is out of range or a key is unknown.
 * @example
 * ```ts
 * const thresholds = resolveAuditThresholds({ greedy: { maxOffTopShare: 0.1 } });
 * thresholds.greedy.tieLogProb; // 0.02 (default kept)
 * ```
 */
export function resolveAuditThresholds(overrides: AuditThresholdsInput = {}): AuditThresholds {
  return auditThresholdsSchema.parse(overrides);
}
