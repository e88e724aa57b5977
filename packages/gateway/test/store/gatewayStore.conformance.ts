// The shared suite every GatewayStore implementation passes (hono's router `common.case.test.ts` pattern): each
// concern's suite, and the lifecycle. Call it from the implementation's own test file.
import { describe, expect, test } from "vitest";
import { GatewayStoreClosedError } from "../../src/store/errors.ts";
import { describeApiKeyStoreConformance } from "./apiKeyStore.conformance.ts";
import { type MakeGatewayStoreFixture, useConformanceStores } from "./conformance.harness.ts";
import { makeReceiptRecord, makeUsageRecord, nothingReserved, T0 } from "./gatewayStore.fixtures.ts";
import { describeIntegrityStoreConformance } from "./integrityStore.conformance.ts";
import { describeReceiptStoreConformance } from "./receiptStore.conformance.ts";

export type { GatewayStoreConformanceFixture } from "./conformance.harness.ts";

/**
 * Registers the GatewayStore conformance tests for one implementation: {@link describeApiKeyStoreConformance},
 * {@link describeReceiptStoreConformance}, {@link describeIntegrityStoreConformance} and the lifecycle.
 *
 * @param name - shown in the test names.
 * @param makeStore - returns a fresh fixture (fresh database) for each test.
 * @example
 * ```ts
 * describeGatewayStoreConformance("SqliteGatewayStore (:memory:)", async () => ({
 *   store: new SqliteGatewayStore(),
 *   cleanup: async () => {},
 * }));
 * ```
 */
export function describeGatewayStoreConformance(name: string, makeStore: MakeGatewayStoreFixture): void {
  describeApiKeyStoreConformance(name, makeStore);
  describeReceiptStoreConformance(name, makeStore);
  describeIntegrityStoreConformance(name, makeStore);
  describe(`GatewayStore lifecycle conformance: ${name}`, () => {
    const { setUp, replica } = useConformanceStores(makeStore);

    describe("lifecycle", () => {
      test("test_migrate_twice_keepsData", async () => {
        const { store } = await setUp();
        const { key, record } = await store.createKey({ name: "survivor" });
        await store.migrate();
        await store.migrate();
        expect(await store.authenticate(key)).toEqual(record);
      });

      test("test_close_commitsQueuedWritesFirst", async (context) => {
        const { fixture, store } = await setUp();
        if (!fixture.second) return context.skip();
        const other = await replica(fixture);
        const { record } = await store.createKey({ name: "closing" });
        const usage = makeUsageRecord({ keyId: record.id, costWei: 3n });
        const receipt = makeReceiptRecord();
        const written = Promise.all([
          store.recordUsage(usage, nothingReserved(T0)),
          store.putReceipt(receipt),
        ]);
        await store.close();
        await written;
        expect(await other.usage({})).toEqual([usage]);
        expect(await other.receiptsFor({})).toEqual([receipt]);
        expect((await other.listKeys())[0]?.spentWei).toBe(3n);
        await expect(store.recordUsage(usage, nothingReserved(T0))).rejects.toBeInstanceOf(
          GatewayStoreClosedError,
        );
      });

      test("test_closedStore_refusesOperations", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "k" });
        await store.close();
        await store.close();
        await expect(store.admit(record.id, 1, 0n, T0)).rejects.toBeInstanceOf(GatewayStoreClosedError);
        await expect(store.listKeys()).rejects.toBeInstanceOf(GatewayStoreClosedError);
        await expect(store.authenticate("avy_x")).rejects.toBeInstanceOf(GatewayStoreClosedError);
      });
    });
  });
}
