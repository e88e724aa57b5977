// No false accusations (issue 15): an application relays directly with its own key (`createAviaryFetch`) beside
// its gateway's traffic, and delegates to two gateways at once, over several sessions; real supplier nodes claim,
// prove and settle on the devnet. The claims then hold relays each gateway never saw: no honest supplier loses
// reputation at either gateway or gets evidence. A supplier whose relay log re-signs, with inflated units, the
// receipts of relays a gateway signed (an equivocation: the client got one receipt, the claim proves another)
// still loses reputation at that gateway (the second one, which signs for the first application only), and the
// evidence is published with the signed request and both receipts.

import { token } from "@aviary/devnet";
import {
  claimKey as computeClaimKey,
  type RelayReceipt,
  recoverDigestSigner,
  signRelayReceipt,
} from "@aviary/protocol";
import type { RelayRecord } from "@aviary/supplier";
import {
  type Actor,
  actor,
  approveRegistry,
  devnetSessionParams,
  driveSessionToSettlement,
  registry,
} from "@aviary/testkit";
import {
  directOpenAiClient,
  startNetworkGateway,
  startTestNetwork,
  type TestNetwork,
  testModelName,
} from "@aviary/testkit/network";
import OpenAI from "openai";
import { type Hex, hexToBytes, isAddressEqual } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EQUIVOCATION_CHECK } from "../src/reconcile/equivocationEvidence.ts";
import type { GatewayNode } from "../src/startGateway.ts";

/** The cheater's prices: high enough that one of its claims always reaches the proof threshold (100 AVY). */
const cheaterPrice = 2n * 10n ** 18n;
const L = devnetSessionParams.sessionBlocks;
/** Relays per route and session (three routes: gateway A, gateway B, direct). */
const relaysPerRoute = 12;

let network: TestNetwork;
let gatewayA: GatewayNode;
let gatewayB: GatewayNode;
let clientA: OpenAI;
let clientB: OpenAI;
let direct: OpenAI;
let honest: string[];
let cheater: string;

type Published = {
  suppliers: { address: string; reputation: number; failures: number }[];
};
type PublishedEvidence = {
  evidence: {
    supplier: string;
    kind: string;
    check: string;
    relayKey: string;
    request: { request: { supplier: string }; signature: string };
    receipt: { receipt: RelayReceipt; proven: { receipt: RelayReceipt; signature: string } };
  }[];
};

const json = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

/** A supplier's stats as a gateway publishes them (`/public/v1/suppliers`). */
async function published(gateway: GatewayNode, supplier: string) {
  const { suppliers } = await json<Published>(`${gateway.url}/public/v1/suppliers`);
  return suppliers.find((entry) => entry.address.toLowerCase() === supplier.toLowerCase());
}

