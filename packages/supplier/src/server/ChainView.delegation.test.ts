// ChainView's delegation view on real anvil and the real registry: a session's delegate set read once per
// (application, session) gives `isDelegatedAt`'s verdict for every gateway, across random delegate /
// undelegate sequences; a flood of relays signed by random keys costs no chain read each; a node without
// historical state falls back to `isDelegatedAt`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, startDevnet, token } from "@aviary/devnet";
import { encodeRelayHeader, type RelayRequest, seededRandom, signRelayRequest } from "@aviary/protocol";
import {
  type Actor,
  actor,
  approveRegistry,
  type Clients,
  clients,
  devnetSessionParams,
  registry,
  setUpNetwork,
} from "@aviary/testkit";
import {
  type Address,
  createPublicClient,
  custom,
  type EIP1193RequestFn,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  toBytes,
} from "viem";
import { generatePrivateKey } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Backend } from "../backends/Backend.ts";
import { BudgetMeter } from "./BudgetMeter.ts";
import { ChainView } from "./ChainView.ts";
import { NonceGuard } from "./NonceGuard.ts";
import { verifyRelay } from "./verifyRelay.ts";

const L = devnetSessionParams.sessionBlocks;
let devnet: Devnet;
let c: Clients;
let applications: Actor[];
let gateways: Actor[];
let supplier: Actor;
let modelId: Hex;
/** Sessions the random sequence ran through. */
const sessions: bigint[] = [];

/** A public client on the devnet counting its RPC calls by method; `history: false` fails reads at old blocks. */
function countingClient(options: { history?: boolean } = {}): {
  publicClient: PublicClient;
  calls: Map<string, number>;
} {
  const calls = new Map<string, number>();
  const inner = http(devnet.rpcUrl)({ chain: c.chain, retryCount: 0 });
  const request = (async (args: { method: string; params?: unknown }) => {
    calls.set(args.method, (calls.get(args.method) ?? 0) + 1);
    const params = args.params as unknown[] | undefined;
    if (options.history === false && args.method === "eth_call" && params?.[1] !== "latest") {
      throw new Error("missing trie node (state is not available)");
    }
    return inner.request(args as never);
  }) as EIP1193RequestFn;
  const publicClient = createPublicClient({
    chain: c.chain,
    transport: custom({ request }, { retryCount: 0 }),
    cacheTime: 0,
  }) as PublicClient;
  return { publicClient, calls };
}

const view = (publicClient: PublicClient, maxApplications?: number) =>
  new ChainView({
    publicClient,
    registry: c.contracts.registry,
    supplier: supplier.address,
    sessionParams: devnetSessionParams,
    maxApplications,
  });

const isDelegatedAt = (application: Address, gateway: Address, session: bigint) =>
  c.publicClient.readContract({
    ...registry(c),
    functionName: "isDelegatedAt",
    args: [application, gateway, session],
  });

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), "aviary-delegation-"));
  devnet = await startDevnet({ home, persist: false });
  c = clients(devnet);
  supplier = actor(devnet, "supplier-1");
  applications = [actor(devnet, "application"), actor(devnet, "spare-2")];
  gateways = [actor(devnet, "gateway"), actor(devnet, "spare-1"), actor(devnet, "supplier-2")];
  const setup = await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps: 1000,
    suppliers: [{ owner: supplier, operator: actor(devnet, "supplier-3"), inputPrice: 1n, outputPrice: 1n }],
    gateway: gateways[0],
    applications: applications.map((application) => ({ actor: application, stake: token(100) })),
    model: { name: "delegation-model", weightsDigest: keccak256(toBytes("delegation")) },
  });
  modelId = setup.modelId;
  for (const gateway of gateways.slice(1)) {
    await approveRegistry(c, gateway);
    await c.send(gateway, { ...registry(c), functionName: "stakeGateway", args: [token(100), "http://x/"] });
  }

  // Random delegate / undelegate sequences, a few actions a round (sometimes undoing one in the same
  // session); each round starts two blocks before a session boundary up to one after it, so actions land on a
  // session's last block and on the next one's first block too.
  const seed = Number(process.env.DELEGATION_SEED ?? 0x5eed);
  const next = seededRandom(seed);
  const delegated = applications.map(() => new Set<number>());
  let boundary = setup.session * L;
  for (let round = 0; round < 8; round += 1) {
    boundary += L;
    await c.mineTo(boundary - 2n + BigInt(Math.floor(next() * 4)));
    const actions = Math.floor(next() * 5);
    for (let action = 0; action < actions; action += 1) {
      const which = Math.floor(next() * applications.length);
      const application = applications[which] as Actor;
      const gateway = Math.floor(next() * gateways.length);
      const current = delegated[which] as Set<number>;
      const functionName = current.has(gateway) ? "undelegate" : "delegate";
      if (functionName === "delegate") current.add(gateway);
      else current.delete(gateway);
      await c.send(application, {
        ...registry(c),
        functionName,
        args: [(gateways[gateway] as Actor).address],
      });
    }
  }
  await c.mineTo(boundary + L);
  for (let session = setup.session; session <= boundary / L + 1n; session += 1n) sessions.push(session);
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

