/**
 * The on-disk shape of relay records and claim states: zod schemas (bigints as decimal strings) and the
 * encoders the stores share. One JSON object a line, no newline inside (JSON escapes them).
 * @module
 */
import {
  bytes32Schema,
  relayReceiptSchema,
  relayRequestSchema,
  signatureSchema,
  uintSchema,
} from "@aviary/protocol";
import type { Hex } from "viem";
import { type ZodType, z } from "zod";
import { RelayRecordInvalidError } from "./errors.ts";
import type { ClaimState, RelayRecord } from "./RelayStore.ts";
import { fastDecodeRelayRecord, fastEncodeRelayRecord } from "./relayRecordFastCodec.ts";

const addressLikeSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be 0x followed by 40 hex digits (an address)")
  .transform((value) => value as Hex);

/**
 * A {@link RelayRecord} as stored: uints as decimal strings (numbers and bigints are accepted too).
 *
 * @example
 * ```ts
 * const record = relayRecordSchema.parse(JSON.parse(line));
 * ```
 */
export const relayRecordSchema = z.object({
  relayKey: bytes32Schema,
  request: relayRequestSchema,
  requestSignature: signatureSchema,
  receipt: relayReceiptSchema,
  receiptSignature: signatureSchema,
  servedAt: z.number().int().nonnegative(),
}) satisfies ZodType<RelayRecord, unknown>;

/**
 * A {@link ClaimState} as stored.
 *
 * @example
 * ```ts
 * const state = claimStateSchema.parse(JSON.parse(line));
 * ```
 */
export const claimStateSchema = z.object({
  claimKey: bytes32Schema,
  supplier: addressLikeSchema,
  application: addressLikeSchema,
  model: bytes32Schema,
  session: uintSchema(64),
  status: z.enum(["claimed", "proven", "not-required", "settled", "failed"]),
  root: z.object({ hash: bytes32Schema, sum: uintSchema(128), count: uintSchema(64) }),
  transactionHash: bytes32Schema.optional(),
  paid: uintSchema(256).optional(),
  error: z.string().optional(),
  updatedAt: z.number().int().nonnegative(),
}) satisfies ZodType<ClaimState, unknown>;

function bigintsAsStrings(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}

/**
 * Validates a record and encodes it as one JSON line (without the newline). Validating on the way in keeps a
 * bad record from making the whole session file unreadable later.
 *
 * @throws {RelayRecordInvalidError} when the record does not match {@link relayRecordSchema}.
 * @example
 * ```ts
 * const line = encodeRelayRecord(record); // '{"relayKey":"0x…","request":{…,"nonce":"7",…},…}'
 * ```
 */
export function encodeRelayRecord(record: RelayRecord): string {
  const fast = fastEncodeRelayRecord(record);
  if (fast !== undefined) return fast;
  const parsed = relayRecordSchema.safeParse(record);
  if (!parsed.success)
    throw new RelayRecordInvalidError({
      what: "relay record",
      reason: describeIssues(parsed.error),
      cause: parsed.error,
    });
  return JSON.stringify(parsed.data, bigintsAsStrings);
}

/**
 * Validates a claim state and encodes it as one JSON line (without the newline).
 *
 * @throws {RelayRecordInvalidError} when the state does not match {@link claimStateSchema}.
 * @example
 * ```ts
 * const line = encodeClaimState(state);
 * ```
 */
export function encodeClaimState(state: ClaimState): string {
  const parsed = claimStateSchema.safeParse(state);
  if (!parsed.success)
    throw new RelayRecordInvalidError({
      what: "claim state",
      reason: describeIssues(parsed.error),
      cause: parsed.error,
    });
  return JSON.stringify(parsed.data, bigintsAsStrings);
}

/**
 * Parses one stored line with `schema`; returns the value or a short reason.
 *
 * @example
 * ```ts
 * const result = decodeLine(line, relayRecordSchema);
 * if (!result.ok) throw new RelayStoreCorruptError({ file, line: number, reason: result.reason });
 * ```
 */
export function decodeLine<T>(
  line: string,
  schema: ZodType<T, unknown>,
): { ok: true; value: T } | { ok: false; reason: string; cause?: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: "not valid JSON", cause: error };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error), cause: parsed.error };
  return { ok: true, value: parsed.data };
}

/**
 * Parses one stored relay record line (fast path for the canonical form, zod otherwise).
 *
 * @example
 * ```ts
 * const result = decodeRelayRecordLine(line);
 * if (result.ok) console.log(result.value.relayKey);
 * ```
 */
export function decodeRelayRecordLine(
  line: string,
): { ok: true; value: RelayRecord } | { ok: false; reason: string; cause?: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: "not valid JSON", cause: error };
  }
  const fast = fastDecodeRelayRecord(json);
  if (fast) return { ok: true, value: fast };
  const parsed = relayRecordSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error), cause: parsed.error };
  return { ok: true, value: parsed.data };
}

/**
 * A deep copy of a claim state (so callers cannot change what a store holds).
 *
 * @example
 * ```ts
 * const copy = copyClaimState(state);
 * ```
 */
export function copyClaimState(state: ClaimState): ClaimState {
  return structuredClone(state);
}