/** Waits until a gateway's reconciliation has covered `block` (claims and proofs). */
async function reconciledThrough(gateway: GatewayNode, block: bigint): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const gauge = await gateway.metrics.registry.getSingleMetric("aviary_gateway_reconciled_block")?.get();
    if ((gauge?.values[0]?.value ?? 0) >= Number(block)) return;
    if (Date.now() > deadline) throw new Error(`the gateway did not reconcile through block ${block}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function metric(gateway: GatewayNode, name: string, outcome?: string): Promise<number> {
  const values = (await gateway.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values
    .filter((value) => outcome === undefined || value.labels.outcome === outcome)
    .reduce((sum, value) => sum + value.value, 0);
}

/**
 * Makes supplier `index` keep, for every relay it serves, a receipt re-signed with the most input units the
 * request's `maxCost` allows, while the client still gets the honest receipt: its claims then prove receipts
 * the gateway never received.
 */
function equivocate(index: number, operator: Actor): void {
  const store = network.suppliers[index]?.node?.store;
  if (!store) throw new Error(`supplier ${index} is not running`);
  const append = store.append.bind(store);
  store.append = async (record: RelayRecord) => {
    const { request, receipt } = record;
    const room = request.maxCost - receipt.outputUnits * request.outputPrice;
    const inputUnits = request.inputPrice > 0n ? room / request.inputPrice : receipt.inputUnits;
    if (inputUnits <= receipt.inputUnits) return append(record);
    const inflated = { ...receipt, inputUnits };
    const receiptSignature = await signRelayReceipt({
      domain: network.c.domain,
      receipt: inflated,
      signer: operator.privateKey,
    });
    return append({ ...record, receipt: inflated, receiptSignature });
  };
}

/**
 * `count` relays, one after the other, to `suppliers` in turn, two each (a gateway's applications take turns
 * too: every supplier serves every application).
 */
async function load(client: OpenAI, route: string, session: bigint, suppliers: string[], count: number) {
  for (let index = 0; index < count; index++) {
    const supplier = suppliers[Math.floor(index / 2) % suppliers.length] as string;
    const body = {
      model: testModelName,
      messages: [{ role: "user" as const, content: `${route} relay ${index} of session ${session}` }],
      max_tokens: 8,
      provider: { only: [supplier], allow_fallbacks: false },
    };
    const completion = await client.chat.completions.create(
      body as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
    );
    expect(completion.choices[0]?.message).toBeDefined();
  }
}

/** The claims a session's relays through either gateway are in (the direct relays share them). */
async function claimKeysOf(session: bigint) {
  const keys = new Set<`0x${string}`>();
  for (const gateway of [gatewayA, gatewayB]) {
    for (const receipt of await gateway.store.receiptsFor({ session })) {
      keys.add(
        computeClaimKey({
          supplier: receipt.supplier as `0x${string}`,
          application: receipt.application as `0x${string}`,
          model: network.modelId,
          session,
        }),
      );
    }
  }
  return [...keys];
}

beforeAll(async () => {
  network = await startTestNetwork({
    suppliers: 3,
    prices: [undefined, undefined, { inputPrice: cheaterPrice, outputPrice: cheaterPrice }],
  });
  const [first, second, third] = network.suppliers;
  if (!first || !second || !third) throw new Error("the network has three suppliers");
  honest = [first.owner.address, second.owner.address];
  cheater = third.owner.address;
  equivocate(2, third.owner);
  // A second gateway, which the first application also delegates to (from the next session).
  const [application] = network.applications;
  if (!application) throw new Error("the network has applications");
  const secondGateway = actor(network.devnet, "spare-1");
  await approveRegistry(network.c, secondGateway);
  await network.c.send(secondGateway, {
    ...registry(network.c),
    functionName: "stakeGateway",
    args: [token(100), "http://127.0.0.1:9/"],
  });
  await network.c.send(application, {
    ...registry(network.c),
    functionName: "delegate",
    args: [secondGateway.address],
  });
  const head = await network.c.publicClient.getBlockNumber();
  await network.c.mineTo((head / L + 1n) * L);
  gatewayA = await startNetworkGateway(network, { defaultMaxTokens: 8 });
  gatewayB = await startNetworkGateway(network, {
    gatewayKey: secondGateway.privateKey,
    applications: [application.address],
    defaultMaxTokens: 8,
  });
  clientA = new OpenAI({
    apiKey: (await gatewayA.store.createKey({ name: "a" })).key,
    baseURL: `${gatewayA.url}/v1`,
    maxRetries: 0,
  });
  clientB = new OpenAI({
    apiKey: (await gatewayB.store.createKey({ name: "b" })).key,
    baseURL: `${gatewayB.url}/v1`,
    maxRetries: 0,
  });
  direct = directOpenAiClient(network, { defaultMaxTokens: 8 });
}, 120_000);

afterAll(async () => {
  await gatewayA?.stop();
  await gatewayB?.stop();
  await network?.stop();
});

describe("claims reconciliation under the direct route and two gateways", () => {
  it("accuses no honest supplier over several sessions, and still catches an equivocating one", async () => {
    let reputationAfterLoad = new Map<string, { reputation: number; failures: number }>();
    let cheaterAfterLoad = 0;
    for (let round = 0; round < 3; round++) {
      // A fresh session, two blocks in: the gateways name the session of the head − 2.
      const head = await network.c.publicClient.getBlockNumber();
      const session = head / L + 1n;
      await network.c.mineTo(session * L + 2n);
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // gateways, suppliers and the SDK see it
      await Promise.all([
        load(clientA, "gateway A", session, honest, relaysPerRoute),
        load(clientB, "gateway B", session, honest, relaysPerRoute),
        load(direct, "direct", session, honest, relaysPerRoute),
        // The equivocating supplier serves gateway B in the first session only: one claim to prove (each
        // report of an equivocation mines a block of the proof window), two relays within the session budget.
        round === 0 ? load(clientB, "gateway B to the cheater", session, [cheater], 2) : Promise.resolve(),
      ]);
      if (round === 0) cheaterAfterLoad = gatewayB.book.get(cheater)?.reputation ?? 0;
      reputationAfterLoad = new Map(
        [gatewayA, gatewayB].flatMap((gateway, which) =>
          honest.map((supplier) => {
            const stats = gateway.book.get(supplier);
            return [
              `${which}:${supplier}`,
              { reputation: stats?.reputation ?? 0, failures: stats?.failures ?? 0 },
            ];
          }),
        ),
      );
      const claimKeys = await claimKeysOf(session);
      // The honest suppliers for both applications (and the cheater's claim in the first session).
      expect(claimKeys).toHaveLength(round === 0 ? 5 : 4);
      await driveSessionToSettlement(network.c, session, claimKeys);
    }
    const end = await network.c.publicClient.getBlockNumber();
    await Promise.all([reconciledThrough(gatewayA, end), reconciledThrough(gatewayB, end)]);

    // Each gateway saw claims larger than its own receipts (the other gateway's and the direct relays): reported
    // as unreconciled, not as evidence.
    expect(await metric(gatewayA, "aviary_gateway_unreconciled_claims_total")).toBeGreaterThan(0);
    expect(await metric(gatewayB, "aviary_gateway_unreconciled_claims_total")).toBeGreaterThan(0);

    // No honest supplier lost reputation or got evidence, at either gateway.
    for (const [which, gateway] of [gatewayA, gatewayB].entries()) {
      for (const supplier of honest) {
        const before = reputationAfterLoad.get(`${which}:${supplier}`);
        const stats = await published(gateway, supplier);
        expect(stats?.failures).toBe(before?.failures);
        expect(stats?.reputation).toBeGreaterThanOrEqual(before?.reputation ?? 100);
        const { evidence } = await json<PublishedEvidence>(
          `${gateway.url}/public/v1/evidence?supplier=${supplier}`,
        );
        expect(evidence).toEqual([]);
      }
    }
    expect((await json<PublishedEvidence>(`${gatewayA.url}/public/v1/evidence`)).evidence).toEqual([]);

    // The equivocating supplier: its proof carries receipts gateway B never received, for requests gateway B
    // signed. Reputation lost, evidence published with the signed request and both receipts.
    const cheaterStats = await published(gatewayB, cheater);
    expect(cheaterStats?.reputation).toBeLessThanOrEqual(cheaterAfterLoad - 50);
    const { evidence } = await json<PublishedEvidence>(`${gatewayB.url}/public/v1/evidence`);
    expect(evidence.length).toBeGreaterThan(0);
    for (const record of evidence) {
      expect(record).toMatchObject({ kind: "billing", check: EQUIVOCATION_CHECK });
      expect(record.supplier.toLowerCase()).toBe(cheater.toLowerCase());
      // The request recovers to gateway B: the relay was its own.
      const signer = recoverDigestSigner(hexToBytes(record.relayKey as Hex), record.request.signature as Hex);
      expect(signer && isAddressEqual(signer, gatewayB.address)).toBe(true);
      expect(BigInt(record.receipt.proven.receipt.inputUnits)).toBeGreaterThan(
        BigInt(record.receipt.receipt.inputUnits),
      );
    }
    expect(await metric(gatewayB, "aviary_gateway_proven_leaves_total", "equivocation")).toBe(
      evidence.length,
    );
  }, 300_000);
});
