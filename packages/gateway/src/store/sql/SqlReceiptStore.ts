import type { ReceiptFilter, ReceiptRecord, ReceiptStore } from "../GatewayStore.ts";
import {
  parseInput,
  receiptFilterSchema,
  receiptRecordSchema,
  sameReceipt,
  uint256Schema,
} from "../schemas.ts";
import { RECEIPT_COLUMNS, type ReceiptRow, toReceiptRecord, whereClause } from "./rows.ts";
import type { SqlStoreContext } from "./SqlStoreContext.ts";

/**
 * {@link ReceiptStore} in SQL, over either driver. `putReceipt` goes through the store's write batch; the
 * conflict check runs in the batch's transaction, so it sees receipts queued before it.
 *
 * @example
 * ```ts
 * const receipts = new SqlReceiptStore(context);
 * const { conflict } = await receipts.putReceipt(record);
 * ```
 */
export class SqlReceiptStore implements ReceiptStore {
  readonly #context: SqlStoreContext;

  constructor(context: SqlStoreContext) {
    this.#context = context;
  }

  async putReceipt(receipt: ReceiptRecord): Promise<{ conflict?: ReceiptRecord }> {
    const record = parseInput("putReceipt", receiptRecordSchema, receipt);
    const session = this.#context.driver.dialect.encodeSession(record.session);
    return this.#context.guard("putReceipt", () =>
      this.#context.batch.add({
        operation: "putReceipt",
        write: async (executor) => {
          const inserted = await executor.run(
            `INSERT INTO gateway_receipts (${RECEIPT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (relay_key) DO NOTHING`,
            [
              record.relayKey,
              session,
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
          if (inserted === 1) return {};
          const [row] = await executor.query<ReceiptRow>(
            `SELECT ${RECEIPT_COLUMNS} FROM gateway_receipts WHERE relay_key = ?`,
            [record.relayKey],
          );
          // Receipts are never updated, so the row that refused the insert is still there (unless pruned since).
          if (!row) return {};
          const stored = toReceiptRecord(row);
          return sameReceipt(stored, record) ? {} : { conflict: stored };
        },
      }),
    );
  }

  async receiptsFor(filter: ReceiptFilter): Promise<ReceiptRecord[]> {
    const { session, supplier, application, model } = parseInput("receiptsFor", receiptFilterSchema, filter);
    const { driver } = this.#context;
    return this.#context.guard("receiptsFor", async () => {
      await this.#context.batch.flush();
      const { where, parameters } = whereClause([
        ["session", session === undefined ? undefined : driver.dialect.encodeSession(session)],
        ["supplier", supplier],
        ["application", application],
        ["model", model],
      ]);
      const rows = await driver.query<ReceiptRow>(
        `SELECT ${RECEIPT_COLUMNS} FROM gateway_receipts ${where} ORDER BY session, created_at, relay_key`,
        parameters,
      );
      return rows.map(toReceiptRecord);
    });
  }

  async pruneReceipts(beforeSession: bigint): Promise<number> {
    const before = parseInput("pruneReceipts", uint256Schema, beforeSession);
    const { driver } = this.#context;
    return this.#context.guard("pruneReceipts", async () => {
      await this.#context.batch.flush();
      return driver.run("DELETE FROM gateway_receipts WHERE session < ?", [
        driver.dialect.encodeSession(before),
      ]);
    });
  }
}
