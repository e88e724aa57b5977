import type { SqlDialect } from "../drivers/SqlDriver.ts";

/**
 * The store's tables in `dialect`'s column types: `CREATE … IF NOT EXISTS`, so it is also what an older
 * database runs (then {@link addedColumns} brings it up to date).
 *
 * @example
 * ```ts
 * await executor.exec(schemaSql(sqliteDialect));
 * ```
 */
export function schemaSql({ types }: SqlDialect): string {
  const { bigInteger, wei, session, boolean, real, serialPrimaryKey, tableOptions, keyedTableOptions } =
    types;
  return `
CREATE TABLE IF NOT EXISTS gateway_api_keys (
  ${types.keySequence}
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL UNIQUE,
  key_hash TEXT NOT NULL UNIQUE,
  created_at ${bigInteger} NOT NULL,
  revoked_at ${bigInteger},
  budget_wei ${wei},
  spent_wei ${wei} NOT NULL,
  requests_per_minute INTEGER,
  tokens_per_minute ${bigInteger}
)${tableOptions};
CREATE TABLE IF NOT EXISTS gateway_rate_windows (
  key_id TEXT NOT NULL REFERENCES gateway_api_keys (id),
  window_start ${bigInteger} NOT NULL,
  requests INTEGER NOT NULL,
  tokens ${bigInteger} NOT NULL,
  reserved_wei ${wei} NOT NULL,
  reserved_requests INTEGER NOT NULL DEFAULT 0,
  reserved_tokens ${bigInteger} NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, window_start)
)${keyedTableOptions};
CREATE TABLE IF NOT EXISTS gateway_expired_reservations (
  key_id TEXT NOT NULL REFERENCES gateway_api_keys (id),
  window_start ${bigInteger} NOT NULL,
  expired_at ${bigInteger} NOT NULL,
  requests INTEGER NOT NULL,
  tokens ${bigInteger} NOT NULL,
  charged_wei ${wei} NOT NULL,
  settled_requests INTEGER NOT NULL,
  settled_wei ${wei} NOT NULL,
  PRIMARY KEY (key_id, window_start)
)${keyedTableOptions};
CREATE INDEX IF NOT EXISTS gateway_expired_reservations_by_time ON gateway_expired_reservations (expired_at);
CREATE TABLE IF NOT EXISTS gateway_usage (
  ${serialPrimaryKey},
  id TEXT NOT NULL UNIQUE,
  key_id TEXT NOT NULL REFERENCES gateway_api_keys (id),
  created_at ${bigInteger} NOT NULL,
  model TEXT NOT NULL,
  supplier TEXT,
  application TEXT,
  route TEXT NOT NULL,
  stream ${boolean} NOT NULL,
  status TEXT NOT NULL,
  error_code TEXT,
  input_tokens ${bigInteger} NOT NULL,
  output_tokens ${bigInteger} NOT NULL,
  cost_wei ${wei} NOT NULL,
  relay_key TEXT,
  session ${wei},
  latency_ms ${real} NOT NULL,
  time_to_first_token_ms ${real},
  attempts INTEGER NOT NULL
)${tableOptions};
CREATE INDEX IF NOT EXISTS gateway_usage_by_key ON gateway_usage (key_id, created_at);
CREATE INDEX IF NOT EXISTS gateway_usage_by_time ON gateway_usage (created_at);
CREATE TABLE IF NOT EXISTS gateway_receipts (
  relay_key TEXT PRIMARY KEY,
  session ${session} NOT NULL,
  supplier TEXT NOT NULL,
  application TEXT NOT NULL,
  model TEXT NOT NULL,
  request TEXT NOT NULL,
  request_signature TEXT NOT NULL,
  receipt TEXT NOT NULL,
  receipt_signature TEXT NOT NULL,
  created_at ${bigInteger} NOT NULL
)${tableOptions};
CREATE INDEX IF NOT EXISTS gateway_receipts_by_session ON gateway_receipts (session);
CREATE INDEX IF NOT EXISTS gateway_receipts_by_supplier ON gateway_receipts (supplier, session);
CREATE TABLE IF NOT EXISTS gateway_evidence (
  ${serialPrimaryKey},
  id TEXT NOT NULL UNIQUE,
  supplier TEXT NOT NULL,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  check_name TEXT NOT NULL,
  detail TEXT NOT NULL,
  check_values TEXT NOT NULL,
  relay_key TEXT,
  created_at ${bigInteger} NOT NULL,
  request TEXT,
  receipt TEXT
)${tableOptions};
CREATE INDEX IF NOT EXISTS gateway_evidence_by_time ON gateway_evidence (created_at);
CREATE INDEX IF NOT EXISTS gateway_evidence_by_supplier ON gateway_evidence (supplier, created_at);
CREATE TABLE IF NOT EXISTS gateway_audits (
  ${serialPrimaryKey},
  id TEXT NOT NULL UNIQUE,
  supplier TEXT NOT NULL,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  relay_key TEXT,
  passed ${boolean} NOT NULL,
  check_name TEXT,
  temperature ${real} NOT NULL,
  created_at ${bigInteger} NOT NULL,
  metrics TEXT NOT NULL
)${tableOptions};
CREATE INDEX IF NOT EXISTS gateway_audits_by_time ON gateway_audits (created_at);
CREATE INDEX IF NOT EXISTS gateway_audits_by_supplier ON gateway_audits (supplier, created_at);
`;
}

/**
 * Columns added since the first schema, which `CREATE TABLE IF NOT EXISTS` does not add to an existing table:
 * `[table, column, definition]`, the definition in `dialect`'s types.
 *
 * @example
 * ```ts
 * for (const [table, column, definition] of addedColumns(dialect)) …
 * ```
 */
export function addedColumns({ types }: SqlDialect): [table: string, column: string, definition: string][] {
  return [
    ["gateway_rate_windows", "reserved_requests", "INTEGER NOT NULL DEFAULT 0"],
    ["gateway_rate_windows", "reserved_tokens", `${types.bigInteger} NOT NULL DEFAULT 0`],
  ];
}
