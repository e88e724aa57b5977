import { getAddress } from "viem";
import { z } from "zod";

/** A measurement: a number, or null while the gateway has not measured it. */
const measure = z.number().nullable();

const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be an 0x-prefixed 20-byte address")
  .transform((value) => getAddress(value));

/**
 * A gateway's evaluation of a supplier (optional: gateways that do not evaluate leave it out). Unknown
 * fields are kept; every number may be null (not measured yet).
 */
export const gatewayEvaluationSchema = z.looseObject({
  availability: measure.optional(),
  ttftMs: z
    .looseObject({ p50: measure.optional(), p90: measure.optional(), p99: measure.optional() })
    .nullish(),
  tokensPerSecond: z.looseObject({ p50: measure.optional(), p90: measure.optional() }).nullish(),
  audits: measure.optional(),
  auditPassRate: measure.optional(),
  billingAccuracy: measure.optional(),
  flagged: z.union([z.boolean(), z.number()]).nullish(),
});
export type GatewayEvaluation = z.output<typeof gatewayEvaluationSchema>;

/** One supplier as a gateway measured it (`GET /public/v1/suppliers`). */
export const gatewaySupplierSchema = z.looseObject({
  address: addressSchema,
  endpoint: z.string(),
  reputation: measure,
  ttftMs: measure,
  tokensPerSecond: measure,
  latencyMs: measure,
  errorRate: measure,
  successes: measure,
  failures: measure,
  probation: z.boolean(),
  // A malformed evaluation (a newer gateway's shape) hides the evaluation, not the supplier.
  evaluation: gatewayEvaluationSchema.optional().catch(undefined),
});
export type GatewaySupplier = z.output<typeof gatewaySupplierSchema>;

/** The gateway's public measurements: `GET {gateway}/public/v1/suppliers`. */
export const gatewaySuppliersResponseSchema = z.looseObject({
  gateway: addressSchema,
  updatedAt: z.string(),
  suppliers: z.array(gatewaySupplierSchema),
});
export type GatewaySuppliersResponse = z.output<typeof gatewaySuppliersResponseSchema>;

/** One piece of evidence a gateway holds against a supplier (a failed check). */
export const gatewayEvidenceSchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  supplier: addressSchema,
  model: z.string(),
  kind: z.string(),
  check: z.string(),
  detail: z.string().nullish(),
  relayKey: z.string().nullish(),
  createdAt: z.union([z.string(), z.number()]),
});
export type GatewayEvidence = z.output<typeof gatewayEvidenceSchema>;

/** `GET {gateway}/public/v1/evidence` (optional route: a 404 means the gateway does not publish evidence). */
export const gatewayEvidenceResponseSchema = z.looseObject({ evidence: z.array(gatewayEvidenceSchema) });

/**
 * One supplier's result on a model's evaluation set. Only the address and the score are required; the
 * rest may be missing or null (shown as "—").
 */
export const gatewaySupplierEvaluationScoreSchema = z.looseObject({
  address: addressSchema,
  /** 0–100. */
  score: z.number(),
  /** 0–1. */
  passRate: measure.optional(),
  items: measure.optional(),
  updatedAt: z.string().nullish(),
});
export type GatewaySupplierEvaluationScore = z.output<typeof gatewaySupplierEvaluationScoreSchema>;

/** Keeps the entries that parse and drops the rest (a newer gateway's shape hides one entry, not all). */
function tolerantArray<schema extends z.ZodType>(schema: schema) {
  return z
    .array(schema.nullable().catch(null))
    .transform((entries) => entries.filter((entry): entry is z.output<schema> => entry !== null));
}

/** One model's scores on the gateway's fixed evaluation set. `model` is the model's registered name. */
export const gatewayModelEvaluationSchema = z.looseObject({
  model: z.string(),
  evaluationSet: z.string(),
  suppliers: tolerantArray(gatewaySupplierEvaluationScoreSchema),
});
export type GatewayModelEvaluation = z.output<typeof gatewayModelEvaluationSchema>;

/**
 * `GET {gateway}/public/v1/models/evaluation` (optional route: a 404 or any failure only hides it).
 * Unknown fields are kept; a malformed model or supplier entry is dropped, not the whole answer.
 */
export const gatewayModelEvaluationsResponseSchema = z.looseObject({
  gateway: addressSchema.optional().catch(undefined),
  updatedAt: z.string().optional().catch(undefined),
  models: tolerantArray(gatewayModelEvaluationSchema),
});
export type GatewayModelEvaluationsResponse = z.output<typeof gatewayModelEvaluationsResponseSchema>;

/**
 * One covert image audit as a gateway publishes it: the audit prompt, the supplier's render and the
 * reference's for the same seed, and the verdict. Audit renders only, never a user's image.
 */
export const gatewayImageAuditSchema = z.looseObject({
  supplier: addressSchema,
  model: z.string(),
  createdAt: z.union([z.string(), z.number()]),
  prompt: z.string(),
  seed: z.number().nullish(),
  steps: z.number().nullish(),
  size: z.string().nullish(),
  passed: z.boolean(),
  /** The perceptual distance (0–1) of the two renders; null or absent when compared byte for byte. */
  distance: z.number().nullish(),
  /** PNG, base64. */
  supplierImage: z.string().regex(/^[A-Za-z0-9+/=]*$/, "must be base64"),
  /** PNG, base64. */
  referenceImage: z.string().regex(/^[A-Za-z0-9+/=]*$/, "must be base64"),
});
export type GatewayImageAudit = z.output<typeof gatewayImageAuditSchema>;

/**
 * `GET {gateway}/public/v1/audits/images` (optional route: a 404 or any failure only hides the renders).
 * A malformed entry is dropped, not the whole answer.
 */
export const gatewayImageAuditsResponseSchema = z.looseObject({
  audits: tolerantArray(gatewayImageAuditSchema),
});
