// The shared suite of the ReceiptStore concern every GatewayStore passes.
import { describe, expect, test } from "vitest";
import { GatewayStoreInputError } from "../../src/store/errors.ts";
import { type MakeGatewayStoreFixture, useConformanceStores } from "./conformance.harness.ts";
import { makeReceiptRecord, T0 } from "./gatewayStore.fixtures.ts";

/**
 * Registers the ReceiptStore conformance tests for one GatewayStore implementation.
 *
 * @param name - shown in the test names.
 * @param makeStore - returns a fresh fixture (fresh database) for each test.
 * @example
 * ```ts
 * describeReceiptStoreConformance("SqliteGatewayStore (:memory:)", async () => ({ store: new SqliteGatewayStore(), cleanup: async () => {} }));
 * ```
 */
export function describeReceiptStoreConformance(name: string, makeStore: MakeGatewayStoreFixture): void {
  describe(`ReceiptStore conformance: ${name}`, () => {
    const { setUp } = useConformanceStores(makeStore);

    describe("receipts", () => {
      test("test_putReceipt_twoVersionsQueuedInOneBatch_firstStoredSecondConflicts", async () => {
        const { store } = await setUp();
        const receipt = makeReceiptRecord();
        const other = { ...receipt, receiptSignature: `0x${"77".repeat(65)}` };
        const [first, again, second] = await Promise.all([
          store.putReceipt(receipt),
          store.putReceipt(receipt),
          store.putReceipt(other),
        ]);
        expect([first, again, second]).toEqual([{}, {}, { conflict: receipt }]);
        expect(await store.receiptsFor({})).toEqual([receipt]);
      });

      test("test_putReceipt_sameReceiptAgain_isIdempotent", async () => {
        const { store } = await setUp();
        const receipt = makeReceiptRecord();
        expect(await store.putReceipt(receipt)).toEqual({});
        expect(await store.putReceipt(receipt)).toEqual({});
        expect(await store.putReceipt({ ...receipt, createdAt: receipt.createdAt + 5000 })).toEqual({});
        expect(await store.receiptsFor({})).toEqual([receipt]);
      });

      test("test_putReceipt_differentReceiptForStoredRelayKey_returnsStoredAsConflict", async () => {
        const { store } = await setUp();
        const receipt = makeReceiptRecord({ session: 2n ** 64n - 1n });
        await store.putReceipt(receipt);
        for (const change of [
          { receiptSignature: `0x${"66".repeat(65)}` },
          { receipt: receipt.receipt.replace('"3"', '"4"') },
          { session: 5n },
          { supplier: "0x9999999999999999999999999999999999999999" },
        ]) {
          expect(await store.putReceipt({ ...receipt, ...change })).toEqual({ conflict: receipt });
        }
        expect(await store.receiptsFor({})).toEqual([receipt]);
        await expect(store.putReceipt({ ...receipt, relayKey: "" })).rejects.toBeInstanceOf(
          GatewayStoreInputError,
        );
      });

      test("test_receiptsFor_filtersExactly_ordersBySessionNumerically", async () => {
        const { store } = await setUp();
        const other = "0x7777777777777777777777777777777777777777";
        const receipts = [
          makeReceiptRecord({ session: 10n, createdAt: T0 + 1 }),
          makeReceiptRecord({ session: 9n, createdAt: T0 + 2 }),
          makeReceiptRecord({ session: 2n ** 64n - 1n, supplier: other }),
          makeReceiptRecord({ session: 2n ** 200n, model: "0xmodel" }),
          makeReceiptRecord({ session: 10n, createdAt: T0, application: other }),
        ];
        await Promise.all(receipts.map((receipt) => store.putReceipt(receipt)));
        const [ten, nine, big, huge, tenEarlier] = receipts;
        expect(await store.receiptsFor({})).toEqual([nine, tenEarlier, ten, big, huge]);
        expect(await store.receiptsFor({ session: 10n })).toEqual([tenEarlier, ten]);
        expect(await store.receiptsFor({ session: 2n ** 64n - 1n })).toEqual([big]);
        expect(await store.receiptsFor({ supplier: other })).toEqual([big]);
        expect(await store.receiptsFor({ application: other, session: 10n })).toEqual([tenEarlier]);
        expect(await store.receiptsFor({ application: other, session: 9n })).toEqual([]);
        expect(await store.receiptsFor({ model: "0xmodel" })).toEqual([huge]);
        expect((await store.receiptsFor({ session: 2n ** 200n }))[0]?.session).toBe(2n ** 200n);
      });

      test("test_pruneReceipts_removesOnlyOlderSessions_returnsCount", async () => {
        const { store } = await setUp();
        for (const session of [1n, 2n, 9n, 10n, 100n, 2n ** 64n - 1n]) {
          await store.putReceipt(makeReceiptRecord({ session }));
        }
        expect(await store.pruneReceipts(10n)).toBe(3);
        expect((await store.receiptsFor({})).map((receipt) => receipt.session)).toEqual([
          10n,
          100n,
          2n ** 64n - 1n,
        ]);
        expect(await store.pruneReceipts(10n)).toBe(0);
        expect(await store.pruneReceipts(2n ** 256n - 1n)).toBe(3);
        expect(await store.receiptsFor({})).toEqual([]);
        const late = makeReceiptRecord({ session: 1n });
        expect(await store.putReceipt(late)).toEqual({});
        expect(await store.receiptsFor({ session: 1n })).toEqual([late]);
      });
    });
  });
}
