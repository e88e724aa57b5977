import { randomUUID } from "node:crypto";
import { BaseError } from "@aviary/protocol";
import pg from "pg";
import { decideAdmission, type RateWindow } from "./decideAdmission.ts";
import {
  ApiKeyNotFoundError,
  ApiKeyRevokedError,
  GatewayStoreClosedError,
  GatewayStoreConfigError,
  GatewayStoreError,
} from "./errors.ts";
import {
  type ApiKeyRecord,
  type AuditFilter,
  type AuditRecord,
  type CreatedApiKey,
  DEFAULT_RESERVATION_TTL_MS,
  type EvidenceFilter,
  type EvidenceRecord,
  type GatewayStore,
  RATE_LIMIT_WINDOW_MS,
  type RateLimitDecision,
  type ReceiptFilter,
  type ReceiptRecord,
  type Reservation,
  type UsageFilter,
  type UsageRecord,
} from "./GatewayStore.ts";
import { generateApiKey, hashApiKey, isApiKeyFormat } from "./generateApiKey.ts";
import {
  admitInputSchema,
  auditFilterSchema,
  auditRecordSchema,
  createKeyInputSchema,
  evidenceFilterSchema,
  evidenceRecordSchema,
  parseInput,
  receiptFilterSchema,
  receiptRecordSchema,
  reservationSchema,
  sameReceipt,
  uint256Schema,
  usageFilterSchema,
  usageRecordSchema,
} from "./schemas.ts";
import { settleReservation } from "./settleReservation.ts";

/** Options of {@link PostgresGatewayStore}. */
export type PostgresGatewayStoreOptions = {
  /** `postgres://user:password@host:port/database` (or `postgresql://…`). */
  url: string;
  /** Connections in this replica's pool. Default 10. */
  poolSize?: number;
  /** How long to wait for a connection before failing (retryably). Default 10 000. */
  connectionTimeoutMs?: number;
  /** See {@link DEFAULT_RESERVATION_TTL_MS}. At least one window (60 000). */
  reservationTtlMs?: number;
};

