import { randomUUID } from "node:crypto";
import { chargeExpiredReservations } from "../chargeExpiredReservations.ts";
import { decideAdmission, type RateWindow } from "../decideAdmission.ts";
import { decideReservationRaise } from "../decideReservationRaise.ts";
import type { SqlExecutor } from "../drivers/SqlDriver.ts";
import { ApiKeyRevokedError } from "../errors.ts";
import type {
  ApiKeyRecord,
  ApiKeyStore,
  CreatedApiKey,
  RaiseReservationDecision,
  RateLimitDecision,
  Reservation,
  ReservationExpiryFilter,
  ReservationExpiryRecord,
  ReservationExpirySummary,
  UsageFilter,
  UsageRecord,
} from "../GatewayStore.ts";
import { generateApiKey, hashApiKey, isApiKeyFormat } from "../generateApiKey.ts";
import {
  admitInputSchema,
  createKeyInputSchema,
  parseInput,
  raiseReservationInputSchema,
  reservationExpiryFilterSchema,
  reservationSchema,
  timeSchema,
  usageFilterSchema,
  usageRecordSchema,
} from "../schemas.ts";
import { settleReservation } from "../settleReservation.ts";
import {
  EXPIRY_COLUMNS,
  type ExpiryRow,
  KEY_COLUMNS,
  type KeyRow,
  toExpiryRecord,
  toKeyRecord,
  toRateWindow,
  toUsageRecord,
  USAGE_COLUMNS,
  type UsageRow,
  usageValues,
  WINDOW_COLUMNS,
  type WindowRow,
  whereClause,
} from "./rows.ts";
import { lockKey, type SqlStoreContext } from "./SqlStoreContext.ts";

const USAGE_PLACEHOLDERS = USAGE_COLUMNS.split(",")
  .map(() => "?")
  .join(", ");

/**
 * {@link ApiKeyStore} in SQL, over either driver. `admit` and each settlement lock the key's row first (a
 * PostgreSQL row lock; SQLite's write lock), so replicas sharing the database serialize per key and each reads
 * the windows only after taking the lock. Settlements (`recordUsage`) go through the store's write batch.
 *
 * @example
 * ```ts
 * const keys = new SqlApiKeyStore(context);
 * const decision = await keys.admit(keyId, 1_000, 10n ** 12n);
 * ```
 */
export class SqlApiKeyStore implements ApiKeyStore {
  readonly #context: SqlStoreContext;

  constructor(context: SqlStoreContext) {
    this.#context = context;
  }

