// The lifecycle against anvil and the real contracts: relays signed with the devnet scenario utilities go
// into a FileRelayStore; ticking block by block must claim the library's roots (locking their collateral),
// prove what the contract requires with the leaves the library draws (the contract accepts them), get paid
// what the library computes, and prune; a restart resumes without sending anything twice; a claim whose
// collateral the stake cannot cover is logged and never sent.
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { claimKey, proveClaim, type SignedRelay, sessionWindows } from "@aviary/protocol";
import { getProofSeed, getSupplierCollateral } from "@aviary/sdk";
import { relayKeyOf, settlement } from "@aviary/testkit";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  drive,
  expectedOwnerPay,
  type LifecycleScenario,
  libraryRoot,
  libraryTrie,
  makeLifecycle,
  nextSession,
  openFileStore,
  readClaim,
  serveRelays,
  sessionParams,
  settlementParameters,
  startLifecycleScenario,
  supplierStake,
} from "../../test/pipeline/lifecycle.fixtures.ts";
import type { FileRelayStore } from "../store/FileRelayStore.ts";
import type { RelayRecord } from "../store/RelayStore.ts";
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

const collateralOf = () =>
  getSupplierCollateral(s.c.publicClient, { registry: s.c.contracts.registry, supplier: s.owner.address });

/** The leaves the library draws for a claim (by sum, by count) once the proof seed is stored. */
async function libraryDraws(session: bigint, key: Hex, relays: SignedRelay[]) {
  const { seed } = await getProofSeed(s.c.publicClient, { settlement: s.c.contracts.settlement, session });
  if (!seed) throw new Error("the proof seed is not stored");
  const proofs = proveClaim(libraryTrie(s, relays), { proofSeed: seed, claimKey: key });
  return { sum: proofs[0]?.key, count: proofs.at(-1)?.key, proofs: proofs.length };
}

const provenEvent = (events: LifecycleEvent[], key: Hex) =>
  events.find((event) => event.type === "proven" && event.claimKey === key && !event.adopted);

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
    // Each claim locks max(missingProofPenalty, amount) of the stake: here the penalty, 1000 AVY each.
    expect(await collateralOf()).toEqual({
      locked: 2n * settlementParameters.missingProofPenalty,
      unlocked: supplierStake - 2n * settlementParameters.missingProofPenalty,
    });

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
        // The contract accepted the leaves the library draws by sum and by count.
        const drawn = await libraryDraws(session, plan.claimKey, plan.relays);
        const proven = provenEvent(events, plan.claimKey);
        expect(proven).toMatchObject({ relayKeys: { sum: drawn.sum, count: drawn.count } });
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
    // Settlement released the collateral.
    expect(await collateralOf()).toEqual({ locked: 0n, unlocked: supplierStake });

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

  test("test_lifecycle_oneRelayClaim_isProvenWithOneLeafProof", async () => {
    const store = await openFileStore(s);
    const session = await nextSession(s);
    const windows = sessionWindows(session, sessionParams);
    // One relay of ~101 AVY: above the proof threshold, and both draws land on the only leaf.
    const relays = await serveRelays(s, store, {
      session,
      application: s.richApp,
      signers: [s.richApp],
      count: 1,
      units: () => ({ inputUnits: 100n, outputUnits: 2000n }),
    });
    const key = claimKey({
      supplier: s.owner.address,
      application: s.richApp.address,
      model: relays[0]?.request.model as Hex,
      session,
    });
    const { lifecycle, events } = makeLifecycle(s, store);
    await drive(s, lifecycle, windows.proofEnd - 1n);
    expect((await readClaim(s, key)).proven).toBe(true);
    const drawn = await libraryDraws(session, key, relays);
    expect(drawn.proofs).toBe(1);
    const relayKey = relayKeyOf(s.c, relays[0] as SignedRelay);
    expect(provenEvent(events, key)).toMatchObject({ relayKeys: { sum: relayKey, count: relayKey } });
    await drive(s, lifecycle, windows.settleFrom);
    expect((await store.getClaim(key))?.status).toBe("settled");
    expect(events.filter((event) => event.type === "failed" || event.type === "retry")).toEqual([]);
    await lifecycle.stop();
    await store.close();
  });

  test("test_lifecycle_claimBeyondCollateral_isLoggedAndNotSent_othersClaimAndSettle", async () => {
    expect(await collateralOf()).toEqual({ locked: 0n, unlocked: supplierStake });
    const store = await openFileStore(s);
    const session = await nextSession(s);
    const windows = sessionWindows(session, sessionParams);
    // Three claims in one session, each locking 1000 AVY, against 2000 AVY of stake: one cannot be sent.
    // The largest amounts go first: rich (~50 AVY), then poor (~3.3), then the third (~0.3) is left out.
    const plans = await Promise.all(
      [
        { application: s.richApp, inputUnits: 1000n, outputUnits: 800n, count: 1 },
        { application: s.poorApp, inputUnits: 10n, outputUnits: 20n, count: 3 },
        { application: s.thirdApp, inputUnits: 5n, outputUnits: 5n, count: 1 },
      ].map(async (plan) => {
        const relays = await serveRelays(s, store, {
          session,
          application: plan.application,
          signers: [plan.application],
          count: plan.count,
          units: () => ({ inputUnits: plan.inputUnits, outputUnits: plan.outputUnits }),
        });
        const key = claimKey({
          supplier: s.owner.address,
          application: plan.application.address,
          model: relays[0]?.request.model as Hex,
          session,
        });
        return { key, relays };
      }),
    );
    const [rich, poor, third] = plans as [(typeof plans)[0], (typeof plans)[0], (typeof plans)[0]];
    const { lifecycle, events, logs } = makeLifecycle(s, store);

    await drive(s, lifecycle, windows.claimEnd - 1n);
    expect((await readClaim(s, rich.key)).root).toEqual(libraryRoot(s, rich.relays));
    expect((await readClaim(s, poor.key)).root).toEqual(libraryRoot(s, poor.relays));
    expect((await readClaim(s, third.key)).root.count).toBe(0n);
    // Never sent (the contract would have refused it with InsufficientCollateral).
    expect(transactions(events, "claim")).toHaveLength(2);
    expect(events.some((event) => event.type === "transaction" && event.claimKey === third.key)).toBe(false);
    // Logged with which claim, what it needs and what is left, on every block it was tried.
    const warnings = logs.filter((line) => line.level === "warn" && line.fields.claimKey === third.key);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]?.message).toMatch(/^claim not sent: insufficient collateral/);
    expect(warnings[0]?.fields).toMatchObject({
      session: session.toString(),
      required: settlementParameters.missingProofPenalty.toString(),
      available: "0",
    });
    expect(events).toContainEqual({
      type: "insufficient-collateral",
      session,
      claimKey: third.key,
      required: settlementParameters.missingProofPenalty,
      available: 0n,
    });

    // Once the claim window closes it fails with the reason; the others are proven or not, and settle.
    await drive(s, lifecycle, windows.settleFrom);
    const failed = await store.getClaim(third.key);
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toMatch(
      /last error: insufficient collateral: the claim locks 1000000000000000000000/,
    );
    for (const plan of [rich, poor]) expect((await store.getClaim(plan.key))?.status).toBe("settled");
    expect(transactions(events, "claim")).toHaveLength(2);
    expect(await collateralOf()).toEqual({ locked: 0n, unlocked: supplierStake });
    expect(await store.sessions()).not.toContain(session);
    await lifecycle.stop();
    await store.close();
  });
});
