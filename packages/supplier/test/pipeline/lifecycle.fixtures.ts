// Test fixtures for the SessionLifecycle integration tests: a devnet with the test model, one supplier (its
// own operator key, 2000 AVY staked: two claims' collateral at once), a rich application (delegating to a
// gateway), a poor one and a third one; relays signed with the devnet scenario utilities and appended to a
// store; a driver that ticks the lifecycle block by block.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, devnetSettlementParameters, startDevnet, token } from "@aviary/devnet";
import {
  aviaryRegistryAbi,
  buildSumTrie,
  pendingSessions,
  relayCost,
  relayValueHash,
  type SignedRelay,
  type SumTrie,
  sessionBudget,
  settlementPayout,
  splitPayment,
  type TrieNode,
} from "@aviary/protocol";
import {
  type Actor,
  actor,
  type Clients,
  clients,
  relayKeyOf,
  settlement,
  setUpNetwork,
  signRelay,
  testModelId,
} from "@aviary/testkit";
import { type Address, createWalletClient, type Hex, http, type PublicClient, type Transport } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { SessionLifecycle } from "../../src/pipeline/SessionLifecycle.ts";
import type { LifecycleEvent } from "../../src/pipeline/types.ts";
import { FileRelayStore } from "../../src/store/FileRelayStore.ts";
import type { RelayStore } from "../../src/store/RelayStore.ts";

export const sessionParams = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };
export const sourceShareBps = 1000;
export const settlementParameters = devnetSettlementParameters();
/** The supplier's stake: the collateral of two claims at once (each locks at least missingProofPenalty). */
export const supplierStake = token(2000);

export type LifecycleScenario = {
  devnet: Devnet;
  c: Clients;
  owner: Actor;
  operator: Actor;
  richApp: Actor;
  poorApp: Actor;
  /** A third application: three claims in one session need more collateral than the supplier has. */
  thirdApp: Actor;
  gateway: Actor;
  supplier: { inputPrice: bigint; outputPrice: bigint };
  directories: string[];
  stop(): Promise<void>;
};

