// End to end on anvil with the real contracts: relays signed with the library, the tries built and proven
// with the library (two weighted leaves: one drawn by sum, one by count), sent with the SDK's chain actions,
// and what settlement pays, locks, releases and slashes compared with what the library computes off-chain.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildSumTrie,
  claimAmount,
  claimCollateral,
  claimKey as computeClaimKey,
  isMined,
  isProofRequired,
  pendingSessions,
  proofDraws,
  proveClaim,
  relayCost,
  relayValueHash,
  type SignedRelay,
  type SumTrie,
  sessionBudget,
  sessionWindows,
  settlementPayout,
  splitPayment,
  verifyWeightedProof,
} from "@aviary/protocol";
import {
  type AviaryWriteClients,
  ContractRevertedError,
  claim,
  getClaim,
  getSupplierCollateral,
  prove,
  settle,
} from "@aviary/sdk";
import {
  type Actor,
  actor,
  type Clients,
  clients,
  devnetSessionParams,
  registry,
  relayKeyOf,
  settlement,
  setUpNetwork,
  signRelay,
  testModelId,
} from "@aviary/testkit";
import { type Address, createWalletClient, type Hex, http, keccak256, type PublicClient, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, devnetSettlementParameters, startDevnet, token } from "../src/index.ts";

const sessionParams = devnetSessionParams;
const settlementParameters = devnetSettlementParameters();
const { missingProofPenalty, proofThreshold } = settlementParameters;
const sourceShareBps = 1000;

type Supplier = { owner: Actor; operator: Actor; inputPrice: bigint; outputPrice: bigint; stake: bigint };

let devnet: Devnet;
let c: Clients;
let source: Actor;
let treasury: Actor;
let gateway: Actor;
let richApp: Actor;
let poorApp: Actor;
let cheap: Supplier;
let expensive: Supplier;
let fabricator: Supplier;
let session: bigint;

