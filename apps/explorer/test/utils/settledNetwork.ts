// A real local network for the explorer's tests: anvil with the contracts, the test model, two suppliers,
// two applications (one delegating to a gateway), and one session driven through claims, a proof and
// settlement by hand (as packages/devnet/test/settlementFlow.test.ts does), so that the chain holds a paid
// claim, a claim slashed for a missing proof, an equivocation reported on a relay the paid claim proved, and
// a claim nobody settled yet (its collateral still locked). A real gateway serves its public API; its supplier book is
// fed the measurements a few relays would have produced, its evaluation board the scores of an evaluation
// run, and its store one piece of evidence.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, startDevnet, token } from "@aviary/devnet";
import { type GatewayNode, parseGatewayConfig, startGateway } from "@aviary/gateway";
import {
  buildSumTrie,
  claimKey as computeClaimKey,
  hashRelayRequest,
  proveClaim,
  relayCost,
  relayValueHash,
  type SignedRelay,
  sessionWindows,
  signRelayReceipt,
} from "@aviary/protocol";
import { recordFailure, recordSuccess } from "@aviary/sdk";
import {
  type Actor,
  actor,
  type Clients,
  clients,
  devnetChainConfig,
  relayKeyOf,
  settlement,
  setUpNetwork,
  signRelay,
  testModelName,
} from "@aviary/testkit";
import pino from "pino";
import type { Hex } from "viem";

export type EvaluationScore = { score: number; passRate: number; items: number; updatedAt: string };

export type TestSupplier = { owner: Actor; operator: Actor; inputPrice: bigint; outputPrice: bigint };

export type SettledNetwork = {
  devnet: Devnet;
  c: Clients;
  modelId: Hex;
  session: bigint;
  sourceShareBps: number;
  source: Actor;
  suppliers: { cheap: TestSupplier; expensive: TestSupplier };
  applications: { rich: Actor; poor: Actor };
  /** The cheap supplier's claim: proven and paid. */
  paidClaim: Hex;
  /** The expensive supplier's claim: required a proof, none was sent, slashed at settlement. */
  slashedClaim: Hex;
  /** The cheap supplier's claim on the other application: never settled, its collateral still locked. */
  openClaim: Hex;
  /** The relay of the paid claim's proof (drawn by sum) the cheap supplier signed a second receipt for. */
  equivocatedRelay: Hex;
  /** The gateway's measurements fed for each supplier. */
  measured: { ttftMs: number; tokensPerSecond: number; latencyMs: number };
  /** The evaluation-set scores recorded on the gateway's board for the test model (and an unregistered one). */
  evaluated: {
    modelName: string;
    evaluationSet: string;
    cheap: EvaluationScore;
    expensive: EvaluationScore;
  };
  gateway: GatewayNode;
  /** A snapshot of the chain right after deployment (to simulate a chain restart). */
  deployedSnapshot: Hex;
  stop: () => Promise<void>;
};