  async createKey(input: Parameters<ApiKeyStore["createKey"]>[0]): Promise<CreatedApiKey> {
    const { name, budgetWei, requestsPerMinute, tokensPerMinute } = parseInput(
      "createKey",
      createKeyInputSchema,
      input,
    );
    const { driver } = this.#context;
    return this.#context.guard("createKey", async () => {
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
          await driver.run(
            `INSERT INTO gateway_api_keys (id, name, prefix, key_hash, created_at, revoked_at, budget_wei, spent_wei,
               requests_per_minute, tokens_per_minute) VALUES (?, ?, ?, ?, ?, NULL, ?, '0', ?, ?)`,
            [record.id, name, prefix, hash, record.createdAt, budgetWei, requestsPerMinute, tokensPerMinute],
          );
          return { key, record };
        } catch (error) {
          // Another key already shows this prefix (1 in 16 million per pair): draw again.
          if (driver.isUniqueViolation(error) && attempt < 8) continue;
          throw error;
        }
      }
    });
  }

  async revokeKey(idOrPrefix: string): Promise<ApiKeyRecord | undefined> {
    return this.#context.guard("revokeKey", async () => {
      await this.#context.batch.flush();
      const [row] = await this.#context.driver.query<KeyRow>(
        `UPDATE gateway_api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? OR prefix = ?
         RETURNING ${KEY_COLUMNS}`,
        [Date.now(), String(idOrPrefix), String(idOrPrefix)],
      );
      return row && toKeyRecord(row);
    });
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    return this.#context.guard("listKeys", async () => {
      await this.#context.batch.flush();
      const { driver } = this.#context;
      const rows = await driver.query<KeyRow>(
        `SELECT ${KEY_COLUMNS} FROM gateway_api_keys ORDER BY created_at, ${driver.dialect.keyInsertionOrder}`,
      );
      return rows.map(toKeyRecord);
    });
  }

  async authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    return this.#context.guard("authenticate", async () => {
      if (typeof key !== "string" || !isApiKeyFormat(key)) return undefined;
      const [row] = await this.#context.driver.query<KeyRow>(
        `SELECT ${KEY_COLUMNS} FROM gateway_api_keys WHERE key_hash = ? AND revoked_at IS NULL`,
        [hashApiKey(key)],
      );
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
    const { forUpdate } = this.#context.driver.dialect;
    return this.#context.transaction("admit", async (executor) => {
      const key = await lockKey(executor, forUpdate, "admit", input.keyId);
      if (key.revokedAt !== null) {
        throw new ApiKeyRevokedError({ operation: "admit", keyId: key.id, revokedAt: key.revokedAt });
      }
      const { spentWei, live } = await this.#expireWindows(executor, key, input.now);
      const { decision, window } = decideAdmission({
        key: { ...key, spentWei },
        windows: live,
        estimatedTokens: input.estimatedTokens,
        estimatedCostWei: input.estimatedCostWei,
        now: input.now,
        reservationTtlMs: this.#context.reservationTtlMs,
      });
      if (window) await writeWindow(executor, key.id, window);
      return decision;
    });
  }

  async raiseReservation(
    keyId: string,
    reservation: Reservation,
    costWei: bigint,
    now: number = Date.now(),
  ): Promise<RaiseReservationDecision> {
    const input = parseInput("raiseReservation", raiseReservationInputSchema, {
      keyId,
      reservation,
      costWei,
      now,
    });
    if (input.costWei <= input.reservation.costWei) return { allowed: true, reservation: input.reservation };
    const { forUpdate } = this.#context.driver.dialect;
    return this.#context.transaction("raiseReservation", async (executor) => {
      const key = await lockKey(executor, forUpdate, "raiseReservation", input.keyId);
      if (key.revokedAt !== null) {
        throw new ApiKeyRevokedError({
          operation: "raiseReservation",
          keyId: key.id,
          revokedAt: key.revokedAt,
        });
      }
      const { spentWei, live } = await this.#expireWindows(executor, key, input.now);
      const { decision, window } = decideReservationRaise({
        key: { budgetWei: key.budgetWei, spentWei },
        live,
        reservation: input.reservation,
        costWei: input.costWei,
      });
      if (window) await writeWindow(executor, key.id, window);
      return decision;
    });
  }

  async recordUsage(usage: UsageRecord, reserved: Reservation): Promise<void> {
    const record = parseInput("recordUsage", usageRecordSchema, usage);
    const reservation = parseInput("recordUsage", reservationSchema, reserved);
    const { forUpdate } = this.#context.driver.dialect;
    return this.#context.guard("recordUsage", () =>
      this.#context.batch.add({
        operation: "recordUsage",
        keyId: record.keyId,
        write: async (executor, scope) => {
          const settlements = scope.memo("settlements", () => {
            const state = new Settlements(executor, forUpdate);
            scope.onFinish(() => state.write());
            return state;
          });
          await settlements.settle(record, reservation);
        },
      }),
    );
  }

  async usage(filter: UsageFilter): Promise<UsageRecord[]> {
    const { keyId, since, limit } = parseInput("usage", usageFilterSchema, filter);
    return this.#context.guard("usage", async () => {
      await this.#context.batch.flush();
      const { where, parameters } = whereClause([["key_id", keyId]], ["created_at", since]);
      const rows = await this.#context.driver.query<UsageRow>(
        `SELECT ${USAGE_COLUMNS} FROM gateway_usage ${where} ORDER BY created_at DESC, seq DESC LIMIT ?`,
        [...parameters, limit],
      );
      return rows.map(toUsageRecord);
    });
  }

  async expireReservations(now: number = Date.now()): Promise<ReservationExpirySummary> {
    const at = parseInput("expireReservations", timeSchema, now);
    const { driver, reservationTtlMs } = this.#context;
    return this.#context.guard("expireReservations", async () => {
      const keys = await driver.query<{ key_id: string }>(
        "SELECT DISTINCT key_id FROM gateway_rate_windows WHERE window_start <= ?",
        [at - reservationTtlMs],
      );
      const summary: ReservationExpirySummary = { keys: 0, requests: 0, tokens: 0, chargedWei: 0n };
      for (const { key_id: keyId } of keys) {
        const charged = await this.#context.transaction("expireReservations", async (executor) => {
          const key = await lockKey(executor, driver.dialect.forUpdate, "expireReservations", keyId);
          return (await this.#expireWindows(executor, key, at)).charged;
        });
        if (charged.length === 0) continue;
        summary.keys += 1;
        for (const window of charged) {
          summary.requests += window.reservedRequests;
          summary.tokens += window.reservedTokens;
          summary.chargedWei += window.reservedWei;
        }
      }
      return summary;
    });
  }

  async reservationExpiries(filter: ReservationExpiryFilter): Promise<ReservationExpiryRecord[]> {
    const { keyId, since, limit } = parseInput("reservationExpiries", reservationExpiryFilterSchema, filter);
    return this.#context.guard("reservationExpiries", async () => {
      const { where, parameters } = whereClause([["key_id", keyId]], ["expired_at", since]);
      const rows = await this.#context.driver.query<ExpiryRow>(
        `SELECT ${EXPIRY_COLUMNS} FROM gateway_expired_reservations ${where}
         ORDER BY expired_at DESC, key_id, window_start DESC LIMIT ?`,
        [...parameters, limit],
      );
      return rows.map(toExpiryRecord);
    });
  }

  /**
   * Inside a transaction holding `key`: charges its windows that outlived the reservation TTL at `now`,
   * records each charge, deletes them; returns the spend with the charges and the windows that still count.
   */
  async #expireWindows(
    executor: SqlExecutor,
    key: ApiKeyRecord,
    now: number,
  ): Promise<{ spentWei: bigint; live: RateWindow[]; charged: RateWindow[] }> {
    const rows = await executor.query<WindowRow>(
      `SELECT ${WINDOW_COLUMNS} FROM gateway_rate_windows WHERE key_id = ?`,
      [key.id],
    );
    const staleAtOrBefore = now - this.#context.reservationTtlMs;
    const { spentWei, charged, stale, live } = chargeExpiredReservations({
      windows: rows.map(toRateWindow),
      spentWei: key.spentWei,
      staleAtOrBefore,
    });
    if (stale.length === 0) return { spentWei, live, charged };
    for (const window of charged) {
      // A window expires once, unless a late settlement re-created it: then its record grows.
      const [row] = await executor.query<ExpiryRow>(
        `SELECT ${EXPIRY_COLUMNS} FROM gateway_expired_reservations WHERE key_id = ? AND window_start = ?`,
        [key.id, window.windowStart],
      );
      const prior = row && toExpiryRecord(row);
      await executor.run(
        `INSERT INTO gateway_expired_reservations (${EXPIRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key_id, window_start) DO UPDATE SET expired_at = excluded.expired_at,
           requests = excluded.requests, tokens = excluded.tokens, charged_wei = excluded.charged_wei`,
        [
          key.id,
          window.windowStart,
          now,
          (prior?.requests ?? 0) + window.reservedRequests,
          (prior?.tokens ?? 0) + window.reservedTokens,
          (prior?.chargedWei ?? 0n) + window.reservedWei,
          prior?.settledRequests ?? 0,
          prior?.settledWei ?? 0n,
        ],
      );
    }
    if (spentWei !== key.spentWei) {
      await executor.run("UPDATE gateway_api_keys SET spent_wei = ? WHERE id = ?", [spentWei, key.id]);
    }
    await executor.run("DELETE FROM gateway_rate_windows WHERE key_id = ? AND window_start <= ?", [
      key.id,
      staleAtOrBefore,
    ]);
    return { spentWei, live, charged };
  }
}

