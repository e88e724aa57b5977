/**
 * zod schemas of what enters a gateway store, shared by every implementation so they accept and refuse
 * the same values.
 * @module
 */
import { z } from "zod";
import { GatewayStoreInputError } from "./errors.ts";
import type { AuditRecord, EvidenceRecord, ReceiptRecord, Reservation, UsageRecord } from "./GatewayStore.ts";

/** The largest amount a store keeps exactly: 2^256 − 1 (fits NUMERIC(78,0)). */
export const MAX_UINT256 = 2n ** 256n - 1n;

/** A uint256 as a bigint: wei amounts and sessions. */
export const uint256Schema = z.bigint().min(0n).max(MAX_UINT256);
/** A count (tokens, attempts): a non-negative safe integer. */
export const countSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Unix milliseconds. */
export const timeSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const limitSchema = z
  .number()
  .int()
  .min(1)
  .max(2 ** 31 - 1)
  .nullable();
const textSchema = z.string().max(10_000);
const idSchema = z.string().min(1).max(200);

/** Input of `createKey`. */
export const createKeyInputSchema = z.object({
  name: z.string().min(1).max(200),
  budgetWei: uint256Schema.nullable().default(null),
  requestsPerMinute: limitSchema.default(null),
  tokensPerMinute: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).nullable().default(null),
});

/** Arguments of `admit`. */
export const admitInputSchema = z.object({
  keyId: idSchema,
  estimatedTokens: countSchema,
  estimatedCostWei: uint256Schema,
  now: timeSchema,
});

/** A {@link UsageRecord}. */
export const usageRecordSchema = z.object({
  id: idSchema,
  keyId: idSchema,
  createdAt: timeSchema,
  model: textSchema,
  supplier: textSchema.nullable(),
  application: textSchema.nullable(),
  route: textSchema,
  stream: z.boolean(),
  status: z.enum(["ok", "error"]),
  errorCode: textSchema.nullable(),
  inputTokens: countSchema,
  outputTokens: countSchema,
  costWei: uint256Schema,
  relayKey: textSchema.nullable(),
  session: uint256Schema.nullable(),
  latencyMs: z.number().min(0),
  timeToFirstTokenMs: z.number().min(0).nullable(),
  attempts: countSchema,
}) satisfies z.ZodType<UsageRecord>;

/** The reservation handed to `recordUsage`. */
export const reservationSchema = z.object({
  tokens: countSchema,
  costWei: uint256Schema,
  windowStart: timeSchema,
}) satisfies z.ZodType<Reservation>;

/** Arguments of `raiseReservation`. */
export const raiseReservationInputSchema = z.object({
  keyId: idSchema,
  reservation: reservationSchema,
  costWei: uint256Schema,
  now: timeSchema,
});

/** A {@link ReceiptRecord}. */
export const receiptRecordSchema = z.object({
  relayKey: idSchema,
  session: uint256Schema,
  supplier: textSchema,
  application: textSchema,
  model: textSchema,
  request: z.string(),
  requestSignature: textSchema,
  receipt: z.string(),
  receiptSignature: textSchema,
  createdAt: timeSchema,
}) satisfies z.ZodType<ReceiptRecord>;

/** Filter of `usage`. */
export const usageFilterSchema = z.object({
  keyId: idSchema.optional(),
  since: timeSchema.optional(),
  limit: z.number().int().min(1).max(100_000).default(1000),
});

/** Filter of `reservationExpiries`. */
export const reservationExpiryFilterSchema = z.object({
  keyId: idSchema.optional(),
  since: timeSchema.optional(),
  limit: z.number().int().min(1).max(100_000).default(1000),
});

/** Filter of `receiptsFor`. */
export const receiptFilterSchema = z.object({
  session: uint256Schema.optional(),
  supplier: textSchema.optional(),
  application: textSchema.optional(),
  model: textSchema.optional(),
});

/** An {@link EvidenceRecord}. */
export const evidenceRecordSchema = z.object({
  id: idSchema,
  supplier: textSchema.transform((value) => value.toLowerCase()),
  model: textSchema,
  kind: z.enum(["audit", "billing", "distribution"]),
  check: idSchema,
  detail: textSchema,
  values: z.string().max(100_000),
  relayKey: textSchema.nullable(),
  createdAt: timeSchema,
  request: z.string().max(1_000_000).nullable(),
  receipt: z.string().max(100_000).nullable(),
}) satisfies z.ZodType<EvidenceRecord, unknown>;

/** Filter of `evidence`. */
export const evidenceFilterSchema = z.object({
  supplier: textSchema.transform((value) => value.toLowerCase()).optional(),
  model: textSchema.optional(),
  since: timeSchema.optional(),
  limit: z.number().int().min(1).max(10_000).default(100),
});

/** An {@link AuditRecord}. */
export const auditRecordSchema = z.object({
  id: idSchema,
  supplier: textSchema.transform((value) => value.toLowerCase()),
  model: textSchema,
  kind: z.enum(["audit", "evaluation"]),
  relayKey: textSchema.nullable(),
  passed: z.boolean(),
  check: textSchema.nullable(),
  temperature: z.number().min(0).max(100),
  createdAt: timeSchema,
  metrics: z.string().max(100_000),
}) satisfies z.ZodType<AuditRecord, unknown>;

/** Filter of `audits`. */
export const auditFilterSchema = z.object({
  supplier: textSchema.transform((value) => value.toLowerCase()).optional(),
  model: textSchema.optional(),
  since: timeSchema.optional(),
  limit: z.number().int().min(1).max(100_000).default(1000),
});

/**
 * Parses `value` with `schema`, or throws {@link GatewayStoreInputError} naming `operation` and the fields.
 *
 * @example
 * ```ts
 * const usage = parseInput("recordUsage", usageRecordSchema, input);
 * ```
 */
export function parseInput<Schema extends z.ZodType>(
  operation: string,
  schema: Schema,
  value: unknown,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new GatewayStoreInputError({
    operation,
    reason: z.prettifyError(result.error).replaceAll("\n", " "),
    cause: result.error,
  });
}

/**
 * Whether two receipts for one relayKey are the same evidence (every field but `createdAt`).
 *
 * @example
 * ```ts
 * if (!sameReceipt(stored, incoming)) return { conflict: stored };
 * ```
 */
export function sameReceipt(left: ReceiptRecord, right: ReceiptRecord): boolean {
  return (
    left.relayKey === right.relayKey &&
    left.session === right.session &&
    left.supplier === right.supplier &&
    left.application === right.application &&
    left.model === right.model &&
    left.request === right.request &&
    left.requestSignature === right.requestSignature &&
    left.receipt === right.receipt &&
    left.receiptSignature === right.receiptSignature
  );
}
