/**
 * The store's rows and their mapping to records, written once for both databases: integers come back as numbers
 * (SQLite) or decimal text (PostgreSQL BIGINT), booleans as 0/1 or true/false, amounts as decimal text.
 * @module
 */
import type { RateWindow } from "../decideAdmission.ts";
import type {
  ApiKeyRecord,
  AuditRecord,
  EvidenceRecord,
  ReceiptRecord,
  ReservationExpiryRecord,
  UsageRecord,
} from "../GatewayStore.ts";

/** An integer as a driver returns it. */
type Integer = number | string;
/** A boolean as a driver returns it. */
type Flag = boolean | number;

const flag = (value: Flag): boolean => value === true || value === 1;
const integerOrNull = (value: Integer | null): number | null => (value === null ? null : Number(value));

/** Columns of `gateway_api_keys` that make an {@link ApiKeyRecord} (never `key_hash`). */
export const KEY_COLUMNS =
  "id, name, prefix, created_at, revoked_at, budget_wei, spent_wei, requests_per_minute, tokens_per_minute";
/** A row of {@link KEY_COLUMNS}. */
export type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  created_at: Integer;
  revoked_at: Integer | null;
  budget_wei: string | null;
  spent_wei: string;
  requests_per_minute: number | null;
  tokens_per_minute: Integer | null;
};
/** The key a {@link KeyRow} holds. */
export function toKeyRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: Number(row.created_at),
    revokedAt: integerOrNull(row.revoked_at),
    budgetWei: row.budget_wei === null ? null : BigInt(row.budget_wei),
    spentWei: BigInt(row.spent_wei),
    requestsPerMinute: row.requests_per_minute,
    tokensPerMinute: integerOrNull(row.tokens_per_minute),
  };
}

/** Columns of `gateway_rate_windows` that make a {@link RateWindow} (with `key_id` first when inserting). */
export const WINDOW_COLUMNS =
  "window_start, requests, tokens, reserved_wei, reserved_requests, reserved_tokens";
/** A row of {@link WINDOW_COLUMNS}. */
export type WindowRow = {
  window_start: Integer;
  requests: number;
  tokens: Integer;
  reserved_wei: string;
  reserved_requests: number;
  reserved_tokens: Integer;
};
/** The window a {@link WindowRow} holds. */
export function toRateWindow(row: WindowRow): RateWindow {
  return {
    windowStart: Number(row.window_start),
    requests: row.requests,
    tokens: Number(row.tokens),
    reservedWei: BigInt(row.reserved_wei),
    reservedRequests: row.reserved_requests,
    reservedTokens: Number(row.reserved_tokens),
  };
}

/** Columns of `gateway_expired_reservations`. */
export const EXPIRY_COLUMNS =
  "key_id, window_start, expired_at, requests, tokens, charged_wei, settled_requests, settled_wei";
/** A row of {@link EXPIRY_COLUMNS}. */
export type ExpiryRow = {
  key_id: string;
  window_start: Integer;
  expired_at: Integer;
  requests: number;
  tokens: Integer;
  charged_wei: string;
  settled_requests: number;
  settled_wei: string;
};
/** The expiry record an {@link ExpiryRow} holds. */
export function toExpiryRecord(row: ExpiryRow): ReservationExpiryRecord {
  return {
    keyId: row.key_id,
    windowStart: Number(row.window_start),
    expiredAt: Number(row.expired_at),
    requests: row.requests,
    tokens: Number(row.tokens),
    chargedWei: BigInt(row.charged_wei),
    settledRequests: row.settled_requests,
    settledWei: BigInt(row.settled_wei),
  };
}

/** Columns of `gateway_usage` that make a {@link UsageRecord} (not `seq`). */
export const USAGE_COLUMNS =
  "id, key_id, created_at, model, supplier, application, route, stream, status, error_code, input_tokens, " +
  "output_tokens, cost_wei, relay_key, session, latency_ms, time_to_first_token_ms, attempts";
/** A row of {@link USAGE_COLUMNS}. */
export type UsageRow = {
  id: string;
  key_id: string;
  created_at: Integer;
  model: string;
  supplier: string | null;
  application: string | null;
  route: string;
  stream: Flag;
  status: "ok" | "error";
  error_code: string | null;
  input_tokens: Integer;
  output_tokens: Integer;
  cost_wei: string;
  relay_key: string | null;
  session: string | null;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  attempts: number;
};
/** The usage record a {@link UsageRow} holds. */
export function toUsageRecord(row: UsageRow): UsageRecord {
  return {
    id: row.id,
    keyId: row.key_id,
    createdAt: Number(row.created_at),
    model: row.model,
    supplier: row.supplier,
    application: row.application,
    route: row.route,
    stream: flag(row.stream),
    status: row.status,
    errorCode: row.error_code,
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costWei: BigInt(row.cost_wei),
    relayKey: row.relay_key,
    session: row.session === null ? null : BigInt(row.session),
    latencyMs: row.latency_ms,
    timeToFirstTokenMs: row.time_to_first_token_ms,
    attempts: row.attempts,
  };
}
/** A usage record's values in {@link USAGE_COLUMNS} order. */
export function usageValues(record: UsageRecord): (string | number | bigint | boolean | null)[] {
  return [
    record.id,
    record.keyId,
    record.createdAt,
    record.model,
    record.supplier,
    record.application,
    record.route,
    record.stream,
    record.status,
    record.errorCode,
    record.inputTokens,
    record.outputTokens,
    record.costWei,
    record.relayKey,
    record.session,
    record.latencyMs,
    record.timeToFirstTokenMs,
    record.attempts,
  ];
}

