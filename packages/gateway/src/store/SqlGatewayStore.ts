import type { SqlDriver, SqlExecutor } from "./drivers/SqlDriver.ts";
import { GatewayStoreClosedError, GatewayStoreConfigError, toGatewayStoreError } from "./errors.ts";
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
  type RaiseReservationDecision,
  type RateLimitDecision,
  type ReceiptFilter,
  type ReceiptRecord,
  type Reservation,
  type ReservationExpiryFilter,
  type ReservationExpiryRecord,
  type ReservationExpirySummary,
  type UsageFilter,
  type UsageRecord,
} from "./GatewayStore.ts";
import { SqlApiKeyStore } from "./sql/SqlApiKeyStore.ts";
import { SqlIntegrityStore } from "./sql/SqlIntegrityStore.ts";
import { SqlReceiptStore } from "./sql/SqlReceiptStore.ts";
import type { SqlStoreContext } from "./sql/SqlStoreContext.ts";
import { addedColumns, schemaSql } from "./sql/schema.ts";
import { WriteBatch, type WriteBatchOptions } from "./WriteBatch.ts";

/** Options of {@link SqlGatewayStore}. */
export type SqlGatewayStoreOptions = {
  driver: SqlDriver;
  /** See {@link DEFAULT_RESERVATION_TTL_MS}. At least one window (60 000). */
  reservationTtlMs?: number;
  /** Group commit of usage and receipts; see {@link WriteBatchOptions}. */
  writeBatch?: WriteBatchOptions;
};

/**
 * The {@link GatewayStore}: its SQL written once ({@link SqlApiKeyStore}, {@link SqlReceiptStore},
 * {@link SqlIntegrityStore}) over a {@link SqlDriver} (SQLite or PostgreSQL), with one {@link WriteBatch} that
 * commits usage and receipts together.
 *
 * @throws GatewayStoreConfigError for a `reservationTtlMs` below one window.
 * @example
 * ```ts
 * const store = new SqlGatewayStore({ driver: createSqliteDriver({ path: "gateway.db" }) });
 * await store.migrate();
 * ```
 */
export class SqlGatewayStore implements GatewayStore {
  readonly #driver: SqlDriver;
  readonly #batch: WriteBatch;
  readonly #keys: SqlApiKeyStore;
  readonly #receipts: SqlReceiptStore;
  readonly #integrity: SqlIntegrityStore;
  #closed = false;

  /**
   * Throws GatewayStoreConfigError unless `reservationTtlMs` is undefined or an integer of at least one window.
   *
   * @example
   * ```ts
   * SqlGatewayStore.checkReservationTtl(60_000);
   * ```
   */
  static checkReservationTtl(reservationTtlMs: number | undefined): void {
    if (reservationTtlMs === undefined) return;
    if (!Number.isInteger(reservationTtlMs) || reservationTtlMs < RATE_LIMIT_WINDOW_MS) {
      throw new GatewayStoreConfigError({
        reason: `reservationTtlMs must be an integer ≥ ${RATE_LIMIT_WINDOW_MS}, got ${reservationTtlMs}`,
      });
    }
  }

