// The shared suite every RelayStore implementation passes (hono's router `common.case.test.ts` pattern).
// Call it from the implementation's own test file.
import { afterEach, describe, expect, test } from "vitest";
import { RelayRecordInvalidError, RelayStoreClosedError } from "../../src/store/errors.ts";
import type { RelayRecord, RelayStore } from "../../src/store/RelayStore.ts";
import { makeClaimState, makeRelayRecord } from "./relayStore.fixtures.ts";

/** One store under test and what the suite needs to exercise it. */
export type RelayStoreConformanceFixture = {
  /** A store over fresh, empty storage, not opened yet. */
  store: RelayStore;
  /** A new instance over the same storage, not opened: what a restarted process gets. */
  reopen(): RelayStore;
  /**
   * Leaves a partial record after the last complete one of `session`, as a crash in the middle of a write
   * would (call it while no store is open). Omit for stores whose appends cannot tear: the test is skipped.
   */
  tear?(session: bigint): Promise<void>;
  /** Removes the storage. */
  cleanup?(): Promise<void>;
};

async function collect(store: RelayStore, session: bigint): Promise<RelayRecord[]> {
  const records: RelayRecord[] = [];
  for await (const record of store.readSession(session)) records.push(record);
  return records;
}

/**
 * Registers the RelayStore conformance tests for one implementation.
 *
 * @param name - shown in the test names.
 * @param makeStore - returns a fresh fixture for each test.
 * @example
 * ```ts
 * describeRelayStoreConformance("MemoryRelayStore", () => {
 *   const data = memoryRelayStoreData();
 *   return { store: new MemoryRelayStore({ data }), reopen: () => new MemoryRelayStore({ data }) };
 * });
 * ```
 */
