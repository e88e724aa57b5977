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
