import { createSqliteDriver } from "./drivers/sqliteDriver.ts";
import type { DEFAULT_RESERVATION_TTL_MS } from "./GatewayStore.ts";
import { SqlGatewayStore } from "./SqlGatewayStore.ts";
import type { WriteBatchOptions } from "./WriteBatch.ts";

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
  /** Group commit of usage and receipts; see {@link WriteBatchOptions}. */
  writeBatch?: WriteBatchOptions;
};

/**
 * The {@link SqlGatewayStore} in one SQLite file (better-sqlite3, WAL), shareable by several gateway processes
 * on one machine: `admit` and each write batch run as `BEGIN IMMEDIATE` transactions, which take SQLite's
 * single write lock before reading, so no two replicas can both read a counter and both pass it. Wei amounts
 * are decimal TEXT (exact up to 2^256) and their arithmetic happens in JavaScript inside the transaction.
 *
 * @throws GatewayStoreConfigError when the file cannot be opened or `reservationTtlMs` is below one window.
 * @example
 * ```ts
 * const store = new SqliteGatewayStore({ path: "/var/lib/aviary/gateway.db" });
 * await store.migrate();
 * const { key } = await store.createKey({ name: "ci", requestsPerMinute: 60 });
 * ```
 */
export class SqliteGatewayStore extends SqlGatewayStore {
  readonly path: string;

  constructor(options: SqliteGatewayStoreOptions = {}) {
    const path = options.path ?? ":memory:";
    // Checked before the file is opened, so a bad option leaves no connection behind.
    SqlGatewayStore.checkReservationTtl(options.reservationTtlMs);
    super({
      driver: createSqliteDriver({
        path,
        ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
        ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
      }),
      ...(options.reservationTtlMs === undefined ? {} : { reservationTtlMs: options.reservationTtlMs }),
      ...(options.writeBatch === undefined ? {} : { writeBatch: options.writeBatch }),
    });
    this.path = path;
  }
}