export function describeRelayStoreConformance(
  name: string,
  makeStore: () => RelayStoreConformanceFixture | Promise<RelayStoreConformanceFixture>,
): void {
  describe(`RelayStore conformance: ${name}`, () => {
    const open: RelayStore[] = [];
    const fixtures: RelayStoreConformanceFixture[] = [];

    async function setUp(): Promise<RelayStoreConformanceFixture & { opened: RelayStore }> {
      const fixture = await makeStore();
      fixtures.push(fixture);
      await fixture.store.open();
      open.push(fixture.store);
      return { ...fixture, opened: fixture.store };
    }

    async function reopen(fixture: RelayStoreConformanceFixture, current: RelayStore): Promise<RelayStore> {
      await current.close();
      const next = fixture.reopen();
      await next.open();
      open.push(next);
      return next;
    }

    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
      for (const fixture of fixtures.splice(0)) await fixture.cleanup?.();
    });

    test("test_append_readSession_returnsRecordsInOrderWithExactBigints", async () => {
      const { opened: store } = await setUp();
      const records = [5n, 1n, 9n].map((nonce) => makeRelayRecord({ session: 4n, nonce }));
      const other = makeRelayRecord({ session: 2n ** 64n - 1n, nonce: 0n });
      for (const record of records) await store.append(record);
      await store.append(other);
      expect(await collect(store, 4n)).toEqual(records);
      expect(await collect(store, 2n ** 64n - 1n)).toEqual([other]);
      const [first] = await collect(store, 4n);
      expect(typeof first?.request.inputPrice).toBe("bigint");
      expect(first?.request.inputPrice).toBe(2n ** 127n + 5n);
      expect(first?.receipt.inputUnits).toBe(2n ** 64n - 6n);
    });

    test("test_readSession_unknownSession_yieldsNothing", async () => {
      const { opened: store } = await setUp();
      expect(await collect(store, 123n)).toEqual([]);
    });

    test("test_append_1000Concurrent_eachPresentExactlyOnce", async () => {
      const { opened: store } = await setUp();
      const records = Array.from({ length: 1000 }, (_, index) =>
        makeRelayRecord({ session: BigInt(index % 3), nonce: BigInt(index) }),
      );
      await Promise.all(records.map((record) => store.append(record)));
      const seen = new Map<string, number>();
      for (const session of [0n, 1n, 2n]) {
        const read = await collect(store, session);
        // Per session, append order is call order.
        expect(read.map((record) => record.relayKey)).toEqual(
          records.filter((record) => record.request.session === session).map((record) => record.relayKey),
        );
        for (const record of read) seen.set(record.relayKey, (seen.get(record.relayKey) ?? 0) + 1);
      }
      expect(seen.size).toBe(1000);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
    });

    test("test_sessions_listsAscending", async () => {
      const { opened: store } = await setUp();
      expect(await store.sessions()).toEqual([]);
      for (const session of [10n, 2n, 2n ** 64n - 1n, 2n, 0n]) {
        await store.append(makeRelayRecord({ session, nonce: session % 1000n }));
      }
      expect(await store.sessions()).toEqual([0n, 2n, 10n, 2n ** 64n - 1n]);
    });

    test("test_prune_removesOnlyThatSession", async () => {
      const { opened: store } = await setUp();
      await store.append(makeRelayRecord({ session: 1n, nonce: 1n }));
      await store.append(makeRelayRecord({ session: 2n, nonce: 2n }));
      await store.prune(1n);
      expect(await store.sessions()).toEqual([2n]);
      expect(await collect(store, 1n)).toEqual([]);
      expect(await collect(store, 2n)).toHaveLength(1);
      await store.prune(77n); // unknown: no error
      const late = makeRelayRecord({ session: 1n, nonce: 3n });
      await store.append(late);
      expect(await collect(store, 1n)).toEqual([late]);
    });

    test("test_prune_concurrentWithAppends_keepsLaterAppends", async () => {
      const { opened: store } = await setUp();
      const before = makeRelayRecord({ session: 5n, nonce: 1n });
      const after = makeRelayRecord({ session: 5n, nonce: 2n });
      const appended = store.append(before);
      const pruned = store.prune(5n);
      const appendedAfter = store.append(after);
      await Promise.all([appended, pruned, appendedAfter]);
      expect(await collect(store, 5n)).toEqual([after]);
    });

    test("test_claims_putGetList_roundtrip", async () => {
      const { opened: store } = await setUp();
      const full = makeClaimState({ session: 3n });
      const minimal = { ...makeClaimState({ session: 4n, status: "failed" }) };
      delete minimal.transactionHash;
      delete minimal.paid;
      delete minimal.error;
      await store.putClaim(full);
      await store.putClaim(minimal);
      expect(await store.getClaim(full.claimKey)).toEqual(full);
      expect(
        await store.getClaim(full.claimKey.toUpperCase().replace("0X", "0x") as typeof full.claimKey),
      ).toEqual(full);
      const readMinimal = await store.getClaim(minimal.claimKey);
      expect(readMinimal).toEqual(minimal);
      expect(readMinimal && "paid" in readMinimal).toBe(false);
      expect(await store.getClaim(`0x${"00".repeat(32)}`)).toBeUndefined();
      const updated = { ...full, status: "settled" as const, paid: 42n, updatedAt: full.updatedAt + 1 };
      await store.putClaim(updated);
      expect(await store.getClaim(full.claimKey)).toEqual(updated);
      const listed = await store.listClaims();
      expect(listed).toHaveLength(2);
      expect(listed).toEqual(expect.arrayContaining([updated, minimal]));
      // Copies: changing what was returned does not change the store.
      const copy = await store.getClaim(full.claimKey);
      if (copy) copy.status = "failed";
      expect((await store.getClaim(full.claimKey))?.status).toBe("settled");
    });

    test("test_reopen_keepsRecordsSessionsClaimsAndPrunes", async () => {
      const fixture = await setUp();
      let store = fixture.opened;
      const kept = [1n, 2n, 3n].map((nonce) => makeRelayRecord({ session: 8n, nonce }));
      await Promise.all(kept.map((record) => store.append(record)));
      await store.append(makeRelayRecord({ session: 9n, nonce: 1n }));
      await store.prune(9n);
      const claim = makeClaimState({ session: 8n });
      await store.putClaim(claim);
      await store.putClaim({ ...claim, status: "proven" });
      store = await reopen(fixture, store);
      expect(await store.sessions()).toEqual([8n]);
      expect(await collect(store, 8n)).toEqual(kept);
      expect(await store.getClaim(claim.claimKey)).toEqual({ ...claim, status: "proven" });
      expect(await store.listClaims()).toHaveLength(1);
      const more = makeRelayRecord({ session: 8n, nonce: 4n });
      await store.append(more);
      expect(await collect(store, 8n)).toEqual([...kept, more]);
    });

    test("test_append_invalidRecord_rejectsAndKeepsSessionReadable", async () => {
      const { opened: store } = await setUp();
      const good = makeRelayRecord({ session: 6n, nonce: 1n });
      const bad = makeRelayRecord({ session: 6n, nonce: 2n });
      bad.request.nonce = 2n ** 64n; // not a uint64
      await expect(store.append(bad)).rejects.toBeInstanceOf(RelayRecordInvalidError);
      await expect(
        store.putClaim({ ...makeClaimState({ session: 6n }), claimKey: "0x12" }),
      ).rejects.toBeInstanceOf(RelayRecordInvalidError);
      await store.append(good);
      expect(await collect(store, 6n)).toEqual([good]);
    });

    test("test_closedStore_refusesOperations", async () => {
      const { opened: store } = await setUp();
      await store.close();
      await expect(store.append(makeRelayRecord({ session: 1n, nonce: 1n }))).rejects.toBeInstanceOf(
        RelayStoreClosedError,
      );
      await expect(store.sessions()).rejects.toBeInstanceOf(RelayStoreClosedError);
    });

    test("test_tornLastLine_isSkipped", async (context) => {
      const fixture = await setUp();
      if (!fixture.tear) {
        context.skip();
        return;
      }
      let store = fixture.opened;
      const records = [1n, 2n, 3n].map((nonce) => makeRelayRecord({ session: 11n, nonce }));
      for (const record of records) await store.append(record);
      await store.close();
      await fixture.tear(11n);
      store = await reopen(fixture, store);
      expect(await collect(store, 11n)).toEqual(records);
      const next = makeRelayRecord({ session: 11n, nonce: 4n });
      await store.append(next);
      expect(await collect(store, 11n)).toEqual([...records, next]);
    });
  });
}
