import { createPostgresDriver } from "./drivers/postgresDriver.ts";
import type { DEFAULT_RESERVATION_TTL_MS } from "./GatewayStore.ts";
import { SqlGatewayStore } from "./SqlGatewayStore.ts";
import type { WriteBatchOptions } from "./WriteBatch.ts";

export { isRetryablePostgresError } from "./drivers/postgresDriver.ts";

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
  /** Group commit of usage and receipts; see {@link WriteBatchOptions}. */
  writeBatch?: WriteBatchOptions;
};

/**
 * The {@link SqlGatewayStore} in PostgreSQL, shared by any number of gateway replicas. `admit` and each write
 * batch lock the rows of their keys first (`SELECT … FOR UPDATE`; a batch in key order, so batches cannot
 * deadlock): every replica's admissions and settlements for one key are serialized by the database, and each
 * reads the windows only after taking the lock (READ COMMITTED takes a fresh snapshot per statement), so it
 * sees every committed reservation. Different keys never wait for each other. Wei amounts and sessions are
 * NUMERIC(78,0). Nothing connects until the first operation.
 *
 * @example
 * ```ts
 * const store = new PostgresGatewayStore({ url: "postgres://aviary@db.internal:5432/gateway" });
 * await store.migrate();
 * const decision = await store.admit(keyId, 1_000, 10n ** 12n);
 * ```
 */
export class PostgresGatewayStore extends SqlGatewayStore {
  constructor(options: PostgresGatewayStoreOptions) {
    SqlGatewayStore.checkReservationTtl(options.reservationTtlMs);
    super({
      driver: createPostgresDriver({
        url: options.url,
        ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
        ...(options.connectionTimeoutMs === undefined
          ? {}
          : { connectionTimeoutMs: options.connectionTimeoutMs }),
      }),
      ...(options.reservationTtlMs === undefined ? {} : { reservationTtlMs: options.reservationTtlMs }),
      ...(options.writeBatch === undefined ? {} : { writeBatch: options.writeBatch }),
    });
  }
}