/** Starts anvil with the contracts and stakes everyone (about a second). */
export async function startLifecycleScenario(): Promise<LifecycleScenario> {
  const devnet = await startDevnet({
    home: await mkdtemp(join(tmpdir(), "aviary-lifecycle-")),
    persist: false,
  });
  const c = clients(devnet);
  const owner = actor(devnet, "supplier-1");
  const operator = actor(devnet, "spare-1");
  const richApp = actor(devnet, "application");
  const poorApp = actor(devnet, "spare-2");
  const thirdApp = actor(devnet, "supplier-3");
  const gateway = actor(devnet, "gateway");
  // 0.01 AVY per input token, 0.05 per output token: a dozen relays of ~11 AVY pass the 100 AVY proof threshold.
  const supplier = { inputPrice: token("0.01"), outputPrice: token("0.05") };
  await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps,
    // 2000 AVY: each claim locks at least missingProofPenalty (1000 AVY) until it settles.
    suppliers: [{ owner, operator, ...supplier, stake: supplierStake }],
    gateway,
    applications: [
      { actor: richApp, stake: token(1000), delegateTo: gateway },
      { actor: poorApp, stake: token(100) },
      { actor: thirdApp, stake: token(100) },
    ],
  });
  const directories: string[] = [];
  return {
    devnet,
    c,
    owner,
    operator,
    richApp,
    poorApp,
    thirdApp,
    gateway,
    supplier,
    directories,
    async stop() {
      await devnet.stop();
      for (const directory of directories) await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A session no relay was served in yet: the one after the head's. */
export async function nextSession(s: LifecycleScenario): Promise<bigint> {
  return (await s.c.publicClient.getBlockNumber()) / sessionParams.sessionBlocks + 1n;
}

/** A new, opened file store in a fresh directory. */
export async function openFileStore(s: LifecycleScenario, directory?: string): Promise<FileRelayStore> {
  const where = directory ?? (await mkdtemp(join(tmpdir(), "aviary-lifecycle-store-")));
  if (!directory) s.directories.push(where);
  const store = new FileRelayStore({ directory: where });
  await store.open();
  return store;
}

let nonce = 1n;

/**
 * Signs `count` relays of `application` in `session` (requests signed in turn by each of `signers`) and
 * appends them to the store; returns them.
 */
export async function serveRelays(
  s: LifecycleScenario,
  store: RelayStore,
  parameters: {
    session: bigint;
    application: Actor;
    signers: Actor[];
    count: number;
    units: (index: number) => { inputUnits: bigint; outputUnits: bigint };
  },
): Promise<SignedRelay[]> {
  const relays: SignedRelay[] = [];
  for (let index = 0; index < parameters.count; index += 1) {
    const units = parameters.units(index);
    const request = {
      application: parameters.application.address,
      supplier: s.owner.address,
      model: testModelId,
      session: parameters.session,
      nonce: nonce++,
      bodyHash: `0x${(index + 1).toString(16).padStart(64, "0")}` as Hex,
      inputPrice: s.supplier.inputPrice,
      outputPrice: s.supplier.outputPrice,
      maxCost:
        (units.inputUnits + 10n) * s.supplier.inputPrice + (units.outputUnits + 10n) * s.supplier.outputPrice,
    };
    const signer = parameters.signers[index % parameters.signers.length] as Actor;
    const relay = await signRelay(s.c, request, signer, s.operator, units);
    relays.push(relay);
    await store.append({ relayKey: relayKeyOf(s.c, relay), ...relay, servedAt: Date.now() });
  }
  return relays;
}

/** The trie the library builds for relays when every relay is mined (devnet p = 1). */
export function libraryTrie(s: LifecycleScenario, relays: SignedRelay[]): SumTrie {
  return buildSumTrie(
    relays.map((relay) => ({
      key: relayKeyOf(s.c, relay),
      valueHash: relayValueHash(relay),
      weight: relayCost(relay),
    })),
  );
}

/** The root the library builds for relays when every relay is mined (devnet p = 1). */
export function libraryRoot(s: LifecycleScenario, relays: SignedRelay[]): TrieNode {
  return libraryTrie(s, relays).root();
}

/** A lifecycle for the scenario's supplier, collecting its events. */
export function makeLifecycle(
  s: LifecycleScenario,
  store: RelayStore,
  options: { publicClient?: PublicClient; transport?: Transport; receiptTimeoutMs?: number } = {},
): { lifecycle: SessionLifecycle; events: LifecycleEvent[]; logs: LoggedLine[] } {
  const events: LifecycleEvent[] = [];
  const logs: LoggedLine[] = [];
  const log =
    (level: LoggedLine["level"]) =>
    (fields: Record<string, unknown>, message: string): void => {
      logs.push({ level, fields, message });
    };
  const walletClient = createWalletClient({
    account: privateKeyToAccount(s.operator.privateKey),
    chain: s.c.chain,
    transport: options.transport ?? http(s.devnet.rpcUrl),
  });
  const lifecycle = new SessionLifecycle({
    store,
    publicClient: options.publicClient ?? (s.c.publicClient as PublicClient),
    walletClient,
    settlement: s.c.contracts.settlement,
    registry: s.c.contracts.registry,
    supplier: s.owner.address,
    domain: s.c.domain,
    sessionParams,
    pollingIntervalMs: 20,
    receiptTimeoutMs: options.receiptTimeoutMs ?? 10_000,
    logger: { info: log("info"), warn: log("warn"), error: log("error") },
    onEvent: (event) => events.push(event),
  });
  return { lifecycle, events, logs };
}

/** One line the lifecycle logged. */
export type LoggedLine = {
  level: "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
};

/**
 * Ticks the lifecycle at the head, mines a block, and again, until a tick ran at a head ≥ `until`
 * (transactions the lifecycle sends mine blocks too: anvil automines). `beforeTick` sees each head first.
 */
export async function drive(
  s: LifecycleScenario,
  lifecycle: SessionLifecycle,
  until: bigint,
  beforeTick?: (blockNumber: bigint) => void,
): Promise<void> {
  for (;;) {
    const head = await s.c.publicClient.getBlockNumber();
    beforeTick?.(head);
    await lifecycle.tick(head);
    if (head >= until) return;
    await s.c.testClient.mine({ blocks: 1 });
  }
}

export async function readClaim(s: LifecycleScenario, claimKey: Hex) {
  return s.c.publicClient.readContract({ ...settlement(s.c), functionName: "getClaim", args: [claimKey] });
}

/**
 * What settlement pays the supplier's owner for a claim, by the library: `settlementPayout` over the app's
 * session budget (`sessionBudget` of its stake at the session's start) and `splitPayment`.
 */
export async function expectedOwnerPay(
  s: LifecycleScenario,
  parameters: { application: Address; session: bigint; amount: bigint; total: bigint },
): Promise<bigint> {
  const stake = await s.c.publicClient.readContract({
    address: s.c.contracts.registry,
    abi: aviaryRegistryAbi,
    functionName: "applicationStakeAt",
    args: [parameters.application, parameters.session],
  });
  const budget = sessionBudget(stake, pendingSessions(sessionParams));
  const pay = settlementPayout({ amount: parameters.amount, total: parameters.total, budget });
  return splitPayment({ pay, sourceShareBps, protocolShareBps: settlementParameters.protocolShareBps })
    .toSupplier;
}