beforeAll(async () => {
  devnet = await startDevnet({ home: mkdtempSync(join(tmpdir(), "aviary-flow-")), persist: false });
  c = clients(devnet);
  source = actor(devnet, "model-source");
  treasury = actor(devnet, "treasury");
  gateway = actor(devnet, "gateway");
  richApp = actor(devnet, "application");
  poorApp = actor(devnet, "spare-2");
  cheap = {
    owner: actor(devnet, "supplier-1"),
    operator: actor(devnet, "spare-1"),
    inputPrice: 10n ** 12n,
    outputPrice: 3n * 10n ** 12n,
    stake: token(2000),
  };
  // Its own operator: the owner key signs receipts too.
  expensive = {
    owner: actor(devnet, "supplier-2"),
    operator: actor(devnet, "supplier-2"),
    inputPrice: token(1),
    outputPrice: token(2),
    stake: token(2000),
  };
  // Staked at the minimum, it claims a root no relay backs.
  fabricator = {
    owner: actor(devnet, "supplier-3"),
    operator: actor(devnet, "supplier-3"),
    inputPrice: 10n ** 12n,
    outputPrice: 10n ** 12n,
    stake: token(1000),
  };
  ({ session } = await setUpNetwork(c, {
    source,
    sourceShareBps,
    suppliers: [cheap, expensive, fabricator],
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

/** The SDK's write clients for `from`. */
function writer(from: Actor): AviaryWriteClients {
  return {
    publicClient: c.publicClient as unknown as PublicClient,
    walletClient: createWalletClient({
      account: privateKeyToAccount(from.privateKey),
      chain: c.chain,
      transport: http(devnet.rpcUrl),
    }),
  };
}

const readClaim = (claimKey: Hex) =>
  getClaim(c.publicClient as unknown as PublicClient, { settlement: c.contracts.settlement, claimKey });
const collateralOf = (supplier: Actor) =>
  getSupplierCollateral(c.publicClient as unknown as PublicClient, {
    registry: c.contracts.registry,
    supplier: supplier.address,
  });
const supplierStake = async (supplier: Actor) =>
  (
    await c.publicClient.readContract({
      ...registry(c),
      functionName: "supplierStake",
      args: [supplier.address],
    })
  )[0];
/** An application's stake plus unbonding: what settlement can take from. */
const applicationHeld = async (application: Actor) => {
  const [stake, unbonding] = await c.publicClient.readContract({
    ...registry(c),
    functionName: "applicationStake",
    args: [application.address],
  });
  return stake + unbonding;
};
const sessionTotal = (application: Actor) =>
  c.publicClient.readContract({
    ...settlement(c),
    functionName: "sessionTotal",
    args: [application.address, session],
  });

async function makeRelays(
  supplier: Supplier,
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
      bodyHash: keccak256(toHex(`body ${nonceBase + BigInt(index)}`)),
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

type Planned = { name: string; supplier: Supplier; application: Actor; relays: SignedRelay[] };
type Claimed = Planned & {
  key: Hex;
  trie: SumTrie;
  byKey: Map<string, SignedRelay>;
  amount: bigint;
  collateral: bigint;
};

describe("settlement flow (anvil, real contracts, library-built tries, SDK actions)", () => {
  it("claims with collateral, proves two weighted leaves, settles what the library computes, slashes a missing proof and holds back a withdrawal", async () => {
    // pendingSessions = floor((g + 1 + c + pf) / L) + 2 = floor(21 / 20) + 2 = 3 divides the stakes into budgets.
    expect(pendingSessions(sessionParams)).toBe(3n);
    expect(await c.publicClient.readContract({ ...settlement(c), functionName: "pendingSessions" })).toBe(3n);
    const pending = 3n;

    // The poor app leaves right away: its whole stake unbonds (its budget for `session` is the stake at the
    // session's first block, so it still pays this session's claims, from unbonding).
    await c.send(poorApp, { ...registry(c), functionName: "unstakeApplication", args: [token(100)] });
    const [, , releaseSession] = await c.publicClient.readContract({
      ...registry(c),
      functionName: "applicationStake",
      args: [poorApp.address],
    });
    expect(releaseSession).toBe(session + 4n); // applicationUnbondingSessions = pendingSessions + 1

    const plans: Planned[] = [
      // Rich app (1000 AVY → 333 AVY a session): relays signed by the app and by its delegated gateway.
      {
        name: "cheap → rich",
        supplier: cheap,
        application: richApp,
        relays: await makeRelays(cheap, richApp, 24, [richApp, gateway], 1n, (index) => ({
          inputUnits: BigInt(20 + index * 3),
          outputUnits: BigInt(50 + index * 7),
        })),
      },
      // One relay: both draws land on it, so the proof is sent once.
      {
        name: "expensive → rich",
        supplier: expensive,
        application: richApp,
        relays: await makeRelays(expensive, richApp, 1, [gateway], 500n, () => ({
          inputUnits: 10n,
          outputUnits: 20n,
        })),
      },
      // Poor app (100 AVY → 33 AVY a session): the expensive claim is above the proof threshold and far
      // above the budget, so once proven it makes both poor-app claims pro rata.
      {
        name: "expensive → poor",
        supplier: expensive,
        application: poorApp,
        relays: await makeRelays(expensive, poorApp, 6, [poorApp], 1000n, (index) => ({
          inputUnits: BigInt(10 + index),
          outputUnits: BigInt(20 + index),
        })),
      },
      {
        name: "cheap → poor",
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

    // The mining seed is the hash of the block after the last serving block; the first claim records it.
    const miningSeed = (await c.publicClient.getBlock({ blockNumber: windows.miningSeedBlock })).hash as Hex;
    const probabilityWad = await c.publicClient.readContract({
      ...settlement(c),
      functionName: "miningProbabilityAt",
      args: [testModelId, session],
    });
    expect(probabilityWad).toBe(10n ** 18n);

    const claims: Claimed[] = [];
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
      const lockedBefore = (await collateralOf(plan.supplier.owner)).locked;
      const claimed = await claim(writer(plan.supplier.operator), {
        settlement: c.contracts.settlement,
        supplier: plan.supplier.owner.address,
        application: plan.application.address,
        model: testModelId,
        session,
        root,
      });
      const key = computeClaimKey({
        supplier: plan.supplier.owner.address,
        application: plan.application.address,
        model: testModelId,
        session,
      });
      expect(claimed.claimKey).toBe(key);
      const amount = claimAmount(root.sum, probabilityWad);
      const collateral = claimCollateral({ amount, missingProofPenalty });
      expect(claimed.amount).toBe(amount);
      expect(claimed.collateral).toBe(collateral);
      const onChain = await readClaim(key);
      expect(onChain).toMatchObject({ amount, collateral, proven: false, settled: false, slashed: false });
      expect(onChain?.root.hash).toBe(root.hash);
      // The claim's collateral is locked out of the supplier's stake.
      expect((await collateralOf(plan.supplier.owner)).locked - lockedBefore).toBe(collateral);
      claims.push({ ...plan, key, trie, byKey, amount, collateral });
    }
    const byName = (name: string) => {
      const found = claims.find((candidate) => candidate.name === name);
      if (!found) throw new Error(`no claim ${name}`);
      return found;
    };
    const expensivePoor = byName("expensive → poor");
    expect(expensivePoor.amount).toBeGreaterThanOrEqual(proofThreshold); // a proof is required
    expect(expensivePoor.collateral).toBe(missingProofPenalty);
    // Two claims of 1000 AVY collateral each: both suppliers have all of their 2000 AVY locked.
    expect(await collateralOf(cheap.owner)).toEqual({ locked: token(2000), unlocked: 0n });
    expect(await collateralOf(expensive.owner)).toEqual({ locked: token(2000), unlocked: 0n });

    // The fabricator claims 500 AVY that no relay backs: its whole stake becomes the claim's collateral,
    // so a second claim is refused and nothing can be unstaked.
    const fabricated = await claim(writer(fabricator.operator), {
      settlement: c.contracts.settlement,
      supplier: fabricator.owner.address,
      application: richApp.address,
      model: testModelId,
      session,
      root: { hash: keccak256(toHex("no relay backs this")), sum: token(500), count: 50n },
    });
    expect(fabricated.amount).toBe(token(500));
    expect(fabricated.collateral).toBe(token(1000));
    expect(await collateralOf(fabricator.owner)).toEqual({ locked: token(1000), unlocked: 0n });
    const refused = await claim(writer(fabricator.operator), {
      settlement: c.contracts.settlement,
      supplier: fabricator.owner.address,
      application: poorApp.address,
      model: testModelId,
      session,
      root: { hash: keccak256(toHex("nor this")), sum: token(1), count: 1n },
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ContractRevertedError);
    expect(refused).toMatchObject({
      errorName: "InsufficientCollateral",
      args: [fabricator.owner.address, missingProofPenalty, 0n],
    });
    await expect(
      c.send(fabricator.owner, { ...registry(c), functionName: "unstakeSupplier", args: [1n] }),
    ).rejects.toThrow(/InsufficientUnlockedStake/);

    expect(
      await c.publicClient.readContract({
        ...settlement(c),
        functionName: "miningSeed",
        args: [session],
      }),
    ).toBe(miningSeed);
    // Below the proof threshold a claim counts in the session total when made; at or above it, once proven:
    // the fabricated claim and the expensive poor-app claim do not count yet.
    const richTotal = byName("cheap → rich").amount + byName("expensive → rich").amount;
    expect(await sessionTotal(richApp)).toBe(richTotal);
    expect(await sessionTotal(poorApp)).toBe(byName("cheap → poor").amount);
    expect(
      await c.publicClient.readContract({
        ...registry(c),
        functionName: "unsettledClaimsOf",
        args: [richApp.address],
      }),
    ).toBe(3n);

    // The proof seed block. Its hash decides which claims need a proof and which leaves are drawn; in the
    // rare case that both draws of the 24-leaf claim land on one leaf, the block is mined again with another
    // timestamp (anvil snapshot and revert), so the two-leaf path is always exercised.
    await c.mineTo(windows.proofSeedBlock - 1n);
    const parent = await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock - 1n });
    const cheapRich = byName("cheap → rich");
    let proofSeed: Hex | undefined;
    for (let attempt = 1; attempt <= 20 && proofSeed === undefined; attempt += 1) {
      const snapshot = await c.testClient.snapshot();
      await c.testClient.setNextBlockTimestamp({ timestamp: parent.timestamp + BigInt(attempt) });
      await c.testClient.mine({ blocks: 1 });
      const seed = (await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock })).hash as Hex;
      if (proveClaim(cheapRich.trie, { proofSeed: seed, claimKey: cheapRich.key }).length === 2)
        proofSeed = seed;
      else await c.testClient.revert({ id: snapshot });
    }
    if (!proofSeed) throw new Error("no proof seed drew two leaves of the 24-leaf claim in 20 tries");

    const required = new Map<Hex, boolean>();
    for (const claimed of [...claims, { key: fabricated.claimKey, amount: fabricated.amount }]) {
      const expected = isProofRequired({
        amount: claimed.amount,
        proofThreshold,
        proofSeed,
        claimKey: claimed.key,
        proofProbabilityWad: settlementParameters.proofProbabilityWad,
      });
      required.set(claimed.key, expected);
    }
    expect(required.get(expensivePoor.key)).toBe(true);
    expect(required.get(fabricated.claimKey)).toBe(true);

    // Every real claim is proven (a proof is accepted whether or not it is required); the fabricated one cannot be.
    const proofCounts = new Map<string, number>();
    for (const claimed of claims) {
      const root = claimed.trie.root();
      const draws = proofDraws({ proofSeed, claimKey: claimed.key, root });
      const proofs = proveClaim(claimed.trie, { proofSeed, claimKey: claimed.key });
      // Each proof answers its draw, as the contract will check it: [sum-drawn, count-drawn], or one for both.
      const [bySum, byCount = bySum] = proofs;
      for (const [by, proof, drawn] of [
        ["sum", bySum, draws.sumDraw],
        ["count", byCount, draws.countDraw],
      ] as const) {
        if (!proof) throw new Error("proveClaim returned no proof");
        expect(verifyWeightedProof({ root, by, drawn, ...proof })).toMatchObject({ valid: true });
      }
      const proven = await prove(writer(treasury), {
        settlement: c.contracts.settlement,
        claimKey: claimed.key,
        proofs: proofs.map((proof) => {
          const leaf = claimed.byKey.get(proof.key);
          if (!leaf) throw new Error("a drawn leaf is not one of ours");
          return { leaf, sideNodes: proof.sideNodes, emptyMask: proof.emptyMask };
        }),
      });
      expect(
        await c.publicClient.readContract({
          ...settlement(c),
          functionName: "proofDraws",
          args: [claimed.key],
        }),
      ).toEqual([draws.sumDraw, draws.countDraw]);
      expect(
        await c.publicClient.readContract({
          ...settlement(c),
          functionName: "isProofRequired",
          args: [claimed.key],
        }),
      ).toBe(required.get(claimed.key));
      expect(proven.sumRelayKey).toBe(proofs[0]?.key);
      expect(proven.countRelayKey).toBe(proofs.at(-1)?.key);
      expect((await readClaim(claimed.key))?.proven).toBe(true);
      proofCounts.set(claimed.name, proofs.length);
    }
    expect(proofCounts.get("cheap → rich")).toBe(2);
    expect(proofCounts.get("expensive → rich")).toBe(1);
    // Proven, the expensive poor-app claim counts now.
    expect(await sessionTotal(poorApp)).toBe(byName("cheap → poor").amount + expensivePoor.amount);
    expect(await sessionTotal(richApp)).toBe(richTotal);

    // The poor app's unbonding is released, but its claims are not settled: it cannot withdraw yet.
    await c.mineTo((session + 4n) * sessionParams.sessionBlocks - 1n);
    expect(
      await c.publicClient.readContract({
        ...registry(c),
        functionName: "unsettledClaimsOf",
        args: [poorApp.address],
      }),
    ).toBe(2n);
    await expect(
      c.send(poorApp, { ...registry(c), functionName: "withdrawApplication", args: [] }),
    ).rejects.toThrow(/UnsettledClaims/);

    // Settlement: compare every balance and stake change with the library's numbers.
    const totals = new Map<Address, bigint>([
      [richApp.address, richTotal],
      [poorApp.address, byName("cheap → poor").amount + expensivePoor.amount],
    ]);
    let poorPaid = 0n;
    for (const claimed of claims) {
      const application = claimed.application.address;
      const owner = claimed.supplier.owner;
      const ownerBefore = await c.balanceOf(owner.address);
      const sourceBefore = await c.balanceOf(source.address);
      const treasuryBefore = await c.balanceOf(treasury.address);
      const stakeBefore = await supplierStake(owner);
      const lockedBefore = (await collateralOf(owner)).locked;
      const stakeAtSession = await c.publicClient.readContract({
        ...registry(c),
        functionName: "applicationStakeAt",
        args: [application, session],
      });
      const budget = sessionBudget(stakeAtSession, pending);
      expect(
        await c.publicClient.readContract({
          ...settlement(c),
          functionName: "sessionBudget",
          args: [application, session],
        }),
      ).toBe(budget);

      const settled = await settle(writer(richApp), {
        settlement: c.contracts.settlement,
        claimKey: claimed.key,
      });
      const pay = settlementPayout({ amount: claimed.amount, total: totals.get(application) ?? 0n, budget });
      const split = splitPayment({
        pay,
        sourceShareBps,
        protocolShareBps: settlementParameters.protocolShareBps,
      });
      expect(settled).toMatchObject({
        paid: pay,
        toSupplier: split.toSupplier,
        toSource: split.toSource,
        toTreasury: split.toTreasury,
        released: claimed.collateral,
        slashed: undefined,
      });
      expect((await c.balanceOf(owner.address)) - ownerBefore).toBe(split.toSupplier);
      expect((await c.balanceOf(source.address)) - sourceBefore).toBe(split.toSource);
      expect((await c.balanceOf(treasury.address)) - treasuryBefore).toBe(split.toTreasury);
      expect(await supplierStake(owner)).toBe(stakeBefore);
      expect(lockedBefore - (await collateralOf(owner)).locked).toBe(claimed.collateral);
      if (application === poorApp.address) {
        expect(pay).toBeLessThan(claimed.amount); // pro rata
        poorPaid += pay;
      } else expect(pay).toBe(claimed.amount);
      expect(await readClaim(claimed.key)).toMatchObject({ settled: true, slashed: false });
    }
    // Everything released: the honest suppliers' stakes are whole and free again.
    expect(await collateralOf(cheap.owner)).toEqual({ locked: 0n, unlocked: token(2000) });
    expect(await collateralOf(expensive.owner)).toEqual({ locked: 0n, unlocked: token(2000) });

    // The fabricated claim needed a proof and has none: all of its collateral is slashed to the treasury, and
    // nothing is paid (it never counted in the rich app's total, so the honest claims were paid in full).
    const treasuryBefore = await c.balanceOf(treasury.address);
    const richStakeBefore = await applicationHeld(richApp);
    const slashed = await settle(writer(richApp), {
      settlement: c.contracts.settlement,
      claimKey: fabricated.claimKey,
    });
    expect(slashed).toMatchObject({ paid: 0n, released: 0n, slashed: token(1000) });
    expect((await c.balanceOf(treasury.address)) - treasuryBefore).toBe(token(1000));
    expect(await applicationHeld(richApp)).toBe(richStakeBefore);
    expect(await supplierStake(fabricator.owner)).toBe(0n);
    expect(await collateralOf(fabricator.owner)).toEqual({ locked: 0n, unlocked: 0n });
    expect(await readClaim(fabricated.claimKey)).toMatchObject({
      settled: true,
      slashed: true,
      proven: false,
    });

    // Nothing is settled twice.
    const again = await settle(writer(richApp), {
      settlement: c.contracts.settlement,
      claimKey: cheapRich.key,
    }).catch((error: unknown) => error);
    expect(again).toMatchObject({ errorName: "AlreadySettled" });

    // Settled, the poor app withdraws what its claims left of its stake.
    expect(
      await c.publicClient.readContract({
        ...registry(c),
        functionName: "unsettledClaimsOf",
        args: [poorApp.address],
      }),
    ).toBe(0n);
    const [, unbonding] = await c.publicClient.readContract({
      ...registry(c),
      functionName: "applicationStake",
      args: [poorApp.address],
    });
    // Pro rata, the two claims shared the budget (up to rounding down), paid from the unbonding stake.
    expect(poorPaid).toBeLessThanOrEqual(sessionBudget(token(100), pending));
    expect(poorPaid).toBeGreaterThan(sessionBudget(token(100), pending) - 2n);
    expect(unbonding).toBe(token(100) - poorPaid);
    const poorBefore = await c.balanceOf(poorApp.address);
    await c.send(poorApp, { ...registry(c), functionName: "withdrawApplication", args: [] });
    expect((await c.balanceOf(poorApp.address)) - poorBefore).toBe(unbonding);
  });
});
