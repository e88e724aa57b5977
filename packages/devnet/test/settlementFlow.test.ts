// End to end on anvil with the real contracts: relays signed with the library, the trie built and proven
// with the library, and what settlement pays compared with what the library computes off-chain.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildSumTrie,
  claimAmount,
  claimKey as computeClaimKey,
  isMined,
  isProofRequired,
  proofTarget,
  relayCost,
  relayValueHash,
  type SignedRelay,
  sessionBudget,
  sessionWindows,
  settlementPayout,
  splitPayment,
  toCompactProof,
} from "@aviary/protocol";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, devnetSettlementParameters, startDevnet, token } from "../src/index.ts";
import {
  type Actor,
  actor,
  type Clients,
  clients,
  registry,
  relayKeyOf,
  settlement,
  setUpNetwork,
  signRelay,
  testModelId,
} from "./utils/scenario.ts";

const sessionParams = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };
const settlementParameters = devnetSettlementParameters();
const sourceShareBps = 1000;

let devnet: Devnet;
let c: Clients;
let source: Actor;
let treasury: Actor;
let gateway: Actor;
let richApp: Actor;
let poorApp: Actor;
let suppliers: { owner: Actor; operator: Actor; inputPrice: bigint; outputPrice: bigint }[];
let session: bigint;

beforeAll(async () => {
  devnet = await startDevnet({ home: mkdtempSync(join(tmpdir(), "aviary-flow-")), persist: false });
  c = clients(devnet);
  source = actor(devnet, "model-source");
  treasury = actor(devnet, "treasury");
  gateway = actor(devnet, "gateway");
  richApp = actor(devnet, "application");
  poorApp = actor(devnet, "spare-2");
  suppliers = [
    {
      owner: actor(devnet, "supplier-1"),
      operator: actor(devnet, "spare-1"),
      inputPrice: 10n ** 12n,
      outputPrice: 3n * 10n ** 12n,
    },
    // The second supplier is its own operator: the owner key signs receipts too.
    {
      owner: actor(devnet, "supplier-2"),
      operator: actor(devnet, "supplier-2"),
      inputPrice: token(1),
      outputPrice: token(2),
    },
  ];
  ({ session } = await setUpNetwork(c, {
    source,
    sourceShareBps,
    suppliers,
    gateway,
    applications: [
      { actor: richApp, stake: token(1000), delegateTo: gateway },
      { actor: poorApp, stake: token(100) },
    ],
  }));
});

afterAll(async () => {
  await devnet?.stop();
});

type ClaimPlan = { supplier: (typeof suppliers)[number]; application: Actor; relays: SignedRelay[] };

async function makeRelays(
  supplier: (typeof suppliers)[number],
  application: Actor,
  count: number,
  signers: Actor[],
  nonceBase: bigint,
  units: (index: number) => { inputUnits: bigint; outputUnits: bigint },
): Promise<SignedRelay[]> {
  const relays: SignedRelay[] = [];
  for (let index = 0; index < count; index += 1) {
    const { inputUnits, outputUnits } = units(index);
    const maxCost = (inputUnits + 10n) * supplier.inputPrice + (outputUnits + 10n) * supplier.outputPrice;
    const request = {
      application: application.address,
      supplier: supplier.owner.address,
      model: testModelId,
      session,
      nonce: nonceBase + BigInt(index),
      bodyHash: `0x${(index + 1).toString(16).padStart(64, "0")}` as Hex,
      inputPrice: supplier.inputPrice,
      outputPrice: supplier.outputPrice,
      maxCost,
    };
    const signer = signers[index % signers.length];
    if (!signer) throw new Error("no signer");
    relays.push(await signRelay(c, request, signer, supplier.operator, { inputUnits, outputUnits }));
  }
  return relays;
}