describe("ChainView: delegation view", () => {
  test("test_isDelegated_randomSequences_equalsIsDelegatedAt", async () => {
    const { publicClient, calls } = countingClient();
    const chain = view(publicClient);
    await chain.start();
    let checked = 0;
    let delegatedSeen = 0;
    for (const session of sessions) {
      for (const application of applications) {
        for (const gateway of gateways) {
          const expected = await isDelegatedAt(application.address, gateway.address, session);
          expect(
            await chain.isDelegated(application.address, gateway.address, session),
            `${application.address} → ${gateway.address} in session ${session}`,
          ).toBe(expected);
          checked += 1;
          if (expected) delegatedSeen += 1;
        }
      }
    }
    expect(checked).toBe(sessions.length * applications.length * gateways.length);
    expect(delegatedSeen).toBeGreaterThan(0); // the sequence did delegate something
    // One read per (application, session), whatever the number of gateways asked about.
    expect(calls.get("eth_call")).toBe(sessions.length * applications.length);
  });

  test("test_isDelegated_withoutHistory_fallsBackToIsDelegatedAt", async () => {
    const { publicClient, calls } = countingClient({ history: false });
    const chain = view(publicClient);
    await chain.start();
    for (const session of sessions.slice(-3)) {
      for (const gateway of gateways) {
        const application = applications[0] as Actor;
        expect(await chain.isDelegated(application.address, gateway.address, session)).toBe(
          await isDelegatedAt(application.address, gateway.address, session),
        );
      }
    }
    // Per session: one failed historical read, then isDelegatedAt (served by the latest state) per gateway.
    expect(calls.get("eth_call")).toBe(3 * (1 + gateways.length));
  });

  test("test_delegates_boundedApplications_dropsTheLeastRecentlyUsed", async () => {
    const { publicClient, calls } = countingClient();
    const chain = view(publicClient, 1);
    const session = sessions.at(-1) as bigint;
    const [first, second] = applications as [Actor, Actor];
    await chain.delegates(first.address, session);
    await chain.delegates(first.address, session);
    expect(calls.get("eth_call")).toBe(1);
    await chain.delegates(second.address, session);
    await chain.delegates(first.address, session); // dropped: read again
    expect(calls.get("eth_call")).toBe(3);
  });

  test("test_verifyRelay_floodSignedByRandomKeys_isRefusedWithoutAChainReadEach", async () => {
    const { publicClient, calls } = countingClient();
    const chain = view(publicClient);
    await chain.start();
    const session = sessions.at(-1) as bigint;
    const domain = { chainId: devnet.chainId, verifyingContract: c.contracts.settlement };
    const modelName = "delegation-model";
    const backend = {
      description: "stub",
      supports: () => true,
      capabilities: () => ({
        backend: "embedded",
        tools: true,
        jsonSchema: true,
        logprobs: true,
        images: false,
        contextLength: 2048,
      }),
    } as unknown as Backend;
    const context = {
      supplier: supplier.address,
      domain,
      sessionParams: devnetSessionParams,
      models: new Map([
        [modelId.toLowerCase(), { name: modelName, modelId, backend, inputPrice: 1n, outputPrice: 1n }],
      ]),
      chain,
      nonces: new NonceGuard(),
      meter: new BudgetMeter(),
    };
    const body = JSON.stringify({ model: modelName, messages: [{ role: "user", content: "hi" }] });
    const bodyBytes = new TextEncoder().encode(body);
    calls.clear();
    const relays = 200;
    const headers = await Promise.all(
      Array.from({ length: relays }, async (_, index) => {
        const request: RelayRequest = {
          application: (applications[0] as Actor).address,
          supplier: supplier.address,
          model: modelId,
          session,
          nonce: BigInt(index + 1),
          bodyHash: keccak256(toBytes(body)),
          inputPrice: 1n,
          outputPrice: 1n,
          maxCost: 1000n,
        };
        const signature = await signRelayRequest({ domain, request, signer: generatePrivateKey() });
        return encodeRelayHeader({ request, signature });
      }),
    );
    const verdicts = await Promise.all(
      headers.map((header) => verifyRelay(context, "chat/completions", header, bodyBytes)),
    );
    for (const verdict of verdicts) {
      expect(verdict).toMatchObject({ status: 403, code: "gateway_not_delegated" });
    }
    const reads = [...calls.values()].reduce((sum, count) => sum + count, 0);
    expect(reads).toBeLessThanOrEqual(2);
    expect(calls.get("eth_call")).toBe(1);
  });
});
