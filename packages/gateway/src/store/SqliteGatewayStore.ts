import { randomUUID } from "node:crypto";
import { BaseError } from "@aviary/protocol";
import Database from "better-sqlite3";
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

/** Options of {@link SqliteGatewayStore}. */
export type SqliteGatewayStoreOptions = {
  /** Database file (created if missing; its directory must exist), or `":memory:"` (the default). */
  path?: string;
  /** How long a write waits for another connection's transaction before failing (retryably). Default 5000. */
  busyTimeoutMs?: number;
  /**
   * `"normal"` (default): a committed transaction survives a crash of the process (`kill -9`); the last ones
   * may be lost on power failure. `"full"`: also survives power failure, at one fsync per transaction.
   */
  synchronous?: "normal" | "full";
  /** See {@link DEFAULT_RESERVATION_TTL_MS}. At least one window (60 000). */
  reservationTtlMs?: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gateway_api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL UNIQUE,
  key_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  budget_wei TEXT,
  spent_wei TEXT NOT NULL,
  requests_per_minute INTEGER,
  tokens_per_minute INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS gateway_rate_windows (
  key_id TEXT NOT NULL REFERENCES gateway_api_keys (id),
  window_start INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  reserved_wei TEXT NOT NULL,
  PRIMARY KEY (key_id, window_start)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS gateway_usage (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  key_id TEXT NOT NULL REFERENCES gateway_api_keys (id),
  created_at INTEGER NOT NULL,
  model TEXT NOT NULL,
  supplier TEXT,
  application TEXT,
  route TEXT NOT NULL,
  stream INTEGER NOT NULL,
  status TEXT NOT NULL,
  error_code TEXT,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_wei TEXT NOT NULL,
  relay_key TEXT,
  session TEXT,
  latency_ms REAL NOT NULL,
  time_to_first_token_ms REAL,
  attempts INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS gateway_usage_by_key ON gateway_usage (key_id, created_at);
CREATE INDEX IF NOT EXISTS gateway_usage_by_time ON gateway_usage (created_at);
CREATE TABLE IF NOT EXISTS gateway_receipts (
  relay_key TEXT PRIMARY KEY,
  session TEXT NOT NULL,
  supplier TEXT NOT NULL,
  application TEXT NOT NULL,
  model TEXT NOT NULL,
  request TEXT NOT NULL,
  request_signature TEXT NOT NULL,
  receipt TEXT NOT NULL,
  receipt_signature TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS gateway_receipts_by_session ON gateway_receipts (session);
CREATE INDEX IF NOT EXISTS gateway_receipts_by_supplier ON gateway_receipts (supplier, session);
CREATE TABLE IF NOT EXISTS gateway_evidence (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  supplier TEXT NOT NULL,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  check_name TEXT NOT NULL,
  detail TEXT NOT NULL,
  check_values TEXT NOT NULL,
  relay_key TEXT,
  created_at INTEGER NOT NULL,
  request TEXT,
  receipt TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS gateway_evidence_by_time ON gateway_evidence (created_at);
CREATE INDEX IF NOT EXISTS gateway_evidence_by_supplier ON gateway_evidence (supplier, created_at);
CREATE TABLE IF NOT EXISTS gateway_audits (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  supplier TEXT NOT NULL,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  relay_key TEXT,
  passed INTEGER NOT NULL,
  check_name TEXT,
  temperature REAL NOT NULL,
  created_at INTEGER NOT NULL,
  metrics TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS gateway_audits_by_time ON gateway_audits (created_at);
CREATE INDEX IF NOT EXISTS gateway_audits_by_supplier ON gateway_audits (supplier, created_at);
`;

type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  budget_wei: string | null;
  spent_wei: string;
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
};
type WindowRow = { window_start: number; requests: number; tokens: number; reserved_wei: string };
type UsageRow = {
  id: string;
  key_id: string;
  created_at: number;
  model: string;
  supplier: string | null;
  application: string | null;
  route: string;
  stream: number;
  status: "ok" | "error";
  error_code: string | null;
  input_tokens: number;
  output_tokens: number;
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
  created_at: number;
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
  created_at: number;
  request: string | null;
  receipt: string | null;
};
type AuditRow = {
  id: string;
  supplier: string;
  model: string;
  kind: AuditRecord["kind"];
  relay_key: string | null;
  passed: number;
  check_name: string | null;
  temperature: number;
  created_at: number;
  metrics: string;
};

const KEY_COLUMNS =
  "id, name, prefix, created_at, revoked_at, budget_wei, spent_wei, requests_per_minute, tokens_per_minute";
/** Sessions are zero-padded to 78 digits (any uint256) so that text order is numeric order. */
const SESSION_DIGITS = 78;

function encodeSession(session: bigint): string {
  return session.toString().padStart(SESSION_DIGITS, "0");
}

function toKeyRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    budgetWei: row.budget_wei === null ? null : BigInt(row.budget_wei),
    spentWei: BigInt(row.spent_wei),
    requestsPerMinute: row.requests_per_minute,
    tokensPerMinute: row.tokens_per_minute,
  };
}

function toUsageRecord(row: UsageRow): UsageRecord {
  return {
    id: row.id,
    keyId: row.key_id,
    createdAt: row.created_at,
    model: row.model,
    supplier: row.supplier,
    application: row.application,
    route: row.route,
    stream: row.stream === 1,
    status: row.status,
    errorCode: row.error_code,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
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
    createdAt: row.created_at,
  };
}

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
    createdAt: row.created_at,
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
    passed: row.passed === 1,
    check: row.check_name,
    temperature: row.temperature,
    createdAt: row.created_at,
    metrics: row.metrics,
  };
}

/** WHERE clause and parameters of an evidence or audit filter. */
function integrityWhere(filter: { supplier?: string; model?: string; since?: number }): {
  where: string;
  parameters: (string | number)[];
} {
  const conditions: string[] = [];
  const parameters: (string | number)[] = [];
  if (filter.supplier !== undefined) {
    conditions.push("supplier = ?");
    parameters.push(filter.supplier);
  }
  if (filter.model !== undefined) {
    conditions.push("model = ?");
    parameters.push(filter.model);
  }
  if (filter.since !== undefined) {
    conditions.push("created_at >= ?");
    parameters.push(filter.since);
  }
  return { where: conditions.length ? `WHERE ${conditions.join(" AND ")}` : "", parameters };
}

function sqliteCode(error: unknown): string | undefined {
  return error instanceof Database.SqliteError ? error.code : undefined;
}

/**
 * A {@link GatewayStore} in one SQLite file (better-sqlite3, WAL), shareable by several gateway processes on
 * one machine: `admit` and `recordUsage` run as `BEGIN IMMEDIATE` transactions, which take SQLite's single
 * write lock before reading, so no two replicas can both read a counter and both pass it. Wei amounts are
 * decimal TEXT (exact up to 2^256) and their arithmetic happens in JavaScript inside the transaction.
 *
 * better-sqlite3 is synchronous: each operation runs to completion without yielding, and waiting for
 * another process's lock (up to `busyTimeoutMs`) blocks this process's event loop. Transactions are a few
 * statements, so waits are short.
 *
 * @example
 * ```ts
 * const store = new SqliteGatewayStore({ path: "/var/lib/aviary/gateway.db" });
 * await store.migrate();
 * const { key } = await store.createKey({ name: "ci", requestsPerMinute: 60 });
 * ```
 */
export class SqliteGatewayStore implements GatewayStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #reservationTtlMs: number;
  readonly #statements = new Map<string, Database.Statement>();
  #closed = false;

  constructor(options: SqliteGatewayStoreOptions = {}) {
    this.path = options.path ?? ":memory:";
    this.#reservationTtlMs = options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
    if (!Number.isInteger(this.#reservationTtlMs) || this.#reservationTtlMs < RATE_LIMIT_WINDOW_MS) {
      throw new GatewayStoreConfigError({
        reason: `reservationTtlMs must be an integer ≥ ${RATE_LIMIT_WINDOW_MS}, got ${this.#reservationTtlMs}`,
      });
    }
    try {
      this.#db = new Database(this.path);
    } catch (error) {
      throw new GatewayStoreConfigError({
        reason: `cannot open SQLite database ${this.path}`,
        hint: "The file's directory must exist and be writable.",
        cause: error,
      });
    }
    try {
      this.#db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
      this.#db.pragma("foreign_keys = ON");
    } catch (error) {
      this.#db.close();
      throw this.#wrap("open", error);
    }
  }

  async migrate(): Promise<void> {
    this.#guard("migrate", () => {
      this.#db.transaction(() => this.#db.exec(SCHEMA)).immediate();
    });
  }

  async createKey(input: Parameters<GatewayStore["createKey"]>[0]): Promise<CreatedApiKey> {
    const { name, budgetWei, requestsPerMinute, tokensPerMinute } = parseInput(
      "createKey",
      createKeyInputSchema,
      input,
    );
    return this.#guard("createKey", () => {
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
          this.#statement(
            `INSERT INTO gateway_api_keys (id, name, prefix, key_hash, created_at, revoked_at, budget_wei, spent_wei,
               requests_per_minute, tokens_per_minute) VALUES (?, ?, ?, ?, ?, NULL, ?, '0', ?, ?)`,
          ).run(
            record.id,
            name,
            prefix,
            hash,
            record.createdAt,
            budgetWei === null ? null : budgetWei.toString(),
            requestsPerMinute,
            tokensPerMinute,
          );
          return { key, record };
        } catch (error) {
          // Another key already shows this prefix (1 in 16 million per pair): draw again.
          if (sqliteCode(error) === "SQLITE_CONSTRAINT_UNIQUE" && attempt < 8) continue;
          throw error;
        }
      }
    });
  }

  async revokeKey(idOrPrefix: string): Promise<ApiKeyRecord | undefined> {
    return this.#guard("revokeKey", () => {
      const row = this.#statement(
        `UPDATE gateway_api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? OR prefix = ?
         RETURNING ${KEY_COLUMNS}`,
      ).get(Date.now(), idOrPrefix, idOrPrefix) as KeyRow | undefined;
      return row && toKeyRecord(row);
    });
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    return this.#guard("listKeys", () =>
      (
        this.#statement(
          `SELECT ${KEY_COLUMNS} FROM gateway_api_keys ORDER BY created_at, rowid`,
        ).all() as KeyRow[]
      ).map(toKeyRecord),
    );
  }

  async authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    return this.#guard("authenticate", () => {
      if (typeof key !== "string" || !isApiKeyFormat(key)) return undefined;
      const row = this.#statement(
        `SELECT ${KEY_COLUMNS} FROM gateway_api_keys WHERE key_hash = ? AND revoked_at IS NULL`,
      ).get(hashApiKey(key)) as KeyRow | undefined;
      return row && toKeyRecord(row);
    });
  }

  async admit(
    keyId: string,
    estimatedTokens: number,
    estimatedCostWei: bigint,
    now: number = Date.now(),
  ): Promise<RateLimitDecision> {
    const input = parseInput("admit", admitInputSchema, { keyId, estimatedTokens, estimatedCostWei, now });
    return this.#guard("admit", () =>
      this.#db
        .transaction(() => {
          const key = this.#key("admit", input.keyId);
          if (key.revokedAt !== null) {
            throw new ApiKeyRevokedError({ operation: "admit", keyId: key.id, revokedAt: key.revokedAt });
          }
          const windows = (
            this.#statement(
              "SELECT window_start, requests, tokens, reserved_wei FROM gateway_rate_windows WHERE key_id = ?",
            ).all(key.id) as WindowRow[]
          ).map(
            (row): RateWindow => ({
              windowStart: row.window_start,
              requests: row.requests,
              tokens: row.tokens,
              reservedWei: BigInt(row.reserved_wei),
            }),
          );
          const { decision, window, staleAtOrBefore } = decideAdmission({
            key,
            windows,
            estimatedTokens: input.estimatedTokens,
            estimatedCostWei: input.estimatedCostWei,
            now: input.now,
            reservationTtlMs: this.#reservationTtlMs,
          });
          if (windows.some((stored) => stored.windowStart <= staleAtOrBefore)) {
            this.#statement("DELETE FROM gateway_rate_windows WHERE key_id = ? AND window_start <= ?").run(
              key.id,
              staleAtOrBefore,
            );
          }
          if (window) this.#writeWindow(key.id, window);
          return decision;
        })
        .immediate(),
    );
  }

  async recordUsage(usage: UsageRecord, reserved: Reservation): Promise<void> {
    const record = parseInput("recordUsage", usageRecordSchema, usage);
    const reservation = parseInput("recordUsage", reservationSchema, reserved);
    this.#guard("recordUsage", () => {
      this.#db
        .transaction(() => {
          const key = this.#key("recordUsage", record.keyId);
          const inserted = this.#statement(
            `INSERT INTO gateway_usage (id, key_id, created_at, model, supplier, application, route, stream, status,
               error_code, input_tokens, output_tokens, cost_wei, relay_key, session, latency_ms,
               time_to_first_token_ms, attempts)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
          ).run(
            record.id,
            record.keyId,
            record.createdAt,
            record.model,
            record.supplier,
            record.application,
            record.route,
            record.stream ? 1 : 0,
            record.status,
            record.errorCode,
            record.inputTokens,
            record.outputTokens,
            record.costWei.toString(),
            record.relayKey,
            record.session === null ? null : record.session.toString(),
            record.latencyMs,
            record.timeToFirstTokenMs,
            record.attempts,
          );
          if (inserted.changes === 0) return; // Already settled: a retry.
          const row = this.#statement(
            "SELECT window_start, requests, tokens, reserved_wei FROM gateway_rate_windows WHERE key_id = ? AND window_start = ?",
          ).get(key.id, reservation.windowStart) as WindowRow | undefined;
          const settled = settleReservation({
            window: row && { tokens: row.tokens, reservedWei: BigInt(row.reserved_wei) },
            spentWei: key.spentWei,
            reserved: reservation,
            actualTokens: record.inputTokens + record.outputTokens,
            actualCostWei: record.costWei,
          });
          this.#writeWindow(key.id, {
            windowStart: reservation.windowStart,
            requests: row?.requests ?? 0,
            ...settled.window,
          });
          this.#statement("UPDATE gateway_api_keys SET spent_wei = ? WHERE id = ?").run(
            settled.spentWei.toString(),
            key.id,
          );
        })
        .immediate();
    });
  }

  async usage(filter: UsageFilter): Promise<UsageRecord[]> {
    const { keyId, since, limit } = parseInput("usage", usageFilterSchema, filter);
    return this.#guard("usage", () => {
      const conditions: string[] = [];
      const parameters: (string | number)[] = [];
      if (keyId !== undefined) {
        conditions.push("key_id = ?");
        parameters.push(keyId);
      }
      if (since !== undefined) {
        conditions.push("created_at >= ?");
        parameters.push(since);
      }
      const where = conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
      const rows = this.#statement(
        `SELECT * FROM gateway_usage ${where} ORDER BY created_at DESC, seq DESC LIMIT ?`,
      ).all(...parameters, limit) as UsageRow[];
      return rows.map(toUsageRecord);
    });
  }

  async putReceipt(receipt: ReceiptRecord): Promise<{ conflict?: ReceiptRecord }> {
    const record = parseInput("putReceipt", receiptRecordSchema, receipt);
    return this.#guard("putReceipt", () => {
      const inserted = this.#statement(
        `INSERT INTO gateway_receipts (relay_key, session, supplier, application, model, request, request_signature,
           receipt, receipt_signature, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (relay_key) DO NOTHING`,
      ).run(
        record.relayKey,
        encodeSession(record.session),
        record.supplier,
        record.application,
        record.model,
        record.request,
        record.requestSignature,
        record.receipt,
        record.receiptSignature,
        record.createdAt,
      );
      if (inserted.changes === 1) return {};
      const row = this.#statement("SELECT * FROM gateway_receipts WHERE relay_key = ?").get(
        record.relayKey,
      ) as ReceiptRow | undefined;
      // A receipt is never updated, so the row that refused the insert is still there (unless pruned since).
      if (!row) return {};
      const stored = toReceiptRecord(row);
      return sameReceipt(stored, record) ? {} : { conflict: stored };
    });
  }

  async receiptsFor(filter: ReceiptFilter): Promise<ReceiptRecord[]> {
    const { session, supplier, application, model } = parseInput("receiptsFor", receiptFilterSchema, filter);
    return this.#guard("receiptsFor", () => {
      const conditions: string[] = [];
      const parameters: string[] = [];
      if (session !== undefined) {
        conditions.push("session = ?");
        parameters.push(encodeSession(session));
      }
      for (const [column, value] of [
        ["supplier", supplier],
        ["application", application],
        ["model", model],
      ] as const) {
        if (value === undefined) continue;
        conditions.push(`${column} = ?`);
        parameters.push(value);
      }
      const where = conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
      const rows = this.#statement(
        `SELECT * FROM gateway_receipts ${where} ORDER BY session, created_at, relay_key`,
      ).all(...parameters) as ReceiptRow[];
      return rows.map(toReceiptRecord);
    });
  }

  async pruneReceipts(beforeSession: bigint): Promise<number> {
    const before = parseInput("pruneReceipts", uint256Schema, beforeSession);
    return this.#guard(
      "pruneReceipts",
      () =>
        this.#statement("DELETE FROM gateway_receipts WHERE session < ?").run(encodeSession(before)).changes,
    );
  }

  async putEvidence(record: EvidenceRecord): Promise<void> {
    const evidence = parseInput("putEvidence", evidenceRecordSchema, record);
    this.#guard("putEvidence", () => {
      this.#statement(
        `INSERT INTO gateway_evidence (id, supplier, model, kind, check_name, detail, check_values, relay_key, created_at,
           request, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ).run(
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
      );
    });
  }

  async evidence(filter: EvidenceFilter): Promise<EvidenceRecord[]> {
    const parsed = parseInput("evidence", evidenceFilterSchema, filter);
    return this.#guard("evidence", () => {
      const { where, parameters } = integrityWhere(parsed);
      const rows = this.#statement(
        `SELECT * FROM gateway_evidence ${where} ORDER BY created_at DESC, seq DESC LIMIT ?`,
      ).all(...parameters, parsed.limit) as EvidenceRow[];
      return rows.map(toEvidenceRecord);
    });
  }

  async putAudit(record: AuditRecord): Promise<void> {
    const audit = parseInput("putAudit", auditRecordSchema, record);
    this.#guard("putAudit", () => {
      this.#statement(
        `INSERT INTO gateway_audits (id, supplier, model, kind, relay_key, passed, check_name, temperature, created_at,
           metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ).run(
        audit.id,
        audit.supplier,
        audit.model,
        audit.kind,
        audit.relayKey,
        audit.passed ? 1 : 0,
        audit.check,
        audit.temperature,
        audit.createdAt,
        audit.metrics,
      );
    });
  }

  async audits(filter: AuditFilter): Promise<AuditRecord[]> {
    const parsed = parseInput("audits", auditFilterSchema, filter);
    return this.#guard("audits", () => {
      const { where, parameters } = integrityWhere(parsed);
      const rows = this.#statement(
        `SELECT * FROM gateway_audits ${where} ORDER BY created_at DESC, seq DESC LIMIT ?`,
      ).all(...parameters, parsed.limit) as AuditRow[];
      return rows.map(toAuditRecord);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#db.close();
  }

  #key(operation: string, keyId: string): ApiKeyRecord {
    const row = this.#statement(`SELECT ${KEY_COLUMNS} FROM gateway_api_keys WHERE id = ?`).get(keyId) as
      | KeyRow
      | undefined;
    if (!row) throw new ApiKeyNotFoundError({ operation, keyId });
    return toKeyRecord(row);
  }

  #writeWindow(keyId: string, window: RateWindow): void {
    this.#statement(
      `INSERT INTO gateway_rate_windows (key_id, window_start, requests, tokens, reserved_wei) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key_id, window_start) DO UPDATE SET
         requests = excluded.requests, tokens = excluded.tokens, reserved_wei = excluded.reserved_wei`,
    ).run(keyId, window.windowStart, window.requests, window.tokens, window.reservedWei.toString());
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #guard<T>(operation: string, run: () => T): T {
    if (this.#closed) throw new GatewayStoreClosedError({ operation });
    try {
      return run();
    } catch (error) {
      throw this.#wrap(operation, error);
    }
  }

  #wrap(operation: string, error: unknown): BaseError {
    if (error instanceof BaseError) return error;
    const code = sqliteCode(error);
    return new GatewayStoreError({
      operation,
      cause: error,
      isRetryable: code !== undefined && /^SQLITE_(BUSY|LOCKED)/.test(code),
      ...(code ? { metaMessages: [`SQLite: ${code}`, `Database: ${this.path}`] } : {}),
    });
  }
}