/** Starts the network and drives one session to settlement. Takes ~10 s. */
export async function startSettledNetwork(): Promise<SettledNetwork> {
  const home = mkdtempSync(join(tmpdir(), "aviary-explorer-"));
  const devnet = await startDevnet({ home, persist: false });
  let gateway: GatewayNode | undefined;
  try {
    const c = clients(devnet);
    const deployedSnapshot = await c.testClient.snapshot();
    const source = actor(devnet, "model-source");
    const treasury = actor(devnet, "treasury");
    const gatewayActor = actor(devnet, "gateway");
    const rich = actor(devnet, "application");
    const poor = actor(devnet, "spare-2");
    const cheap: TestSupplier = {
      owner: actor(devnet, "supplier-1"),
      operator: actor(devnet, "spare-1"),
      inputPrice: 10n ** 12n,
      outputPrice: 3n * 10n ** 12n,
    };
    const expensive: TestSupplier = {
      owner: actor(devnet, "supplier-2"),
      operator: actor(devnet, "supplier-2"),
      inputPrice: token(1),
      outputPrice: token(2),
    };
    const sourceShareBps = 1000;
    const { session, modelId } = await setUpNetwork(c, {
      source,
      sourceShareBps,
      suppliers: [
        { ...cheap, stake: token(3000) },
        { ...expensive, stake: token(2000) },
      ],
      gateway: gatewayActor,
      applications: [
        { actor: rich, stake: token(1000), delegateTo: gatewayActor },
        { actor: poor, stake: token(100) },
      ],
    });

    const relaysOf = async (supplier: TestSupplier, application: Actor, signer: Actor, count: number) => {
      const relays: SignedRelay[] = [];
      for (let index = 0; index < count; index += 1) {
        const inputUnits = BigInt(20 + index * 3);
        const outputUnits = BigInt(50 + index * 7);
        const request = {
          application: application.address,
          supplier: supplier.owner.address,
          model: modelId,
          session,
          nonce: BigInt(index + 1),
          bodyHash: `0x${(index + 1).toString(16).padStart(64, "0")}` as Hex,
          inputPrice: supplier.inputPrice,
          outputPrice: supplier.outputPrice,
          maxCost: (inputUnits + 10n) * supplier.inputPrice + (outputUnits + 10n) * supplier.outputPrice,
        };
        relays.push(await signRelay(c, request, signer, supplier.operator, { inputUnits, outputUnits }));
      }
      return relays;
    };
    const plans = [
      { supplier: cheap, application: rich, relays: await relaysOf(cheap, rich, gatewayActor, 12) },
      { supplier: expensive, application: poor, relays: await relaysOf(expensive, poor, poor, 4) },
      { supplier: cheap, application: poor, relays: await relaysOf(cheap, poor, poor, 2) },
    ];

    // Claim window: every relay is mined at the initial difficulty (probability 1).
    const windows = sessionWindows(session, {
      sessionBlocks: 20,
      graceBlocks: 4,
      claimBlocks: 8,
      proofBlocks: 8,
    });
    await c.mineTo(windows.claimStart - 1n);
    const claims = [];
    for (const plan of plans) {
      const byKey = new Map<string, SignedRelay>();
      const trie = buildSumTrie(
        plan.relays.map((relay) => {
          const key = relayKeyOf(c, relay);
          byKey.set(key, relay);
          return { key, valueHash: relayValueHash(relay), weight: relayCost(relay) };
        }),
      );
      await c.send(plan.supplier.operator, {
        ...settlement(c),
        functionName: "claim",
        args: [plan.supplier.owner.address, plan.application.address, modelId, session, trie.root()],
      });
      const key = computeClaimKey({
        supplier: plan.supplier.owner.address,
        application: plan.application.address,
        model: modelId,
        session,
      });
      claims.push({ key, trie, byKey });
    }
    const [paid, slashed, open] = claims;
    if (!paid || !slashed || !open) throw new Error("claims missing");

    // Proof window: prove the cheap claim (whether or not it was drawn); leave the expensive one unproven.
    await c.mineTo(windows.proofStart - 1n);
    await c.send(treasury, { ...settlement(c), functionName: "recordSeed", args: [session] });
    const proofSeed = await c.publicClient.readContract({
      ...settlement(c),
      functionName: "proofSeed",
      args: [session],
    });
    const proofs = proveClaim(paid.trie, { proofSeed, claimKey: paid.key });
    const leaves = proofs.map((proof) => {
      const leaf = paid.byKey.get(proof.key);
      if (!leaf) throw new Error("a drawn leaf is not one of ours");
      return { leaf, sideNodes: proof.sideNodes, emptyMask: proof.emptyMask };
    });
    await c.send(treasury, { ...settlement(c), functionName: "prove", args: [paid.key, leaves] });

    // The proof is public: a gateway holding another receipt of the cheap operator for the sum-drawn relay
    // reports the equivocation (slashed from the cheap supplier's unlocked stake).
    const [sumDrawn] = leaves;
    if (!sumDrawn) throw new Error("no proof");
    const otherReceipt = {
      ...sumDrawn.leaf.receipt,
      request: hashRelayRequest(sumDrawn.leaf.request),
      outputUnits: sumDrawn.leaf.receipt.outputUnits - 1n,
    };
    await c.send(gatewayActor, {
      ...settlement(c),
      functionName: "reportEquivocation",
      args: [
        sumDrawn.leaf.request,
        otherReceipt,
        await signRelayReceipt({
          domain: c.domain,
          receipt: otherReceipt,
          signer: cheap.operator.privateKey,
        }),
        sumDrawn.leaf.receipt,
        sumDrawn.leaf.receiptSignature,
      ],
    });

    // Settlement: anyone may settle; nobody settles the open claim.
    await c.mineTo(windows.settleFrom - 1n);
    for (const claim of [paid, slashed]) {
      await c.send(treasury, { ...settlement(c), functionName: "settle", args: [claim.key] });
    }

    gateway = await startGateway(
      parseGatewayConfig({
        chain: devnetChainConfig(devnet),
        gatewayKey: gatewayActor.privateKey,
        // An application without claims: the gateway's reconciliation charges claims it has no receipts
        // for to the supplier's reputation, which would race with the measurements fed below.
        applications: [actor(devnet, "supplier-3").address],
        server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 0 },
        store: ":memory:",
        log: { level: "silent" },
      }),
      { logger: pino({ level: "silent" }) },
    );
    // What a few relays through the gateway would have taught it: the cheap supplier answered well, the
    // expensive one failed twice after one success.
    const measured = { ttftMs: 180, tokensPerSecond: 42, latencyMs: 900 };
    const now = Date.now();
    for (let index = 0; index < 3; index += 1) {
      gateway.book.update({ address: cheap.owner.address, endpoint: "http://127.0.0.1:9/" }, now, (stats) =>
        recordSuccess(stats, { ...measured, now }),
      );
    }
    gateway.book.update({ address: expensive.owner.address, endpoint: "http://127.0.0.1:9/" }, now, (stats) =>
      recordSuccess(stats, { ttftMs: 600, tokensPerSecond: 12, latencyMs: 3000, now }),
    );
    for (const kind of ["timeout", "5xx"] as const) {
      gateway.book.update(
        { address: expensive.owner.address, endpoint: "http://127.0.0.1:9/" },
        now,
        (stats) => recordFailure(stats, { kind, now }),
      );
    }

    // What an evaluation run would have recorded: the cheap supplier matched the reference, the expensive
    // one half of the time. A model nobody registered is scored too (the explorer shows registered ones).
    const updatedAt = new Date(now).toISOString();
    const evaluated = {
      modelName: testModelName,
      evaluationSet: "aviary-eval-v1",
      cheap: { score: 96.5, passRate: 1, items: 12, updatedAt },
      expensive: { score: 41.25, passRate: 0.5, items: 12, updatedAt },
    };
    gateway.board.record(evaluated.modelName, evaluated.evaluationSet, {
      address: expensive.owner.address,
      ...evaluated.expensive,
    });
    gateway.board.record(evaluated.modelName, evaluated.evaluationSet, {
      address: cheap.owner.address,
      ...evaluated.cheap,
    });
    gateway.board.record("unregistered-model", evaluated.evaluationSet, {
      address: cheap.owner.address,
      ...evaluated.cheap,
    });
    // Evidence as the integrity loop keeps it: with the check's values, the signed request and receipt.
    await gateway.store.putEvidence({
      id: "billing-1",
      supplier: expensive.owner.address.toLowerCase(),
      model: testModelName,
      kind: "billing",
      check: "billing-output",
      detail: "billed 120 output tokens for 100",
      values: JSON.stringify({ value: 120, limit: 100 }),
      relayKey: `0x${"ab".repeat(32)}`,
      createdAt: now,
      request: JSON.stringify({ request: { nonce: "1" }, signature: "0x01" }),
      receipt: JSON.stringify({ receipt: { outputUnits: "120" }, signature: "0x02", encoded: "0x03" }),
    });

    const startedGateway = gateway;
    return {
      devnet,
      c,
      modelId,
      session,
      sourceShareBps,
      source,
      suppliers: { cheap, expensive },
      applications: { rich, poor },
      paidClaim: paid.key,
      slashedClaim: slashed.key,
      openClaim: open.key,
      equivocatedRelay: relayKeyOf(c, sumDrawn.leaf),
      measured,
      evaluated,
      gateway: startedGateway,
      deployedSnapshot,
      stop: async () => {
        await startedGateway.stop().catch(() => {});
        await devnet.stop();
      },
    };
  } catch (error) {
    await gateway?.stop().catch(() => {});
    await devnet.stop();
    throw error;
  }
}
