import type { SqlDriver, SqlExecutor } from "../drivers/SqlDriver.ts";
import { ApiKeyNotFoundError } from "../errors.ts";
import type { ApiKeyRecord } from "../GatewayStore.ts";
import type { WriteBatch } from "../WriteBatch.ts";
import { KEY_COLUMNS, type KeyRow, toKeyRecord } from "./rows.ts";

/** What the store's concerns share: the driver, the write batch, and the guard that names errors. */
export type SqlStoreContext = {
  driver: SqlDriver;
  batch: WriteBatch;
  reservationTtlMs: number;
  /**
   * Runs `body` unless the store is closed (then throws GatewayStoreClosedError); a driver error becomes a
   * GatewayStoreError naming `operation`.
   */
  guard<T>(operation: string, body: () => Promise<T>): Promise<T>;
  /** {@link SqlStoreContext.guard} around one driver transaction. */
  transaction<T>(operation: string, body: (executor: SqlExecutor) => Promise<T>): Promise<T>;
};

/**
 * Reads one key's row inside a transaction, locking it until commit where the database locks rows
 * (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the whole database).
 *
 * @throws ApiKeyNotFoundError when no key has `keyId`.
 * @example
 * ```ts
 * const key = await lockKey(executor, context.driver.dialect.forUpdate, "admit", keyId);
 * ```
 */
export async function lockKey(
  executor: SqlExecutor,
  forUpdate: string,
  operation: string,
  keyId: string,
): Promise<ApiKeyRecord> {
  const [row] = await executor.query<KeyRow>(
    `SELECT ${KEY_COLUMNS} FROM gateway_api_keys WHERE id = ?${forUpdate}`,
    [keyId],
  );
  if (!row) throw new ApiKeyNotFoundError({ operation, keyId });
  return toKeyRecord(row);
}