  constructor({
    driver,
    reservationTtlMs = DEFAULT_RESERVATION_TTL_MS,
    writeBatch = {},
  }: SqlGatewayStoreOptions) {
    SqlGatewayStore.checkReservationTtl(reservationTtlMs);
    this.#driver = driver;
    const wrap = (operation: string, error: unknown) =>
      toGatewayStoreError(operation, error, driver.describeError(error));
    const guard = async <T>(operation: string, body: () => Promise<T>): Promise<T> => {
      if (this.#closed) throw new GatewayStoreClosedError({ operation });
      try {
        return await body();
      } catch (error) {
        throw wrap(operation, error);
      }
    };
    this.#batch = new WriteBatch({
      ...writeBatch,
      // Not guarded: `close()` commits what was queued before it.
      transaction: async (operation, body) => {
        try {
          return await driver.transaction(body);
        } catch (error) {
          throw wrap(operation, error);
        }
      },
      lockKeys: async (executor: SqlExecutor, keyIds) => {
        if (!driver.dialect.forUpdate) return;
        for (const keyId of keyIds) {
          await executor.query(`SELECT id FROM gateway_api_keys WHERE id = ?${driver.dialect.forUpdate}`, [
            keyId,
          ]);
        }
      },
    });
    const context: SqlStoreContext = {
      driver,
      batch: this.#batch,
      reservationTtlMs,
      guard,
      transaction: (operation, body) => guard(operation, () => driver.transaction(body)),
    };
    this.#keys = new SqlApiKeyStore(context);
    this.#receipts = new SqlReceiptStore(context);
    this.#integrity = new SqlIntegrityStore(context);
  }

  async migrate(): Promise<void> {
    if (this.#closed) throw new GatewayStoreClosedError({ operation: "migrate" });
    const { dialect } = this.#driver;
    try {
      await this.#driver.transaction(async (executor) => {
        if (dialect.migrationLock) await executor.query(dialect.migrationLock);
        await executor.exec(schemaSql(dialect));
        for (const [table, column, definition] of addedColumns(dialect)) {
          const columns = await executor.query<{ name: string }>(dialect.columnsOf, [table]);
          if (columns.some((existing) => existing.name === column)) continue;
          await executor.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
        }
      });
    } catch (error) {
      throw toGatewayStoreError("migrate", error, this.#driver.describeError(error));
    }
    // A restart after a crash: charge what the crash left unsettled (see `reservationExpiries`).
    await this.#keys.expireReservations();
  }

  async flush(): Promise<void> {
    await this.#batch.flush();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#batch.flush();
    await this.#driver.close();
  }

  // ApiKeyStore
  createKey(input: Parameters<GatewayStore["createKey"]>[0]): Promise<CreatedApiKey> {
    return this.#keys.createKey(input);
  }
  revokeKey(idOrPrefix: string): Promise<ApiKeyRecord | undefined> {
    return this.#keys.revokeKey(idOrPrefix);
  }
  listKeys(): Promise<ApiKeyRecord[]> {
    return this.#keys.listKeys();
  }
  authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    return this.#keys.authenticate(key);
  }
  admit(
    keyId: string,
    estimatedTokens: number,
    estimatedCostWei: bigint,
    now?: number,
  ): Promise<RateLimitDecision> {
    return this.#keys.admit(keyId, estimatedTokens, estimatedCostWei, now);
  }
  raiseReservation(
    keyId: string,
    reservation: Reservation,
    costWei: bigint,
    now?: number,
  ): Promise<RaiseReservationDecision> {
    return this.#keys.raiseReservation(keyId, reservation, costWei, now);
  }
  recordUsage(usage: UsageRecord, reserved: Reservation): Promise<void> {
    return this.#keys.recordUsage(usage, reserved);
  }
  usage(filter: UsageFilter): Promise<UsageRecord[]> {
    return this.#keys.usage(filter);
  }
  expireReservations(now?: number): Promise<ReservationExpirySummary> {
    return this.#keys.expireReservations(now);
  }
  reservationExpiries(filter: ReservationExpiryFilter): Promise<ReservationExpiryRecord[]> {
    return this.#keys.reservationExpiries(filter);
  }

  // ReceiptStore
  putReceipt(receipt: ReceiptRecord): Promise<{ conflict?: ReceiptRecord }> {
    return this.#receipts.putReceipt(receipt);
  }
  receiptsFor(filter: ReceiptFilter): Promise<ReceiptRecord[]> {
    return this.#receipts.receiptsFor(filter);
  }
  pruneReceipts(beforeSession: bigint): Promise<number> {
    return this.#receipts.pruneReceipts(beforeSession);
  }

  // IntegrityStore
  putEvidence(record: EvidenceRecord): Promise<void> {
    return this.#integrity.putEvidence(record);
  }
  evidence(filter: EvidenceFilter): Promise<EvidenceRecord[]> {
    return this.#integrity.evidence(filter);
  }
  putAudit(record: AuditRecord): Promise<void> {
    return this.#integrity.putAudit(record);
  }
  audits(filter: AuditFilter): Promise<AuditRecord[]> {
    return this.#integrity.audits(filter);
  }
}