/**
 * The settlements of one write batch, accumulated: each key's row and each touched window are read once, the
 * usage records inserted one by one (the insert is what makes a settlement idempotent), and the new counters
 * and spend written once per key and window when the batch finishes.
 */
class Settlements {
  readonly #executor: SqlExecutor;
  readonly #forUpdate: string;
  readonly #keys = new Map<string, ApiKeyRecord>();
  readonly #windows = new Map<
    string,
    {
      keyId: string;
      windowStart: number;
      window: RateWindow | undefined;
      expiry: ReservationExpiryRecord | undefined;
    }
  >();
  readonly #touchedWindows = new Set<string>();
  readonly #touchedExpiries = new Set<string>();

  constructor(executor: SqlExecutor, forUpdate: string) {
    this.#executor = executor;
    this.#forUpdate = forUpdate;
  }

  /** Settles one record. @throws ApiKeyNotFoundError (having changed nothing) for an unknown key. */
  async settle(record: UsageRecord, reservation: Reservation): Promise<void> {
    const executor = this.#executor;
    let key = this.#keys.get(record.keyId);
    if (!key) {
      key = await lockKey(executor, this.#forUpdate, "recordUsage", record.keyId);
      this.#keys.set(key.id, key);
    }
    const inserted = await executor.run(
      `INSERT INTO gateway_usage (${USAGE_COLUMNS}) VALUES (${USAGE_PLACEHOLDERS}) ON CONFLICT (id) DO NOTHING`,
      usageValues(record),
    );
    if (inserted === 0) return; // Already settled: a retry.
    const slot = `${key.id}\n${reservation.windowStart}`;
    let stored = this.#windows.get(slot);
    if (!stored) {
      const [row] = await executor.query<WindowRow>(
        `SELECT ${WINDOW_COLUMNS} FROM gateway_rate_windows WHERE key_id = ? AND window_start = ?`,
        [key.id, reservation.windowStart],
      );
      const [expiry] = row
        ? []
        : await executor.query<ExpiryRow>(
            `SELECT ${EXPIRY_COLUMNS} FROM gateway_expired_reservations WHERE key_id = ? AND window_start = ?`,
            [key.id, reservation.windowStart],
          );
      stored = {
        keyId: key.id,
        windowStart: reservation.windowStart,
        window: row && toRateWindow(row),
        expiry: expiry && toExpiryRecord(expiry),
      };
      this.#windows.set(slot, stored);
    }
    const settled = settleReservation({
      window: stored.window,
      expired: stored.expiry,
      spentWei: key.spentWei,
      reserved: reservation,
      actualTokens: record.inputTokens + record.outputTokens,
      actualCostWei: record.costWei,
    });
    stored.window = {
      windowStart: reservation.windowStart,
      requests: stored.window?.requests ?? 0,
      ...settled.window,
    };
    this.#touchedWindows.add(slot);
    if (settled.expired && stored.expiry) {
      stored.expiry = { ...stored.expiry, ...settled.expired };
      this.#touchedExpiries.add(slot);
    }
    this.#keys.set(key.id, { ...key, spentWei: settled.spentWei });
  }

  /** Writes the accumulated counters and spend. */
  async write(): Promise<void> {
    const executor = this.#executor;
    for (const slot of this.#touchedWindows) {
      const stored = this.#windows.get(slot);
      if (stored?.window) await writeWindow(executor, stored.keyId, stored.window);
    }
    for (const slot of this.#touchedExpiries) {
      const expiry = this.#windows.get(slot)?.expiry;
      if (!expiry) continue;
      await executor.run(
        `UPDATE gateway_expired_reservations SET settled_wei = ?, settled_requests = ?
         WHERE key_id = ? AND window_start = ?`,
        [expiry.settledWei, expiry.settledRequests, expiry.keyId, expiry.windowStart],
      );
    }
    for (const key of this.#keys.values()) {
      await executor.run("UPDATE gateway_api_keys SET spent_wei = ? WHERE id = ?", [key.spentWei, key.id]);
    }
  }
}

async function writeWindow(executor: SqlExecutor, keyId: string, window: RateWindow): Promise<void> {
  await executor.run(
    `INSERT INTO gateway_rate_windows (key_id, ${WINDOW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (key_id, window_start) DO UPDATE SET requests = excluded.requests, tokens = excluded.tokens,
       reserved_wei = excluded.reserved_wei, reserved_requests = excluded.reserved_requests,
       reserved_tokens = excluded.reserved_tokens`,
    [
      keyId,
      window.windowStart,
      window.requests,
      window.tokens,
      window.reservedWei,
      window.reservedRequests,
      window.reservedTokens,
    ],
  );
}