describe("settlement flow (anvil, real contracts, library-built tries)", () => {
  it("claims, proves and settles exactly what the library computes, pro rata over budget, slashing a missing proof", async () => {
    const [cheap, expensive] = suppliers;
    if (!cheap || !expensive) throw new Error("suppliers missing");
    const plans: ClaimPlan[] = [
      // Rich app: relays signed by the app itself and by its delegated gateway; well within budget.
      {
        supplier: cheap,
        application: richApp,
        relays: await makeRelays(cheap, richApp, 24, [richApp, gateway], 1n, (index) => ({
          inputUnits: BigInt(20 + index * 3),
          outputUnits: BigInt(50 + index * 7),
        })),
      },
      // Poor app (100 AVY stake → budget 50 AVY per session), two suppliers claiming far more: pro rata.
      {
        supplier: expensive,
        application: poorApp,
        relays: await makeRelays(expensive, poorApp, 6, [poorApp], 1000n, (index) => ({
          inputUnits: BigInt(10 + index),
          outputUnits: BigInt(20 + index),
        })),
      },
      {
        supplier: cheap,
        application: poorApp,
        relays: await makeRelays(cheap, poorApp, 5, [poorApp], 2000n, (index) => ({
          inputUnits: BigInt(100 + index),
          outputUnits: BigInt(200 + index),
        })),
      },
    ];

    const windows = sessionWindows(session, sessionParams);
    await c.mineTo(windows.claimStart - 1n);

    // The mining seed is the hash of the last serving block; the first claim records it.
    const miningSeed = (await c.publicClient.getBlock({ blockNumber: windows.miningSeedBlock })).hash as Hex;
    const probabilityWad = await c.publicClient.readContract({
      ...settlement(c),
      functionName: "miningProbabilityAt",
      args: [testModelId, session],
    });
    expect(probabilityWad).toBe(10n ** 18n);

    const claims: {
      plan: ClaimPlan;
      key: Hex;
      trie: ReturnType<typeof buildSumTrie>;
      byKey: Map<string, SignedRelay>;
      amount: bigint;
    }[] = [];
    for (const plan of plans) {
      const byKey = new Map<string, SignedRelay>();
      const leaves = [];
      for (const relay of plan.relays) {
        const key = relayKeyOf(c, relay);
        if (!isMined({ relayKey: key, miningSeed, probabilityWad })) continue;
        byKey.set(key, relay);
        leaves.push({ key, valueHash: relayValueHash(relay), weight: relayCost(relay) });
      }
      const trie = buildSumTrie(leaves);
      const root = trie.root();
      await c.send(plan.supplier.operator, {
        ...settlement(c),
        functionName: "claim",
        args: [plan.supplier.owner.address, plan.application.address, testModelId, session, root],
      });
      const key = computeClaimKey({
        supplier: plan.supplier.owner.address,
        application: plan.application.address,
        model: testModelId,
        session,
      });
      const onChain = await c.publicClient.readContract({
        ...settlement(c),
        functionName: "getClaim",
        args: [key],
      });
      expect(onChain.root.hash).toBe(root.hash);
      expect(onChain.amount).toBe(claimAmount(root.sum, probabilityWad));
      claims.push({ plan, key, trie, byKey, amount: onChain.amount });
    }
    expect(
      await c.publicClient.readContract({
        ...settlement(c),
        functionName: "miningSeed",
        args: [Number(session)] as never,
      }),
    ).toBe(miningSeed);

    // Proof window: the seed block's hash decides which claims need a proof and which leaf.
    await c.mineTo(windows.proofStart - 1n);
    const proofSeed = (await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock })).hash as Hex;
    await c.send(treasury, { ...settlement(c), functionName: "recordSeed", args: [session] });

    const unprovenOnPurpose = claims[1];
    if (!unprovenOnPurpose) throw new Error("claims missing");
    const required = new Map<string, boolean>();
    for (const claim of claims) {
      const expected = isProofRequired({
        amount: claim.amount,
        proofThreshold: settlementParameters.proofThreshold,
        proofSeed,
        claimKey: claim.key,
        proofProbabilityWad: settlementParameters.proofProbabilityWad,
      });
      const onChain = await c.publicClient.readContract({
        ...settlement(c),
        functionName: "isProofRequired",
        args: [claim.key],
      });
      expect(onChain).toBe(expected);
      required.set(claim.key, expected);
      if (claim === unprovenOnPurpose) continue;
      const target = proofTarget({ proofSeed, claimKey: claim.key });
      const proof = toCompactProof(claim.trie.proveClosest(target));
      const relay = claim.byKey.get(proof.key);
      if (!relay) throw new Error("the closest leaf is not one of ours");
      await c.send(treasury, {
        ...settlement(c),
        functionName: "prove",
        args: [claim.key, relay, proof.sideNodes, proof.emptyMask],
      });
    }
    // The expensive claim is far above the proof threshold, so leaving it unproven must cost a slash.
    expect(required.get(unprovenOnPurpose.key)).toBe(true);

    // Settlement after the proof window: compare every balance change with the library's numbers.
    await c.mineTo(windows.settleFrom - 1n);
    const pending = BigInt(Math.ceil(Number(4n + 8n + 8n) / 20)) + 1n;
    const totals = new Map<Address, bigint>();
    for (const claim of claims) {
      totals.set(
        claim.plan.application.address,
        (totals.get(claim.plan.application.address) ?? 0n) + claim.amount,
      );
    }
    for (const claim of claims) {
      const application = claim.plan.application.address;
      const ownerBefore = await c.balanceOf(claim.plan.supplier.owner.address);
      const sourceBefore = await c.balanceOf(source.address);
      const treasuryBefore = await c.balanceOf(treasury.address);
      const [stakeBefore] = await c.publicClient.readContract({
        ...registry(c),
        functionName: "supplierStake",
        args: [claim.plan.supplier.owner.address],
      });
      const stakeAtSession = await c.publicClient.readContract({
        ...registry(c),
        functionName: "applicationStakeAt",
        args: [application, session],
      });
      await c.send(richApp, { ...settlement(c), functionName: "settle", args: [claim.key] });
      const ownerDelta = (await c.balanceOf(claim.plan.supplier.owner.address)) - ownerBefore;
      const sourceDelta = (await c.balanceOf(source.address)) - sourceBefore;
      const treasuryDelta = (await c.balanceOf(treasury.address)) - treasuryBefore;
      const [stakeAfter] = await c.publicClient.readContract({
        ...registry(c),
        functionName: "supplierStake",
        args: [claim.plan.supplier.owner.address],
      });

      if (claim === unprovenOnPurpose) {
        expect(ownerDelta).toBe(0n);
        expect(sourceDelta).toBe(0n);
        expect(treasuryDelta).toBe(settlementParameters.missingProofPenalty);
        expect(stakeBefore - stakeAfter).toBe(settlementParameters.missingProofPenalty);
        continue;
      }
      const budget = sessionBudget(stakeAtSession, pending);
      const total = totals.get(application) ?? 0n;
      const pay = settlementPayout({ amount: claim.amount, total, budget });
      const split = splitPayment({
        pay,
        sourceShareBps,
        protocolShareBps: settlementParameters.protocolShareBps,
      });
      expect(ownerDelta).toBe(split.toSupplier);
      expect(sourceDelta).toBe(split.toSource);
      expect(treasuryDelta).toBe(split.toTreasury);
      expect(stakeAfter).toBe(stakeBefore);
      if (application === poorApp.address)
        expect(pay).toBeLessThan(claim.amount); // pro rata
      else expect(pay).toBe(claim.amount);
    }
    // Nothing is paid twice.
    await expect(
      c.send(richApp, { ...settlement(c), functionName: "settle", args: [claims[0]?.key ?? "0x"] }),
    ).rejects.toThrow();
  });
});
