// The lifecycle against anvil and the real contracts: relays signed with the devnet scenario utilities go
// into a FileRelayStore; ticking block by block must claim the library's roots, prove what the contract
// requires, get paid what the library computes, and prune; a restart resumes without sending anything twice.
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { claimKey, sessionWindows } from "@aviary/protocol";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { settlement } from "../../../devnet/test/utils/scenario.ts";
import type { FileRelayStore } from "../store/FileRelayStore.ts";
import type { RelayRecord } from "../store/RelayStore.ts";
import {
  drive,
  expectedOwnerPay,
  type LifecycleScenario,
  libraryRoot,
  makeLifecycle,
  nextSession,
  openFileStore,
  readClaim,
  serveRelays,
  sessionParams,
  startLifecycleScenario,
} from "./lifecycle.fixtures.ts";
import type { LifecycleEvent } from "./types.ts";

let s: LifecycleScenario;

beforeAll(async () => {
  s = await startLifecycleScenario();
});

afterAll(async () => {
  await s?.stop();
});

const transactions = (events: LifecycleEvent[], action: string) =>
  events.filter((event) => event.type === "transaction" && event.action === action);

describe("SessionLifecycle (anvil, real contracts)", () => {
  test("test_lifecycle_claimsProvesSettlesAndPrunes_asTheLibraryComputes", async () => {
    const store = await openFileStore(s);
    const session = await nextSession(s);
    const windows = sessionWindows(session, sessionParams);
    // Rich app: ~132 AVY, above the 100 AVY proof threshold, so a proof is always required.
    const rich = await serveRelays(s, store, {
      session,
      application: s.richApp,
      signers: [s.richApp, s.gateway],
      count: 12,
      units: (index) => ({ inputUnits: BigInt(100 + index), outputUnits: BigInt(200 + index) }),
    });
    // Poor app: ~3.3 AVY; a proof is required with probability 0.25 (the contract decides).
    const poor = await serveRelays(s, store, {
      session,
      application: s.poorApp,
      signers: [s.poorApp],
      count: 3,
      units: (index) => ({ inputUnits: BigInt(10 + index), outputUnits: BigInt(20 + index) }),
    });
    const plans = [
      { application: s.richApp.address, relays: rich },
      { application: s.poorApp.address, relays: poor },
    ].map((plan) => ({
      ...plan,
      claimKey: claimKey({
        supplier: s.owner.address,
        application: plan.application,
        model: plan.relays[0]?.request.model as Hex,
        session,
      }),
      root: libraryRoot(s, plan.relays),
    }));
    const { lifecycle, events } = makeLifecycle(s, store);
    const ownerBefore = await s.c.balanceOf(s.owner.address);

    // Nothing happens before the claim window.
    await drive(s, lifecycle, windows.servingEnd);
    expect(events.filter((event) => event.type !== "mined")).toEqual([]);

    // Claim window: the library's roots land on chain.
    await drive(s, lifecycle, windows.claimEnd - 1n);
    for (const plan of plans) {
      const onChain = await readClaim(s, plan.claimKey);
      expect(onChain.root).toEqual(plan.root);
      expect(onChain.amount).toBe(plan.root.sum); // p = 1
      expect((await store.getClaim(plan.claimKey))?.status).toBe("claimed");
    }
    expect(transactions(events, "claim")).toHaveLength(2);

    // Proof window: the seed gets stored; required claims are proven (the contract verified the proof).
    await drive(s, lifecycle, windows.proofEnd - 1n);
    let proofsRequired = 0;
    for (const plan of plans) {
      const required = await s.c.publicClient.readContract({
        ...settlement(s.c),
        functionName: "isProofRequired",
        args: [plan.claimKey],
      });
      const onChain = await readClaim(s, plan.claimKey);
      const state = await store.getClaim(plan.claimKey);
      if (required) {
        proofsRequired += 1;
        expect(onChain.proven).toBe(true);
        expect(state?.status).toBe("proven");
      } else expect(state?.status).toBe("not-required");
    }
    expect(proofsRequired).toBeGreaterThanOrEqual(1);
    expect(transactions(events, "prove")).toHaveLength(proofsRequired);

    // After the proof window: settled, paid what the library computes, and pruned.
    await drive(s, lifecycle, windows.settleFrom);
    const total = plans.reduce((sum, plan) => sum + plan.root.sum, 0n); // each app has one claim: total = amount
    let paid = 0n;
    for (const plan of plans) {
      const state = await store.getClaim(plan.claimKey);
      expect(state?.status).toBe("settled");
      const expected = await expectedOwnerPay(s, {
        application: plan.application,
        session,
        amount: plan.root.sum,
        total: plan.root.sum,
      });
      expect(state?.paid).toBe(expected);
      expect(expected).toBeGreaterThan(0n);
      expect((await readClaim(s, plan.claimKey)).settled).toBe(true);
      paid += expected;
    }
    expect(total).toBeGreaterThan(0n);
    expect((await s.c.balanceOf(s.owner.address)) - ownerBefore).toBe(paid);
    expect(await store.sessions()).not.toContain(session);
    const left: RelayRecord[] = [];
    for await (const record of store.readSession(session)) left.push(record);
    expect(left).toEqual([]);
    expect(events.some((event) => event.type === "pruned" && event.session === session)).toBe(true);
    expect(events.filter((event) => event.type === "failed" || event.type === "retry")).toEqual([]);

    // Later ticks send nothing more.
    const sent = transactions(events, "settle").length;
    await drive(s, lifecycle, (await s.c.publicClient.getBlockNumber()) + 2n);
    expect(transactions(events, "settle")).toHaveLength(sent);
    await lifecycle.stop();
    await store.close();
  });

  test("test_lifecycle_restartAfterClaim_provesAndSettlesWithoutReclaiming", async () => {
    let store = await openFileStore(s);
    const directory = (store as FileRelayStore).directory;
    const session = await nextSession(s);
    const windows = sessionWindows(session, sessionParams);
    const rich = await serveRelays(s, store, {
      session,
      application: s.richApp,
      signers: [s.richApp],
      count: 10,
      units: (index) => ({ inputUnits: BigInt(120 + index), outputUnits: BigInt(210 + index) }),
    });
    const key = claimKey({
      supplier: s.owner.address,
      application: s.richApp.address,
      model: rich[0]?.request.model as Hex,
      session,
    });

    const first = makeLifecycle(s, store);
    await drive(s, first.lifecycle, windows.claimStart + 2n);
    expect(transactions(first.events, "claim")).toHaveLength(1);
    expect((await readClaim(s, key)).root).toEqual(libraryRoot(s, rich));
    // The process goes away.
    await first.lifecycle.stop();
    await store.close();

    // A node that lost its claim book (only the relay log survived) adopts the claim from the chain.
    const bare = await openFileStore(s);
    await cp(join(directory, "relays"), join(bare.directory, "relays"), { recursive: true });
    await bare.close();
    const bareStore = await openFileStore(s, bare.directory);
    const adopting = makeLifecycle(s, bareStore);
    await adopting.lifecycle.tick(await s.c.publicClient.getBlockNumber());
    expect(adopting.events.filter((event) => event.type === "transaction")).toEqual([]);
    expect(adopting.events).toContainEqual(
      expect.objectContaining({ type: "claimed", claimKey: key, adopted: true }),
    );
    expect(await bareStore.getClaim(key)).toMatchObject({ status: "claimed", root: libraryRoot(s, rich) });
    await adopting.lifecycle.stop();
    await bareStore.close();

    // The restarted node: same store, new lifecycle.
    store = await openFileStore(s, directory);
    expect((await store.getClaim(key))?.status).toBe("claimed");
    const second = makeLifecycle(s, store);
    await drive(s, second.lifecycle, windows.settleFrom);
    expect(transactions(second.events, "claim")).toEqual([]);
    expect(transactions(second.events, "prove")).toHaveLength(1); // ~300 AVY: always required
    expect((await readClaim(s, key)).proven).toBe(true);
    const state = await store.getClaim(key);
    expect(state?.status).toBe("settled");
    const root = libraryRoot(s, rich);
    expect(state?.paid).toBe(
      await expectedOwnerPay(s, {
        application: s.richApp.address,
        session,
        amount: root.sum,
        total: root.sum,
      }),
    );
    expect(await store.sessions()).not.toContain(session);

    // A third life after settlement finds nothing to do.
    await second.lifecycle.stop();
    await store.close();
    store = await openFileStore(s, directory);
    const third = makeLifecycle(s, store);
    await drive(s, third.lifecycle, (await s.c.publicClient.getBlockNumber()) + 2n);
    expect(third.events).toEqual([]);
    await third.lifecycle.stop();
    await store.close();
  });
});
