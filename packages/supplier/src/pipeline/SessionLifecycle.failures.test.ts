// The lifecycle when things go wrong (anvil, real contracts): an RPC that refuses connections for a few
// blocks is retried and the claim and proof still land in their windows; missed windows end as `failed`
// with a clear reason, without a crash and without a transaction that would slash the supplier.
import { createServer } from "node:net";
import { claimKey, sessionWindows } from "@aviary/protocol";
import { settlement } from "@aviary/testkit";
import { createPublicClient, custom, type EIP1193RequestFn, type Hex, http, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
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
} from "../../test/pipeline/lifecycle.fixtures.ts";
import type { LifecycleEvent } from "./types.ts";

let s: LifecycleScenario;

beforeAll(async () => {
  s = await startLifecycleScenario();
});

afterAll(async () => {
  await s?.stop();
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

const transactions = (events: LifecycleEvent[], action?: string) =>
  events.filter((event) => event.type === "transaction" && (action === undefined || event.action === action));

describe("SessionLifecycle failures (anvil, real contracts)", () => {
  test("test_lifecycle_rpcDown_isRetried_andStillLandsInTheWindows", async () => {
    // Every call of the lifecycle goes to the chain, or to a closed port while it is down: wholly (`all`),
    // or only for what sending a transaction needs (`writes`: reads work, sends fail).
    const chain = createPublicClient({ transport: http(s.devnet.rpcUrl) });
    const dead = createPublicClient({
      transport: http(`http://127.0.0.1:${await closedPort()}`, { retryCount: 0 }),
    });
    const writeMethods = new Set(["eth_sendRawTransaction", "eth_estimateGas", "eth_getTransactionCount"]);
    let down: "no" | "all" | "writes" = "no";
    const request = ((parameters: Parameters<EIP1193RequestFn>[0]) =>
      (down === "all" || (down === "writes" && writeMethods.has(parameters.method)) ? dead : chain).request(
        parameters as never,
      )) as EIP1193RequestFn;
    const transport = custom({ request }, { retryCount: 0 });
    const publicClient = createPublicClient({
      chain: s.c.chain,
      transport,
      pollingInterval: 20,
      cacheTime: 0,
    });

    const store = await openFileStore(s);
    const session = await nextSession(s);
    const windows = sessionWindows(session, sessionParams);
    const relays = await serveRelays(s, store, {
      session,
      application: s.richApp,
      signers: [s.richApp, s.gateway],
      count: 8,
      units: (index) => ({ inputUnits: BigInt(150 + index), outputUnits: BigInt(250 + index) }),
    });
    const key = claimKey({
      supplier: s.owner.address,
      application: s.richApp.address,
      model: relays[0]?.request.model as Hex,
      session,
    });
    const { lifecycle, events } = makeLifecycle(s, store, {
      publicClient: publicClient as PublicClient,
      transport,
    });

    // Claims are built from claimStart + 1 (claimAfterBlocks 1): down for two blocks from there, two more for
    // sends only; the proof step starts at the seed block: down for sends, then wholly.
    const outages = new Map<bigint, "all" | "writes">([
      [windows.claimStart + 1n, "all"],
      [windows.claimStart + 2n, "writes"],
      [windows.claimStart + 3n, "writes"],
      [windows.proofSeedBlock, "writes"],
      [windows.proofSeedBlock + 1n, "all"],
    ]);
    await drive(s, lifecycle, windows.settleFrom, (head) => {
      down = outages.get(head) ?? "no";
    });
    down = "no";

    const retries = events.filter((event) => event.type === "retry");
    expect(retries.length).toBe(outages.size);
    const actions = retries.map((event) => (event.type === "retry" ? event.action.split(":")[0] : ""));
    expect(actions).toEqual(["session", "claim", "claim", "record-seed", "session"]);
    expect(
      retries.every(
        (event) =>
          event.type === "retry" && /fetch failed|ECONNREFUSED|HTTP request failed/i.test(event.message),
      ),
    ).toBe(true);
    expect(events.filter((event) => event.type === "failed")).toEqual([]);
    // One claim, one proof, one settlement: a failed attempt never left a second transaction behind.
    expect(transactions(events, "claim")).toHaveLength(1);
    expect(transactions(events, "prove")).toHaveLength(1);
    expect(transactions(events, "settle")).toHaveLength(1);
    const onChain = await readClaim(s, key);
    expect(onChain.root).toEqual(libraryRoot(s, relays));
    expect(onChain.proven).toBe(true);
    expect(onChain.settled).toBe(true);
    const root = libraryRoot(s, relays);
    expect((await store.getClaim(key))?.paid).toBe(
      await expectedOwnerPay(s, {
        application: s.richApp.address,
        session,
        amount: root.sum,
        total: root.sum,
      }),
    );
    expect(await store.sessions()).not.toContain(session);
    await lifecycle.stop();
    await store.close();
  });

  test("test_lifecycle_receiptTimeout_waitsForThePendingTransaction_neverSendsASecond", async () => {
    const store = await openFileStore(s);
    const session = await nextSession(s);
    const windows = sessionWindows(session, sessionParams);
    const relays = await serveRelays(s, store, {
      session,
      application: s.poorApp,
      signers: [s.poorApp],
      count: 2,
      units: () => ({ inputUnits: 10n, outputUnits: 20n }),
    });
    const key = claimKey({
      supplier: s.owner.address,
      application: s.poorApp.address,
      model: relays[0]?.request.model as Hex,
      session,
    });
    const { lifecycle, events } = makeLifecycle(s, store, { receiptTimeoutMs: 300 });
    await s.c.mineTo(windows.claimStart + 1n);
    // Blocks now come only when the test mines them: the claim stays pending past the receipt timeout.
    await s.c.testClient.setAutomine(false);
    try {
      const head = await s.c.publicClient.getBlockNumber();
      // A tick while another runs is skipped.
      expect(await Promise.all([lifecycle.tick(head), lifecycle.tick(head)])).toEqual([true, false]);
      expect(transactions(events, "claim")).toHaveLength(1);
      expect(events).toContainEqual(expect.objectContaining({ type: "retry", action: `claim:${key}` }));
      // Still pending: looked at, not sent again.
      await lifecycle.tick(head);
      await lifecycle.tick(head);
      expect(transactions(events, "claim")).toHaveLength(1);
      await s.c.testClient.mine({ blocks: 1 });
      await lifecycle.tick(head + 1n);
    } finally {
      await s.c.testClient.setAutomine(true);
    }
    expect(transactions(events, "claim")).toHaveLength(1);
    expect((await store.getClaim(key))?.status).toBe("claimed");
    expect((await readClaim(s, key)).root).toEqual(libraryRoot(s, relays));
    await drive(s, lifecycle, windows.settleFrom);
    expect((await store.getClaim(key))?.status).toBe("settled");
    expect(transactions(events, "claim")).toHaveLength(1);
    await lifecycle.stop();
    await store.close();
  });

  test("test_lifecycle_claimWindowMissed_endsFailedWithReason_andPrunes", async () => {
    const store = await openFileStore(s);
    const session = await nextSession(s);
    const windows = sessionWindows(session, sessionParams);
    const relays = await serveRelays(s, store, {
      session,
      application: s.poorApp,
      signers: [s.poorApp],
      count: 3,
      units: () => ({ inputUnits: 10n, outputUnits: 20n }),
    });
    const key = claimKey({
      supplier: s.owner.address,
      application: s.poorApp.address,
      model: relays[0]?.request.model as Hex,
      session,
    });
    const { lifecycle, events } = makeLifecycle(s, store);

    // The node was down for the whole claim window.
    await s.c.mineTo(windows.claimEnd + 2n);
    expect(await lifecycle.tick(await s.c.publicClient.getBlockNumber())).toBe(true);

    const state = await store.getClaim(key);
    expect(state?.status).toBe("failed");
    expect(state?.error).toMatch(
      new RegExp(
        `^claim window \\[${windows.claimStart}, ${windows.claimEnd}\\] closed \\(head block ${windows.claimEnd + 2n}\\) before a claim landed`,
      ),
    );
    expect(state?.root).toEqual(libraryRoot(s, relays));
    expect(events).toContainEqual(expect.objectContaining({ type: "failed", stage: "claim", claimKey: key }));
    expect(transactions(events)).toEqual([]);
    expect((await readClaim(s, key)).root.count).toBe(0n);
    expect(await store.sessions()).not.toContain(session);
    await drive(s, lifecycle, windows.settleFrom);
    expect(transactions(events)).toEqual([]);
    await lifecycle.stop();
    await store.close();
  });

  test("test_lifecycle_proofWindowMissed_failsWithoutSettling", async () => {
    const store = await openFileStore(s);
    const session = await nextSession(s);
    const windows = sessionWindows(session, sessionParams);
    const relays = await serveRelays(s, store, {
      session,
      application: s.poorApp,
      signers: [s.poorApp],
      count: 2,
      units: () => ({ inputUnits: 5n, outputUnits: 5n }),
    });
    const key = claimKey({
      supplier: s.owner.address,
      application: s.poorApp.address,
      model: relays[0]?.request.model as Hex,
      session,
    });
    const { lifecycle, events } = makeLifecycle(s, store);
    await drive(s, lifecycle, windows.claimStart + 2n);
    expect((await store.getClaim(key))?.status).toBe("claimed");

    // Down for the whole proof window: nobody stored the proof seed, so the claim counts as requiring a proof.
    await s.c.mineTo(windows.settleFrom + 1n);
    await drive(s, lifecycle, windows.settleFrom + 2n);
    const state = await store.getClaim(key);
    expect(state?.status).toBe("failed");
    expect(state?.error).toContain("the proof seed was never stored");
    expect(events).toContainEqual(expect.objectContaining({ type: "failed", stage: "proof", claimKey: key }));
    // Settling would slash the supplier's own stake: the node leaves it.
    expect(transactions(events, "settle")).toEqual([]);
    expect((await readClaim(s, key)).settled).toBe(false);
    expect(
      await s.c.publicClient.readContract({
        ...settlement(s.c),
        functionName: "isProofRequired",
        args: [key],
      }),
    ).toBe(true);
    expect(await store.sessions()).not.toContain(session);
    await lifecycle.stop();
    await store.close();
  });
});