/** Columns of `gateway_receipts`. */
export const RECEIPT_COLUMNS =
  "relay_key, session, supplier, application, model, request, request_signature, receipt, receipt_signature, created_at";
/** A row of {@link RECEIPT_COLUMNS}; `session` as the dialect stores it (zero-padded in SQLite). */
export type ReceiptRow = {
  relay_key: string;
  session: string;
  supplier: string;
  application: string;
  model: string;
  request: string;
  request_signature: string;
  receipt: string;
  receipt_signature: string;
  created_at: Integer;
};
/** The receipt a {@link ReceiptRow} holds. */
export function toReceiptRecord(row: ReceiptRow): ReceiptRecord {
  return {
    relayKey: row.relay_key,
    session: BigInt(row.session),
    supplier: row.supplier,
    application: row.application,
    model: row.model,
    request: row.request,
    requestSignature: row.request_signature,
    receipt: row.receipt,
    receiptSignature: row.receipt_signature,
    createdAt: Number(row.created_at),
  };
}

/** Columns of `gateway_evidence` that make an {@link EvidenceRecord} (not `seq`). */
export const EVIDENCE_COLUMNS =
  "id, supplier, model, kind, check_name, detail, check_values, relay_key, created_at, request, receipt";
/** A row of {@link EVIDENCE_COLUMNS}. */
export type EvidenceRow = {
  id: string;
  supplier: string;
  model: string;
  kind: EvidenceRecord["kind"];
  check_name: string;
  detail: string;
  check_values: string;
  relay_key: string | null;
  created_at: Integer;
  request: string | null;
  receipt: string | null;
};
/** The evidence an {@link EvidenceRow} holds. */
export function toEvidenceRecord(row: EvidenceRow): EvidenceRecord {
  return {
    id: row.id,
    supplier: row.supplier,
    model: row.model,
    kind: row.kind,
    check: row.check_name,
    detail: row.detail,
    values: row.check_values,
    relayKey: row.relay_key,
    createdAt: Number(row.created_at),
    request: row.request,
    receipt: row.receipt,
  };
}

/** Columns of `gateway_audits` that make an {@link AuditRecord} (not `seq`). */
export const AUDIT_COLUMNS =
  "id, supplier, model, kind, relay_key, passed, check_name, temperature, created_at, metrics";
/** A row of {@link AUDIT_COLUMNS}. */
export type AuditRow = {
  id: string;
  supplier: string;
  model: string;
  kind: AuditRecord["kind"];
  relay_key: string | null;
  passed: Flag;
  check_name: string | null;
  temperature: number;
  created_at: Integer;
  metrics: string;
};
/** The audit outcome an {@link AuditRow} holds. */
export function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    supplier: row.supplier,
    model: row.model,
    kind: row.kind,
    relayKey: row.relay_key,
    passed: flag(row.passed),
    check: row.check_name,
    temperature: row.temperature,
    createdAt: Number(row.created_at),
    metrics: row.metrics,
  };
}

/**
 * `WHERE` clause (`?` placeholders) and parameters of the filters every list has: exact columns and a
 * `created_at`-like lower bound.
 *
 * @example
 * ```ts
 * whereClause([["supplier", "0xab…"], ["model", undefined]], ["created_at", 5]) // { where: "WHERE supplier = ? AND created_at >= ?", parameters: ["0xab…", 5] }
 * ```
 */
export function whereClause(
  equal: readonly (readonly [column: string, value: string | undefined])[],
  atLeast?: readonly [column: string, value: number | undefined],
): { where: string; parameters: (string | number)[] } {
  const conditions: string[] = [];
  const parameters: (string | number)[] = [];
  for (const [column, value] of equal) {
    if (value === undefined) continue;
    conditions.push(`${column} = ?`);
    parameters.push(value);
  }
  if (atLeast && atLeast[1] !== undefined) {
    conditions.push(`${atLeast[0]} >= ?`);
    parameters.push(atLeast[1]);
  }
  return { where: conditions.length ? `WHERE ${conditions.join(" AND ")}` : "", parameters };
}