/** Any constant: the advisory lock that serializes concurrent `migrate()` calls. */
const MIGRATE_LOCK = 0x61766961; // "avia"

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gateway_api_keys (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL UNIQUE,
  key_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  budget_wei NUMERIC(78, 0),
  spent_wei NUMERIC(78, 0) NOT NULL,
  requests_per_minute INTEGER,
  tokens_per_minute BIGINT
);
CREATE TABLE IF NOT EXISTS gateway_rate_windows (
  key_id TEXT NOT NULL REFERENCES gateway_api_keys (id),
  window_start BIGINT NOT NULL,
  requests INTEGER NOT NULL,
  tokens BIGINT NOT NULL,
  reserved_wei NUMERIC(78, 0) NOT NULL,
  PRIMARY KEY (key_id, window_start)
);
CREATE TABLE IF NOT EXISTS gateway_usage (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  key_id TEXT NOT NULL REFERENCES gateway_api_keys (id),
  created_at BIGINT NOT NULL,
  model TEXT NOT NULL,
  supplier TEXT,
  application TEXT,
  route TEXT NOT NULL,
  stream BOOLEAN NOT NULL,
  status TEXT NOT NULL,
  error_code TEXT,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cost_wei NUMERIC(78, 0) NOT NULL,
  relay_key TEXT,
  session NUMERIC(78, 0),
  latency_ms DOUBLE PRECISION NOT NULL,
  time_to_first_token_ms DOUBLE PRECISION,
  attempts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS gateway_usage_by_key ON gateway_usage (key_id, created_at);
CREATE INDEX IF NOT EXISTS gateway_usage_by_time ON gateway_usage (created_at);
CREATE TABLE IF NOT EXISTS gateway_receipts (
  relay_key TEXT PRIMARY KEY,
  session NUMERIC(78, 0) NOT NULL,
  supplier TEXT NOT NULL,
  application TEXT NOT NULL,
  model TEXT NOT NULL,
  request TEXT NOT NULL,
  request_signature TEXT NOT NULL,
  receipt TEXT NOT NULL,
  receipt_signature TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS gateway_receipts_by_session ON gateway_receipts (session);
CREATE INDEX IF NOT EXISTS gateway_receipts_by_supplier ON gateway_receipts (supplier, session);
CREATE TABLE IF NOT EXISTS gateway_evidence (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  supplier TEXT NOT NULL,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  check_name TEXT NOT NULL,
  detail TEXT NOT NULL,
  check_values TEXT NOT NULL,
  relay_key TEXT,
  created_at BIGINT NOT NULL,
  request TEXT,
  receipt TEXT
);
CREATE INDEX IF NOT EXISTS gateway_evidence_by_time ON gateway_evidence (created_at);
CREATE INDEX IF NOT EXISTS gateway_evidence_by_supplier ON gateway_evidence (supplier, created_at);
CREATE TABLE IF NOT EXISTS gateway_audits (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  supplier TEXT NOT NULL,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  relay_key TEXT,
  passed BOOLEAN NOT NULL,
  check_name TEXT,
  temperature DOUBLE PRECISION NOT NULL,
  created_at BIGINT NOT NULL,
  metrics TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS gateway_audits_by_time ON gateway_audits (created_at);
CREATE INDEX IF NOT EXISTS gateway_audits_by_supplier ON gateway_audits (supplier, created_at);
`;

// pg returns BIGINT and NUMERIC as strings (exact); the mappers convert.
type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  budget_wei: string | null;
  spent_wei: string;
  requests_per_minute: number | null;
  tokens_per_minute: string | null;
};
type WindowRow = { window_start: string; requests: number; tokens: string; reserved_wei: string };
type UsageRow = {
  id: string;
  key_id: string;
  created_at: string;
  model: string;
  supplier: string | null;
  application: string | null;
  route: string;
  stream: boolean;
  status: "ok" | "error";
  error_code: string | null;
  input_tokens: string;
  output_tokens: string;
  cost_wei: string;
  relay_key: string | null;
  session: string | null;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  attempts: number;
};
type ReceiptRow = {
  relay_key: string;
  session: string;
  supplier: string;
  application: string;
  model: string;
  request: string;
  request_signature: string;
  receipt: string;
  receipt_signature: string;
  created_at: string;
};

type EvidenceRow = {
  id: string;
  supplier: string;
  model: string;
  kind: EvidenceRecord["kind"];
  check_name: string;
  detail: string;
  check_values: string;
  relay_key: string | null;
  created_at: string;
  request: string | null;
  receipt: string | null;
};
type AuditRow = {
  id: string;
  supplier: string;
  model: string;
  kind: AuditRecord["kind"];
  relay_key: string | null;
  passed: boolean;
  check_name: string | null;
  temperature: number;
  created_at: string;
  metrics: string;
};

const KEY_COLUMNS =
  "id, name, prefix, created_at, revoked_at, budget_wei, spent_wei, requests_per_minute, tokens_per_minute";
const USAGE_COLUMNS =
  "id, key_id, created_at, model, supplier, application, route, stream, status, error_code, input_tokens, " +
  "output_tokens, cost_wei, relay_key, session, latency_ms, time_to_first_token_ms, attempts";
const RECEIPT_COLUMNS =
  "relay_key, session, supplier, application, model, request, request_signature, receipt, receipt_signature, created_at";

function toKeyRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    budgetWei: row.budget_wei === null ? null : BigInt(row.budget_wei),
    spentWei: BigInt(row.spent_wei),
    requestsPerMinute: row.requests_per_minute,
    tokensPerMinute: row.tokens_per_minute === null ? null : Number(row.tokens_per_minute),
  };
}

function toUsageRecord(row: UsageRow): UsageRecord {
  return {
    id: row.id,
    keyId: row.key_id,
    createdAt: Number(row.created_at),
    model: row.model,
    supplier: row.supplier,
    application: row.application,
    route: row.route,
    stream: row.stream,
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

function toReceiptRecord(row: ReceiptRow): ReceiptRecord {
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

const EVIDENCE_COLUMNS =
  "id, supplier, model, kind, check_name, detail, check_values, relay_key, created_at, request, receipt";
const AUDIT_COLUMNS =
  "id, supplier, model, kind, relay_key, passed, check_name, temperature, created_at, metrics";

function toEvidenceRecord(row: EvidenceRow): EvidenceRecord {
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

function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    supplier: row.supplier,
    model: row.model,
    kind: row.kind,
    relayKey: row.relay_key,
    passed: row.passed,
    check: row.check_name,
    temperature: row.temperature,
    createdAt: Number(row.created_at),
    metrics: row.metrics,
  };
}

/** WHERE clause and parameters ($1…) of an evidence or audit filter; `limit` comes last. */
function integrityQuery(filter: { supplier?: string; model?: string; since?: number; limit: number }): {
  where: string;
  parameters: (string | number)[];
} {
  const conditions: string[] = [];
  const parameters: (string | number)[] = [];
  for (const [column, value] of [
    ["supplier", filter.supplier],
    ["model", filter.model],
  ] as const) {
    if (value === undefined) continue;
    parameters.push(value);
    conditions.push(`${column} = $${parameters.length}`);
  }
  if (filter.since !== undefined) {
    parameters.push(filter.since);
    conditions.push(`created_at >= $${parameters.length}`);
  }
  parameters.push(filter.limit);
  return { where: conditions.length ? `WHERE ${conditions.join(" AND ")}` : "", parameters };
}

const RETRYABLE_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
/** SQLSTATEs worth a retry: shutdown/startup, too many connections, serialization, deadlock, lock/statement timeout. */
const RETRYABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "40001", "40P01", "55P03", "57014"]);

/**
 * Whether a pg error is a lost/refused connection or a transient conflict, where retrying may succeed.
 *
 * @example
 * ```ts
 * isRetryablePostgresError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })) // true
 * ```
 */
export function isRetryablePostgresError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (RETRYABLE_NODE_CODES.has(code) || RETRYABLE_SQLSTATES.has(code) || code.startsWith("08")) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

function sqlState(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/**
 * A {@link GatewayStore} in PostgreSQL, shared by any number of gateway replicas. `admit` and `recordUsage`
 * each run in one transaction that first locks the key's row (`SELECT … FOR UPDATE`): every replica's
 * admissions and settlements for one key are serialized by the database, and each reads the windows only
 * after taking the lock (READ COMMITTED takes a fresh snapshot per statement), so it sees every committed
 * reservation. Different keys never wait for each other. Wei amounts and sessions are NUMERIC(78,0).
 *
 * @example
 * ```ts
 * const store = new PostgresGatewayStore({ url: "postgres://aviary@db.internal:5432/gateway" });
 * await store.migrate();
 * const decision = await store.admit(keyId, 1_000, 10n ** 12n);
 * ```
 */
export class PostgresGatewayStore implements GatewayStore {
  readonly #pool: pg.Pool;
  readonly #reservationTtlMs: number;
  readonly #url: string;
  #closed = false;

  constructor(options: PostgresGatewayStoreOptions) {
    this.#reservationTtlMs = options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
    if (!Number.isInteger(this.#reservationTtlMs) || this.#reservationTtlMs < RATE_LIMIT_WINDOW_MS) {
      throw new GatewayStoreConfigError({
        reason: `reservationTtlMs must be an integer ≥ ${RATE_LIMIT_WINDOW_MS}, got ${this.#reservationTtlMs}`,
      });
    }
    this.#url = redactUrl(options.url);
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    });
    // An idle connection that breaks (server restart) must not crash the process: the pool drops it, and the
    // next operation connects again or fails with a retryable GatewayStoreError.
    this.#pool.on("error", () => {});
  }

  async migrate(): Promise<void> {
    await this.#transaction("migrate", async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATE_LOCK]);
      await client.query(SCHEMA);
    });
  }

  async createKey(input: Parameters<GatewayStore["createKey"]>[0]): Promise<CreatedApiKey> {
    const { name, budgetWei, requestsPerMinute, tokensPerMinute } = parseInput(
      "createKey",
      createKeyInputSchema,
      input,
    );
    for (let attempt = 0; ; attempt++) {
      const { key, prefix, hash } = generateApiKey();
      const record: ApiKeyRecord = {
        id: randomUUID(),
        name,
        prefix,
        createdAt: Date.now(),
        revokedAt: null,
        budgetWei,
        spentWei: 0n,
        requestsPerMinute,
        tokensPerMinute,
      };
      try {
        await this.#query(
          "createKey",
          `INSERT INTO gateway_api_keys (id, name, prefix, key_hash, created_at, revoked_at, budget_wei, spent_wei,
             requests_per_minute, tokens_per_minute) VALUES ($1, $2, $3, $4, $5, NULL, $6, 0, $7, $8)`,
          [
            record.id,
            name,
            prefix,
            hash,
            record.createdAt,
            budgetWei?.toString() ?? null,
            requestsPerMinute,
            tokensPerMinute,
          ],
        );
        return { key, record };
      } catch (error) {
        // Another key already shows this prefix (1 in 16 million per pair): draw again.
        if (sqlState(error instanceof BaseError ? error.cause : error) === "23505" && attempt < 8) continue;
        throw error;
      }
    }
  }

  async revokeKey(idOrPrefix: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#query<KeyRow>(
      "revokeKey",
      `UPDATE gateway_api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 OR prefix = $2
       RETURNING ${KEY_COLUMNS}`,
      [Date.now(), String(idOrPrefix)],
    );
    return rows[0] && toKeyRecord(rows[0]);
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.#query<KeyRow>(
      "listKeys",
      `SELECT ${KEY_COLUMNS} FROM gateway_api_keys ORDER BY created_at, seq`,
    );
    return rows.map(toKeyRecord);
  }

  async authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    if (this.#closed) throw new GatewayStoreClosedError({ operation: "authenticate" });
    if (typeof key !== "string" || !isApiKeyFormat(key)) return undefined;
    const { rows } = await this.#query<KeyRow>(
      "authenticate",
      `SELECT ${KEY_COLUMNS} FROM gateway_api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashApiKey(key)],
    );
    return rows[0] && toKeyRecord(rows[0]);
  }

  async admit(
    keyId: string,
    estimatedTokens: number,
    estimatedCostWei: bigint,
    now: number = Date.now(),
  ): Promise<RateLimitDecision> {
    const input = parseInput("admit", admitInputSchema, { keyId, estimatedTokens, estimatedCostWei, now });
    return this.#transaction("admit", async (client) => {
      const key = await this.#lockKey(client, "admit", input.keyId);
      if (key.revokedAt !== null) {
        throw new ApiKeyRevokedError({ operation: "admit", keyId: key.id, revokedAt: key.revokedAt });
      }
      const { rows } = await client.query<WindowRow>(
        "SELECT window_start, requests, tokens, reserved_wei FROM gateway_rate_windows WHERE key_id = $1",
        [key.id],
      );
      const windows = rows.map(toRateWindow);
      const { decision, window, staleAtOrBefore } = decideAdmission({
        key,
        windows,
        estimatedTokens: input.estimatedTokens,
        estimatedCostWei: input.estimatedCostWei,
        now: input.now,
        reservationTtlMs: this.#reservationTtlMs,
      });
      if (windows.some((stored) => stored.windowStart <= staleAtOrBefore)) {
        await client.query("DELETE FROM gateway_rate_windows WHERE key_id = $1 AND window_start <= $2", [
          key.id,
          staleAtOrBefore,
        ]);
      }
      if (window) await writeWindow(client, key.id, window);
      return decision;
    });
  }

  async recordUsage(usage: UsageRecord, reserved: Reservation): Promise<void> {
    const record = parseInput("recordUsage", usageRecordSchema, usage);
    const reservation = parseInput("recordUsage", reservationSchema, reserved);
    await this.#transaction("recordUsage", async (client) => {
      const key = await this.#lockKey(client, "recordUsage", record.keyId);
      const inserted = await client.query(
        `INSERT INTO gateway_usage (${USAGE_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (id) DO NOTHING`,
        [
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
          record.costWei.toString(),
          record.relayKey,
          record.session?.toString() ?? null,
          record.latencyMs,
          record.timeToFirstTokenMs,
          record.attempts,
        ],
      );
      if (inserted.rowCount === 0) return; // Already settled: a retry.
      const { rows } = await client.query<WindowRow>(
        `SELECT window_start, requests, tokens, reserved_wei FROM gateway_rate_windows
         WHERE key_id = $1 AND window_start = $2`,
        [key.id, reservation.windowStart],
      );
      const stored = rows[0] && toRateWindow(rows[0]);
      const settled = settleReservation({
        window: stored,
        spentWei: key.spentWei,
        reserved: reservation,
        actualTokens: record.inputTokens + record.outputTokens,
        actualCostWei: record.costWei,
      });
      await writeWindow(client, key.id, {
        windowStart: reservation.windowStart,
        requests: stored?.requests ?? 0,
        ...settled.window,
      });
      await client.query("UPDATE gateway_api_keys SET spent_wei = $1 WHERE id = $2", [
        settled.spentWei.toString(),
        key.id,
      ]);
    });
  }

  async usage(filter: UsageFilter): Promise<UsageRecord[]> {
    const { keyId, since, limit } = parseInput("usage", usageFilterSchema, filter);
    const conditions: string[] = [];
    const parameters: (string | number)[] = [];
    if (keyId !== undefined) {
      parameters.push(keyId);
      conditions.push(`key_id = $${parameters.length}`);
    }
    if (since !== undefined) {
      parameters.push(since);
      conditions.push(`created_at >= $${parameters.length}`);
    }
    parameters.push(limit);
    const where = conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
    const { rows } = await this.#query<UsageRow>(
      "usage",
      `SELECT ${USAGE_COLUMNS} FROM gateway_usage ${where} ORDER BY created_at DESC, seq DESC LIMIT $${parameters.length}`,
      parameters,
    );
    return rows.map(toUsageRecord);
  }

  async putReceipt(receipt: ReceiptRecord): Promise<{ conflict?: ReceiptRecord }> {
    const record = parseInput("putReceipt", receiptRecordSchema, receipt);
    const inserted = await this.#query(
      "putReceipt",
      `INSERT INTO gateway_receipts (${RECEIPT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (relay_key) DO NOTHING`,
      [
        record.relayKey,
        record.session.toString(),
        record.supplier,
        record.application,
        record.model,
        record.request,
        record.requestSignature,
        record.receipt,
        record.receiptSignature,
        record.createdAt,
      ],
    );
    if (inserted.rowCount === 1) return {};
    const { rows } = await this.#query<ReceiptRow>(
      "putReceipt",
      `SELECT ${RECEIPT_COLUMNS} FROM gateway_receipts WHERE relay_key = $1`,
      [record.relayKey],
    );
    // Receipts are never updated, so the row that refused the insert is still there (unless pruned since).
    if (!rows[0]) return {};
    const stored = toReceiptRecord(rows[0]);
    return sameReceipt(stored, record) ? {} : { conflict: stored };
  }

  async receiptsFor(filter: ReceiptFilter): Promise<ReceiptRecord[]> {
    const { session, supplier, application, model } = parseInput("receiptsFor", receiptFilterSchema, filter);
    const conditions: string[] = [];
    const parameters: string[] = [];
    for (const [column, value] of [
      ["session", session?.toString()],
      ["supplier", supplier],
      ["application", application],
      ["model", model],
    ] as const) {
      if (value === undefined) continue;
      parameters.push(value);
      conditions.push(`${column} = $${parameters.length}`);
    }
    const where = conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
    const { rows } = await this.#query<ReceiptRow>(
      "receiptsFor",
      `SELECT ${RECEIPT_COLUMNS} FROM gateway_receipts ${where} ORDER BY session, created_at, relay_key`,
      parameters,
    );
    return rows.map(toReceiptRecord);
  }

  async pruneReceipts(beforeSession: bigint): Promise<number> {
    const before = parseInput("pruneReceipts", uint256Schema, beforeSession);
    const result = await this.#query("pruneReceipts", "DELETE FROM gateway_receipts WHERE session < $1", [
      before.toString(),
    ]);
    return result.rowCount ?? 0;
  }

  async putEvidence(record: EvidenceRecord): Promise<void> {
    const evidence = parseInput("putEvidence", evidenceRecordSchema, record);
    await this.#query(
      "putEvidence",
      `INSERT INTO gateway_evidence (${EVIDENCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO NOTHING`,
      [
        evidence.id,
        evidence.supplier,
        evidence.model,
        evidence.kind,
        evidence.check,
        evidence.detail,
        evidence.values,
        evidence.relayKey,
        evidence.createdAt,
        evidence.request,
        evidence.receipt,
      ],
    );
  }

  async evidence(filter: EvidenceFilter): Promise<EvidenceRecord[]> {
    const { where, parameters } = integrityQuery(parseInput("evidence", evidenceFilterSchema, filter));
    const { rows } = await this.#query<EvidenceRow>(
      "evidence",
      `SELECT ${EVIDENCE_COLUMNS} FROM gateway_evidence ${where} ORDER BY created_at DESC, seq DESC LIMIT $${parameters.length}`,
      parameters,
    );
    return rows.map(toEvidenceRecord);
  }

  async putAudit(record: AuditRecord): Promise<void> {
    const audit = parseInput("putAudit", auditRecordSchema, record);
    await this.#query(
      "putAudit",
      `INSERT INTO gateway_audits (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO NOTHING`,
      [
        audit.id,
        audit.supplier,
        audit.model,
        audit.kind,
        audit.relayKey,
        audit.passed,
        audit.check,
        audit.temperature,
        audit.createdAt,
        audit.metrics,
      ],
    );
  }

  async audits(filter: AuditFilter): Promise<AuditRecord[]> {
    const { where, parameters } = integrityQuery(parseInput("audits", auditFilterSchema, filter));
    const { rows } = await this.#query<AuditRow>(
      "audits",
      `SELECT ${AUDIT_COLUMNS} FROM gateway_audits ${where} ORDER BY created_at DESC, seq DESC LIMIT $${parameters.length}`,
      parameters,
    );
    return rows.map(toAuditRecord);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #lockKey(client: pg.PoolClient, operation: string, keyId: string): Promise<ApiKeyRecord> {
    const { rows } = await client.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM gateway_api_keys WHERE id = $1 FOR UPDATE`,
      [keyId],
    );
    if (!rows[0]) throw new ApiKeyNotFoundError({ operation, keyId });
    return toKeyRecord(rows[0]);
  }

  async #query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    operation: string,
    sql: string,
    parameters: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> {
    if (this.#closed) throw new GatewayStoreClosedError({ operation });
    try {
      return await this.#pool.query<Row>(sql, parameters);
    } catch (error) {
      throw this.#wrap(operation, error);
    }
  }

  /** Runs `run` in BEGIN … COMMIT on one pooled connection; rolls back on any error. */
  async #transaction<T>(operation: string, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw new GatewayStoreClosedError({ operation });
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#wrap(operation, error);
    }
    let broken: Error | undefined;
    // A checked-out pg client emits "error" when its connection dies (server restart, failover, terminated
    // backend); unheard, that event would crash the process. The failing query rejects as well.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const result = await run(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      if (!broken) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackError) {
          // The connection is unusable: destroy it rather than return it to the pool.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
      }
      throw this.#wrap(operation, error);
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  #wrap(operation: string, error: unknown): BaseError {
    if (error instanceof BaseError) return error;
    const code = sqlState(error);
    return new GatewayStoreError({
      operation,
      cause: error,
      isRetryable: isRetryablePostgresError(error),
      metaMessages: [...(code ? [`PostgreSQL: ${code}`] : []), `Database: ${this.#url}`],
    });
  }
}

function toRateWindow(row: WindowRow): RateWindow {
  return {
    windowStart: Number(row.window_start),
    requests: row.requests,
    tokens: Number(row.tokens),
    reservedWei: BigInt(row.reserved_wei),
  };
}

async function writeWindow(client: pg.PoolClient, keyId: string, window: RateWindow): Promise<void> {
  await client.query(
    `INSERT INTO gateway_rate_windows (key_id, window_start, requests, tokens, reserved_wei) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (key_id, window_start) DO UPDATE SET
       requests = excluded.requests, tokens = excluded.tokens, reserved_wei = excluded.reserved_wei`,
    [keyId, window.windowStart, window.requests, window.tokens, window.reservedWei.toString()],
  );
}

/** The URL without its password, for error messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
