// The explorer's index and JSON API against a real network: anvil, the real contracts, one session driven
// to settlement, a real gateway (with evaluation scores and evidence recorded in it). Every expected number is read back from the chain's own events and views.
import { aviaryRegistryAbi, aviarySettlementAbi } from "@aviary/protocol";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExplorer } from "../src/index.ts";
import { closedPort } from "./utils/closedPort.ts";
import { type SettledNetwork, startSettledNetwork } from "./utils/settledNetwork.ts";

let network: SettledNetwork;
let explorer: Awaited<ReturnType<typeof startExplorer>>;
let unreachableGateway: string;

beforeAll(async () => {
  unreachableGateway = `http://127.0.0.1:${await closedPort()}`;
  network = await startSettledNetwork();
  explorer = await startExplorer({
    rpcUrl: network.devnet.rpcUrl,
    chainId: network.devnet.chainId,
    contracts: network.devnet.contracts,
    gateways: [network.gateway.url, unreachableGateway],
    pollIntervalMs: 200,
    logger: pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" }),
  });
});

afterAll(async () => {
  await explorer?.stop();
  await network?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field below
async function api(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${explorer.url}${path}`);
  return { status: response.status, body: await response.json() };
}

describe("explorer index and JSON API (anvil, real contracts, a real gateway)", () => {
  it("reports the model as ModelRegistered says, with its usage and what its source earned", async () => {
    const [registered] = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.registry,
      abi: aviaryRegistryAbi,
      eventName: "ModelRegistered",
      fromBlock: 0n,
      strict: true,
    });
    const settled = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "Settled",
      fromBlock: 0n,
      strict: true,
    });
    if (!registered) throw new Error("no ModelRegistered event");
    const { status, body } = await api("/api/models");
    expect(status).toBe(200);
    expect(body.models).toHaveLength(1);
    const [model] = body.models;
    expect(model).toMatchObject({
      id: registered.args.modelId,
      name: registered.args.name,
      weightsDigest: registered.args.weightsDigest,
      uri: registered.args.uri,
      kind: "chat",
      source: registered.args.source,
      sourceShareBps: registered.args.sourceShareBps,
      registeredAt: String(registered.blockNumber),
      suppliers: 2,
    });
    expect(model.id).toBe(network.modelId);
    expect(model.source).toBe(network.source.address);
    expect(model.sourceEarned).toBe(String(settled.reduce((sum, log) => sum + log.args.toSource, 0n)));
    expect(BigInt(model.sourceEarned)).toBeGreaterThan(0n);
    expect(model.usage.claims).toBe(3);

    const detail = await api(`/api/models/${network.modelId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.offers).toHaveLength(2);
    expect(detail.body.claims.map((claim: { claimKey: string }) => claim.claimKey).sort()).toEqual(
      [network.paidClaim, network.slashedClaim, network.openClaim].sort(),
    );
  });

  it("reports suppliers with the stakes the registry's views hold and the offers OfferSet announced", async () => {
    const offers = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.registry,
      abi: aviaryRegistryAbi,
      eventName: "OfferSet",
      fromBlock: 0n,
      strict: true,
    });
    const staked = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.registry,
      abi: aviaryRegistryAbi,
      eventName: "SupplierStaked",
      fromBlock: 0n,
      strict: true,
    });
    const { body } = await api("/api/suppliers");
    expect(body.suppliers).toHaveLength(2);
    for (const supplier of [network.suppliers.cheap, network.suppliers.expensive]) {
      const [stake, unbonding] = await network.c.publicClient.readContract({
        address: network.c.contracts.registry,
        abi: aviaryRegistryAbi,
        functionName: "supplierStake",
        args: [supplier.owner.address],
      });
      const row = body.suppliers.find(
        (entry: { address: string }) => entry.address === supplier.owner.address,
      );
      expect(row, supplier.owner.address).toBeDefined();
      expect(row.stake).toBe(String(stake));
      expect(row.unbonding).toBe(String(unbonding));
      expect(row.operator).toBe(supplier.operator.address);
      const offer = offers.find((log) => log.args.supplier === supplier.owner.address);
      expect(row.offers).toEqual([
        {
          model: network.modelId,
          modelName: "aviary-test-model-f32",
          modelKind: "chat",
          inputPrice: String(offer?.args.inputPrice),
          outputPrice: String(offer?.args.outputPrice),
          effectiveSession: String(offer?.args.effectiveSession),
          active: true,
        },
      ]);
      const stakedEvent = staked.find((log) => log.args.supplier === supplier.owner.address);
      expect(row.endpoint).toBe(stakedEvent?.args.endpoint);
      // What unsettled claims lock of the stake, as the registry's view says.
      const [locked, unlocked] = await network.c.publicClient.readContract({
        address: network.c.contracts.registry,
        abi: aviaryRegistryAbi,
        functionName: "supplierCollateral",
        args: [supplier.owner.address],
      });
      expect(row.lockedCollateral).toBe(String(locked));
      expect(row.unlockedStake).toBe(String(unlocked));
    }
    // The cheap supplier lost the equivocation penalty from its 3000 AVY, and its open claim still locks
    // the missing-proof penalty; the expensive one lost its claim's whole collateral for the missing proof.
    const { equivocationPenalty, missingProofPenalty } = await network.c.publicClient.readContract({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      functionName: "params",
    });
    const cheap = body.suppliers.find(
      (entry: { address: string }) => entry.address === network.suppliers.cheap.owner.address,
    );
    const expensive = body.suppliers.find(
      (entry: { address: string }) => entry.address === network.suppliers.expensive.owner.address,
    );
    expect(cheap.stake).toBe(String(3000n * 10n ** 18n - equivocationPenalty));
    expect(cheap.slashed).toBe(String(equivocationPenalty));
    expect(cheap.lockedCollateral).toBe(String(missingProofPenalty));
    expect(cheap.unlockedStake).toBe(String(3000n * 10n ** 18n - equivocationPenalty - missingProofPenalty));
    expect(expensive.slashed).toBe(String(missingProofPenalty));
    expect(expensive.lockedCollateral).toBe("0");
    expect(BigInt(expensive.stake)).toBe(2000n * 10n ** 18n - BigInt(expensive.slashed));
  });

  it("lists every slash with its reason, claim, amount and block on the supplier and the claim", async () => {
    const [missing] = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "ProofMissing",
      fromBlock: 0n,
      strict: true,
    });
    const [equivocation] = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "EquivocationReported",
      fromBlock: 0n,
      strict: true,
    });
    if (!missing || !equivocation)
      throw new Error("expected a ProofMissing and an EquivocationReported event");
    const expensive = await api(`/api/suppliers/${network.suppliers.expensive.owner.address}`);
    const missingSlash = {
      supplier: network.suppliers.expensive.owner.address,
      reason: "missing proof",
      claimKey: network.slashedClaim,
      relayKey: null,
      amount: String(missing.args.slashed),
      block: String(missing.blockNumber),
      transaction: missing.transactionHash,
    };
    expect(expensive.body.slashes).toEqual([missingSlash]);
    const cheap = await api(`/api/suppliers/${network.suppliers.cheap.owner.address}`);
    const equivocationSlash = {
      supplier: network.suppliers.cheap.owner.address,
      reason: "equivocation",
      // Linked to the claim whose proof showed the relay.
      claimKey: network.paidClaim,
      relayKey: network.equivocatedRelay,
      amount: String(equivocation.args.slashed),
      block: String(equivocation.blockNumber),
      transaction: equivocation.transactionHash,
    };
    expect(cheap.body.slashes).toEqual([equivocationSlash]);
    expect(cheap.body.equivocations).toEqual([
      expect.objectContaining({
        relayKey: network.equivocatedRelay,
        reporter: network.gateway.address,
        slashed: String(equivocation.args.slashed),
        reward: String(equivocation.args.reward),
      }),
    ]);
    expect((await api(`/api/claims/${network.slashedClaim}`)).body.slashes).toEqual([missingSlash]);
    expect((await api(`/api/claims/${network.paidClaim}`)).body.slashes).toEqual([equivocationSlash]);
    expect((await api(`/api/claims/${network.openClaim}`)).body.slashes).toEqual([]);
  });

  it("reports the claims, the proof and the settlement amounts exactly as the events say", async () => {
    const claimed = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "Claimed",
      fromBlock: 0n,
      strict: true,
    });
    const [proven] = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "Proven",
      fromBlock: 0n,
      strict: true,
    });
    const settled = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "Settled",
      fromBlock: 0n,
      strict: true,
    });
    const [missing] = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "ProofMissing",
      fromBlock: 0n,
      strict: true,
    });
    const released = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "CollateralReleased",
      fromBlock: 0n,
      strict: true,
    });
    expect(claimed).toHaveLength(3);
    if (!proven || !missing) throw new Error("expected a Proven and a ProofMissing event");
    expect(released.map((log) => log.args.claimKey)).toEqual([network.paidClaim]);

    for (const event of claimed) {
      const { status, body } = await api(`/api/claims/${event.args.claimKey}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        claimKey: event.args.claimKey,
        supplier: event.args.supplier,
        application: event.args.application,
        model: event.args.model,
        session: String(event.args.session),
        rootHash: event.args.rootHash,
        rootSum: String(event.args.rootSum),
        relays: String(event.args.rootCount),
        amount: String(event.args.amount),
        collateral: String(event.args.collateral),
        claimedAt: String(event.blockNumber),
        sessionPhase: "settle",
      });
      const settlement = settled.find((log) => log.args.claimKey === event.args.claimKey);
      if (event.args.claimKey === network.openClaim) {
        expect(settlement).toBeUndefined();
        expect(body.settlement).toBeNull();
        expect(body.collateralStatus).toBe("locked");
        continue;
      }
      expect(body.settlement).toMatchObject({
        paid: String(settlement?.args.paid),
        toSource: String(settlement?.args.toSource),
        toTreasury: String(settlement?.args.toTreasury),
        toSupplier: String(settlement?.args.toSupplier),
      });
    }

    const paid = await api(`/api/claims/${network.paidClaim}`);
    expect(paid.body.status).toBe("settled");
    expect(paid.body.collateralStatus).toBe("released");
    expect(paid.body.collateral).toBe(String(released[0]?.args.amount));
    expect(paid.body.proof).toMatchObject({
      sumRelayKey: proven.args.sumRelayKey,
      countRelayKey: proven.args.countRelayKey,
      block: String(proven.blockNumber),
    });
    expect(proven.args.claimKey).toBe(network.paidClaim);
    expect(BigInt(paid.body.settlement.paid)).toBeGreaterThan(0n);
    expect(BigInt(paid.body.settlement.toSource)).toBe(
      (BigInt(paid.body.settlement.paid) * BigInt(network.sourceShareBps)) / 10_000n,
    );

    const slashed = await api(`/api/claims/${network.slashedClaim}`);
    expect(slashed.body.status).toBe("proof-missing");
    expect(slashed.body.proofRequired).toBe(true);
    expect(slashed.body.proof).toBeNull();
    expect(slashed.body.proofMissing).toEqual({ slashed: String(missing.args.slashed) });
    expect(slashed.body.settlement.paid).toBe("0");
    // The whole collateral is slashed.
    expect(slashed.body.collateralStatus).toBe("slashed");
    expect(slashed.body.collateral).toBe(String(missing.args.slashed));
    // The open claim waits: required or not once its seed is known, as the contract decides.
    const openRequired = await network.c.publicClient.readContract({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      functionName: "isProofRequired",
      args: [network.openClaim],
    });
    const openStatus = openRequired ? "proof-required" : "claimed";
    expect((await api(`/api/claims/${network.openClaim}`)).body.status).toBe(openStatus);

    const sessions = await api("/api/sessions");
    const session = sessions.body.sessions.find(
      (entry: { session: string }) => entry.session === String(network.session),
    );
    expect(session.phase).toBe("settle");
    expect(session.claims.map((claim: { status: string }) => claim.status).sort()).toEqual(
      ["proof-missing", "settled", openStatus].sort(),
    );
    expect(session.totals.paid).toBe(String(settled.reduce((sum, log) => sum + log.args.paid, 0n)));
    // The live sessions (current and not yet settleable) come first, newest first.
    const numbers = sessions.body.sessions.map((entry: { session: string }) => BigInt(entry.session));
    expect(numbers).toEqual([...numbers].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
  });

  it("totals the network in the overview as the chain does", async () => {
    const claimed = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "Claimed",
      fromBlock: 0n,
      strict: true,
    });
    const settled = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "Settled",
      fromBlock: 0n,
      strict: true,
    });
    const totalHeld = await network.c.publicClient.readContract({
      address: network.c.contracts.registry,
      abi: aviaryRegistryAbi,
      functionName: "totalHeld",
    });
    const head = await network.c.publicClient.getBlockNumber();
    const { body } = await api("/api/overview");
    expect(body.totals).toMatchObject({
      models: 1,
      suppliers: 2,
      applications: 2,
      gateways: 1,
      sessions: 1,
      claims: 3,
      settled: 2,
      proofsMissing: 1,
      relays: String(claimed.reduce((sum, log) => sum + log.args.rootCount, 0n)),
      paid: String(settled.reduce((sum, log) => sum + log.args.paid, 0n)),
      toSource: String(settled.reduce((sum, log) => sum + log.args.toSource, 0n)),
      totalHeld: String(totalHeld),
    });
    // Nothing is unbonding: every token held is staked.
    expect(body.totals.totalStake).toBe(String(totalHeld));
    expect(body.chain.head).toBe(String(head));
    expect(body.chain.currentSession).toBe(String(head / 20n));
    const { equivocationPenalty, missingProofPenalty } = await network.c.publicClient.readContract({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      functionName: "params",
    });
    expect(body.totals).toMatchObject({
      slashedForEquivocation: String(equivocationPenalty),
      lockedCollateral: String(missingProofPenalty),
    });
    expect(body.activity).toEqual([
      expect.objectContaining({ session: String(network.session), claims: 3, relays: "18" }),
    ]);
  });

  it("shows the gateway's measurements and marks an unreachable gateway without failing", async () => {
    const overview = await api("/api/overview");
    expect(overview.body.gateways).toEqual([
      expect.objectContaining({
        url: network.gateway.url,
        reachable: true,
        address: network.gateway.address,
      }),
      expect.objectContaining({ url: unreachableGateway, reachable: false }),
    ]);
    const cheap = await api(`/api/suppliers/${network.suppliers.cheap.owner.address.toLowerCase()}`);
    expect(cheap.status).toBe(200);
    expect(cheap.body.measurements).toEqual([
      expect.objectContaining({
        gateway: network.gateway.url,
        ttftMs: network.measured.ttftMs,
        tokensPerSecond: network.measured.tokensPerSecond,
        latencyMs: network.measured.latencyMs,
        successes: 3,
        failures: 0,
        // The gateway publishes its evaluation of every supplier; nothing of it is measured yet.
        evaluation: expect.objectContaining({ availability: null, audits: 0, flagged: false }),
      }),
    ]);
    const leaderboard = await api("/api/leaderboard");
    expect(leaderboard.body.suppliers.map((row: { address: string }) => row.address)).toEqual([
      network.suppliers.cheap.owner.address,
      network.suppliers.expensive.owner.address,
    ]);
    const [first, second] = leaderboard.body.suppliers;
    expect(first.reputation).toBeGreaterThan(second.reputation);
    expect(second.failures).toBe(2);
  });

  it("shows the gateway's evaluation-set scores on the model and the leaderboard, matched by model name", async () => {
    const { evaluated } = network;
    const { cheap, expensive } = network.suppliers;
    const expected = [
      {
        gateway: network.gateway.url,
        gatewayAddress: network.gateway.address,
        evaluationSet: evaluated.evaluationSet,
        suppliers: [
          { rank: 1, address: cheap.owner.address, ...evaluated.cheap, staked: true },
          { rank: 2, address: expensive.owner.address, ...evaluated.expensive, staked: true },
        ],
      },
    ];
    const model = await api(`/api/models/${network.modelId}`);
    expect(model.body.name).toBe(evaluated.modelName);
    expect(model.body.evaluations).toEqual(expected);
    // The unregistered model's scores are not shown anywhere.
    const leaderboard = await api("/api/leaderboard");
    expect(leaderboard.body.models).toEqual([
      { id: network.modelId, name: evaluated.modelName, evaluations: expected },
    ]);
    // Evidence carries more than the explorer reads (values, the signed request and receipt): it is kept.
    const supplier = await api(`/api/suppliers/${expensive.owner.address}`);
    expect(supplier.body.evidence).toEqual([
      expect.objectContaining({
        id: "billing-1",
        supplier: expensive.owner.address,
        gateway: network.gateway.url,
        check: "billing-output",
        values: { value: 120, limit: 100 },
        request: { request: { nonce: "1" }, signature: "0x01" },
        receipt: { receipt: { outputUnits: "120" }, signature: "0x02", encoded: "0x03" },
      }),
    ]);
  });

  it("answers 400 for malformed parameters and 404 for unknown things", async () => {
    const badAddress = await api("/api/suppliers/0xnot-an-address");
    expect(badAddress.status).toBe(400);
    expect(badAddress.body.error.message).toMatch(/Bad supplier address .*20-byte/);
    const badKey = await api("/api/claims/1234");
    expect(badKey.status).toBe(400);
    const unknownClaim = await api(`/api/claims/0x${"00".repeat(32)}`);
    expect(unknownClaim.status).toBe(404);
    const unknownSupplier = await api(`/api/suppliers/${network.applications.rich.address}`);
    expect(unknownSupplier.status).toBe(404);
    expect((await api("/api/nothing")).status).toBe(404);

    const page = await fetch(`${explorer.url}/suppliers/0x1234`);
    expect(page.status).toBe(400);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toContain("Bad supplier address");
    const missing = await fetch(`${explorer.url}/no/such/page`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("No page /no/such/page.");
  });

  it("resets the index when the chain restarts below the indexed head", async () => {
    // Back to right after deployment: the head drops below what was indexed, as after an anvil restart.
    await network.c.testClient.revert({ id: network.deployedSnapshot });
    const head = await network.c.publicClient.getBlockNumber();
    await expect
      .poll(
        async () => {
          const { body } = await api("/api/overview");
          return { ...body.totals, head: body.chain.head, error: body.chain.error };
        },
        { timeout: 20_000, interval: 200 },
      )
      .toMatchObject({ models: 0, suppliers: 0, claims: 0, paid: "0", head: String(head), error: null });
  });
});
