// The settlement chain actions against anvil and the real contracts, through one session: claim (locking
// collateral, refused when the stake cannot cover it), the seeds, recordSeed, the draws, prove with the leaves
// the library draws (and a refusal for a leaf that was not drawn), settle (paid, or slashed for a missing
// proof), listClaims. Every refusal is a ContractRevertedError naming the custom error.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, devnetSettlementParameters, startDevnet, token } from "@aviary/devnet";
import {
  buildSumTrie,
  type CompactWeightedProof,
  proofDraws,
  proveClaim,
  relayCost,
  relayValueHash,
  type SignedRelay,
  type SumTrie,
  sessionWindows,
  toCompactProof,
} from "@aviary/protocol";
import {
  type Actor,
  actor,
  type Clients,
  clients,
  devnetSessionParams,
  relayKeyOf,
  setUpNetwork,
  signRelay,
  testModelId,
} from "@aviary/testkit";
import { createWalletClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claim } from "../src/actions/claim.ts";
import { getApplicationStake } from "../src/actions/getApplicationStake.ts";
import { getClaim } from "../src/actions/getClaim.ts";
import { getMiningProbability } from "../src/actions/getMiningProbability.ts";
import { getMiningSeed } from "../src/actions/getMiningSeed.ts";
import { getProofDraws } from "../src/actions/getProofDraws.ts";
import { getProofRequired } from "../src/actions/getProofRequired.ts";
import { getProofSeed } from "../src/actions/getProofSeed.ts";
import { getSessionTotal } from "../src/actions/getSessionTotal.ts";
import { getSessionWindows } from "../src/actions/getSessionWindows.ts";
import { getSupplierCollateral } from "../src/actions/getSupplierCollateral.ts";
import type { AviaryWriteClients } from "../src/actions/internal/clients.ts";
import { listClaims } from "../src/actions/listClaims.ts";
import { type LeafProof, prove } from "../src/actions/prove.ts";
import { recordSeed } from "../src/actions/recordSeed.ts";
import { settle } from "../src/actions/settle.ts";
import { ContractRevertedError } from "../src/errors.ts";

const penalty = devnetSettlementParameters().missingProofPenalty; // 1000 AVY
const price = { inputPrice: token("0.01"), outputPrice: token("0.05") };

let devnet: Devnet;
let c: Clients;
let owner: Actor;
let operator: Actor;
let operatorClients: AviaryWriteClients;
let publicClient: PublicClient;
let session: bigint;
let settlementAddress: Hex;
let registryAddress: Hex;

/** One claim to be: an application's relays and the library's trie of them. */
type Plan = { application: Actor; relays: SignedRelay[]; trie: SumTrie; claimKey?: Hex };
const plans: Record<"proven" | "small" | "unproven" | "beyond", Plan> = {} as never;

let nonce = 1n;
async function relaysFor(
  application: Actor,
  count: number,
  units: { inputUnits: bigint; outputUnits: bigint },
) {
  const relays: SignedRelay[] = [];
  for (let index = 0; index < count; index += 1) {
    const request = {
      application: application.address,
      supplier: owner.address,
      model: testModelId,
      session,
      nonce: nonce++,
      bodyHash: `0x${(index + 1).toString(16).padStart(64, "0")}` as Hex,
      ...price,
      maxCost: (units.inputUnits + 1n) * price.inputPrice + (units.outputUnits + 1n) * price.outputPrice,
    };
    relays.push(await signRelay(c, request, application, operator, units));
  }
  const trie = buildSumTrie(
    relays.map((relay) => ({
      key: relayKeyOf(c, relay),
      valueHash: relayValueHash(relay),
      weight: relayCost(relay),
    })),
  );
  return { application, relays, trie };
}

/** The contract's LeafProof for compact proofs of `plan`'s trie. */
function leafProofs(plan: Plan, proofs: CompactWeightedProof[]): LeafProof[] {
  return proofs.map((proof) => {
    const leaf = plan.relays.find((relay) => relayKeyOf(c, relay) === proof.key);
    if (!leaf) throw new Error(`no relay ${proof.key}`);
    return { leaf, sideNodes: proof.sideNodes, emptyMask: proof.emptyMask };
  });
}

/** Awaits `promise` and returns the ContractRevertedError it rejects with. */
async function revertOf(promise: Promise<unknown>): Promise<ContractRevertedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ContractRevertedError);
  return error as ContractRevertedError;
}

beforeAll(async () => {
  devnet = await startDevnet({ home: mkdtempSync(join(tmpdir(), "aviary-sdk-settlement-")), persist: false });
  c = clients(devnet);
  publicClient = c.publicClient as PublicClient;
  owner = actor(devnet, "supplier-1");
  operator = actor(devnet, "spare-1");
  operatorClients = {
    publicClient,
    walletClient: createWalletClient({
      account: privateKeyToAccount(operator.privateKey),
      chain: c.chain,
      transport: http(devnet.rpcUrl),
    }),
  };
  settlementAddress = c.contracts.settlement;
  registryAddress = c.contracts.registry;
  const applications = ["application", "spare-2", "supplier-3", "supplier-2"].map((role) =>
    actor(devnet, role),
  );
  const setup = await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps: 1000,
    // Three claims' collateral (each locks at least the 1000 AVY penalty): the fourth is refused.
    suppliers: [{ owner, operator, ...price, stake: 3n * penalty }],
    applications: applications.map((application) => ({ actor: application, stake: token(1000) })),
  });
  session = setup.session;
  const [first, second, third, fourth] = applications as [Actor, Actor, Actor, Actor];
  // ~132 AVY (above the 100 AVY threshold): proven. ~3.3 AVY: a proof required a quarter of the time.
  plans.proven = await relaysFor(first, 12, { inputUnits: 100n, outputUnits: 200n });
  plans.small = await relaysFor(second, 3, { inputUnits: 10n, outputUnits: 20n });
  // ~110 AVY, never proven: slashed at settlement.
  plans.unproven = await relaysFor(third, 10, { inputUnits: 100n, outputUnits: 200n });
  plans.beyond = await relaysFor(fourth, 1, { inputUnits: 5n, outputUnits: 5n });
});

afterAll(async () => {
  await devnet?.stop();
});

const windows = () => sessionWindows(session, devnetSessionParams);
const claimOf = (plan: Plan) =>
  claim(operatorClients, {
    settlement: settlementAddress,
    supplier: owner.address,
    application: plan.application.address,
    model: testModelId,
    session,
    root: plan.trie.root(),
  });

describe("settlement actions (anvil, real contracts)", () => {
  it("reads the session's windows as the library computes them", async () => {
    const onChain = await getSessionWindows(publicClient, { settlement: settlementAddress, session });
    const { miningSeedBlock, claimStart, claimEnd, proofSeedBlock, proofStart, proofEnd, settleFrom } =
      windows();
    expect(onChain).toEqual({
      miningSeedBlock,
      claimStart,
      claimEnd,
      proofSeedBlock,
      proofStart,
      proofEnd,
      settleFrom,
    });
    expect(
      await getMiningProbability(publicClient, {
        settlement: settlementAddress,
        model: testModelId,
        session,
      }),
    ).toBe(10n ** 18n);
  });

  it("claim: refused outside the window, with the window in the message", async () => {
    const error = await revertOf(claimOf(plans.proven));
    expect(error.errorName).toBe("OutsideWindow");
    expect(error.args).toEqual([session, expect.any(BigInt), windows().claimStart, windows().claimEnd]);
    expect(error.shortMessage).toMatch(
      new RegExp(
        `^claim reverted with OutsideWindow\\(.*\\): block \\d+ is outside the window \\[${windows().claimStart}, ${windows().claimEnd}\\] of session ${session}\\.$`,
      ),
    );
  });

  it("the mining seed: none before block M, then its hash as a preview, then the stored one", async () => {
    const { miningSeedBlock, claimStart } = windows();
    await c.mineTo(miningSeedBlock - 1n);
    expect(
      await getMiningSeed(publicClient, { settlement: settlementAddress, session, preview: true }),
    ).toEqual({
      seed: undefined,
      stored: false,
    });
    await c.mineTo(claimStart);
    const blockM = await publicClient.getBlock({ blockNumber: miningSeedBlock });
    expect(
      await getMiningSeed(publicClient, { settlement: settlementAddress, session, preview: true }),
    ).toEqual({
      seed: blockM.hash,
      stored: false,
    });
    expect(await getMiningSeed(publicClient, { settlement: settlementAddress, session })).toEqual({
      seed: undefined,
      stored: false,
    });
  });

  it("claim: locks max(missingProofPenalty, amount) of the stake; the claim the stake cannot cover is refused", async () => {
    for (const name of ["proven", "small", "unproven"] as const) {
      const plan = plans[name];
      const result = await claimOf(plan);
      expect(result.receipt.status).toBe("success");
      expect(result.amount).toBe(plan.trie.root().sum); // p = 1
      expect(result.collateral).toBe(penalty); // every amount here is below the penalty
      plan.claimKey = result.claimKey;
    }
    const blockM = await publicClient.getBlock({ blockNumber: windows().miningSeedBlock });
    expect(await getMiningSeed(publicClient, { settlement: settlementAddress, session })).toEqual({
      seed: blockM.hash,
      stored: true,
    });
    expect(
      await getSupplierCollateral(publicClient, { registry: registryAddress, supplier: owner.address }),
    ).toEqual({
      locked: 3n * penalty,
      unlocked: 0n,
    });

    const error = await revertOf(claimOf(plans.beyond));
    expect(error.errorName).toBe("InsufficientCollateral");
    expect(error.args).toEqual([owner.address, penalty, 0n]);
    expect(error.shortMessage).toContain(
      `supplier ${owner.address} needs 1000 AVY of unlocked stake as the claim's collateral but has 0 AVY`,
    );

    const claimed = await getClaim(publicClient, {
      settlement: settlementAddress,
      claimKey: plans.proven.claimKey as Hex,
    });
    expect(claimed).toMatchObject({ collateral: penalty, proven: false, settled: false, slashed: false });
    // Claims at or above the threshold count in the session's total only once proven.
    const small = await getSessionTotal(publicClient, {
      settlement: settlementAddress,
      application: plans.small.application.address,
      session,
    });
    expect(small).toEqual({ total: plans.small.trie.root().sum, budget: token(1000) / 3n });
    const big = await getSessionTotal(publicClient, {
      settlement: settlementAddress,
      application: plans.proven.application.address,
      session,
    });
    expect(big.total).toBe(0n);
    const stake = await getApplicationStake(publicClient, {
      registry: registryAddress,
      application: plans.proven.application.address,
    });
    expect(stake.unsettledClaims).toBe(1n);
  });

  it("the proof seed and draws: unavailable before block B; recordSeed stores it once; draws as the library's", async () => {
    const key = plans.proven.claimKey as Hex;
    const early = await revertOf(
      getProofDraws(publicClient, { settlement: settlementAddress, claimKey: key }),
    );
    expect(early.errorName).toBe("SeedUnavailable");
    expect(early.shortMessage).toContain(`the hash of seed block ${windows().proofSeedBlock}`);

    await c.mineTo(windows().proofStart);
    const blockB = await publicClient.getBlock({ blockNumber: windows().proofSeedBlock });
    expect(
      await getProofSeed(publicClient, { settlement: settlementAddress, session, preview: true }),
    ).toEqual({
      seed: blockB.hash,
      stored: false,
    });
    const first = await recordSeed(operatorClients, { settlement: settlementAddress, session });
    expect(first).toMatchObject({ seed: blockB.hash, recorded: true });
    const again = await recordSeed(operatorClients, { settlement: settlementAddress, session });
    expect(again).toMatchObject({ seed: blockB.hash, recorded: false });

    const draws = await getProofDraws(publicClient, { settlement: settlementAddress, claimKey: key });
    expect(draws).toEqual(
      proofDraws({ proofSeed: blockB.hash as Hex, claimKey: key, root: plans.proven.trie.root() }),
    );
    expect(await getProofRequired(publicClient, { settlement: settlementAddress, claimKey: key })).toBe(true);
  });

  it("prove: a leaf that was not drawn is refused (LeafNotDrawn); the drawn leaves are accepted", async () => {
    const plan = plans.proven;
    const key = plan.claimKey as Hex;
    const { seed } = await getProofSeed(publicClient, { settlement: settlementAddress, session });
    const proofs = proveClaim(plan.trie, { proofSeed: seed as Hex, claimKey: key });
    const { sumDraw } = await getProofDraws(publicClient, { settlement: settlementAddress, claimKey: key });
    // A valid proof of another leaf than the one drawn by sum: the first or the last leaf by sum.
    const root = plan.trie.root();
    const other = [0n, root.sum - 1n]
      .map((drawn) => toCompactProof(plan.trie.proveDrawn("sum", drawn)))
      .find((proof) => proof.key !== proofs[0]?.key) as CompactWeightedProof;
    const refused = await revertOf(
      prove(operatorClients, {
        settlement: settlementAddress,
        claimKey: key,
        proofs: leafProofs(plan, [other, ...proofs.slice(1)]),
      }),
    );
    expect(refused.errorName).toBe("LeafNotDrawn");
    expect(refused.args[0]).toBe(0); // by sum
    expect(refused.args[1]).toBe(sumDraw);
    expect(refused.shortMessage).toMatch(
      /the draw by sum \(\d+\) is outside the proven leaf's interval \[\d+, \d+\)/,
    );

    const proven = await prove(operatorClients, {
      settlement: settlementAddress,
      claimKey: key,
      proofs: leafProofs(plan, proofs),
    });
    expect(proven.sumRelayKey).toBe(proofs[0]?.key);
    expect(proven.countRelayKey).toBe(proofs.at(-1)?.key);
    expect((await getClaim(publicClient, { settlement: settlementAddress, claimKey: key }))?.proven).toBe(
      true,
    );
    const total = await getSessionTotal(publicClient, {
      settlement: settlementAddress,
      application: plan.application.address,
      session,
    });
    expect(total.total).toBe(root.sum);

    const twice = await revertOf(
      prove(operatorClients, {
        settlement: settlementAddress,
        claimKey: key,
        proofs: leafProofs(plan, proofs),
      }),
    );
    expect(twice.errorName).toBe("AlreadyProven");
  });

  it("settle: too early is refused; then pays and releases, or slashes the collateral of a missing proof", async () => {
    const early = await revertOf(
      settle(operatorClients, { settlement: settlementAddress, claimKey: plans.proven.claimKey as Hex }),
    );
    expect(early.errorName).toBe("SettlementTooEarly");
    await c.mineTo(windows().settleFrom);

    const paid = await settle(operatorClients, {
      settlement: settlementAddress,
      claimKey: plans.proven.claimKey as Hex,
    });
    expect(paid.paid).toBe(plans.proven.trie.root().sum); // under budget: paid in full
    expect(paid.toSupplier + paid.toSource + paid.toTreasury).toBe(paid.paid);
    expect(paid.released).toBe(penalty);
    expect(paid.slashed).toBeUndefined();

    const slashed = await settle(operatorClients, {
      settlement: settlementAddress,
      claimKey: plans.unproven.claimKey as Hex,
    });
    expect(slashed).toMatchObject({ paid: 0n, released: 0n, slashed: penalty });

    const smallRequired = await getProofRequired(publicClient, {
      settlement: settlementAddress,
      claimKey: plans.small.claimKey as Hex,
    });
    const small = await settle(operatorClients, {
      settlement: settlementAddress,
      claimKey: plans.small.claimKey as Hex,
    });
    expect(small.slashed).toBe(smallRequired ? penalty : undefined);

    expect(
      await getSupplierCollateral(publicClient, { registry: registryAddress, supplier: owner.address }),
    ).toEqual({
      locked: 0n,
      unlocked: (smallRequired ? 1n : 2n) * penalty,
    });
  });

  it("listClaims: statuses, proven relays, payments, released and slashed collateral", async () => {
    const entries = await listClaims(publicClient, { settlement: settlementAddress, session });
    expect(entries.map((entry) => entry.claimKey)).toEqual(
      [plans.proven, plans.small, plans.unproven].map((plan) => plan.claimKey),
    );
    const [proven, , unproven] = entries;
    expect(proven).toMatchObject({
      status: "settled",
      collateral: penalty,
      slashed: false,
      collateralReleased: penalty,
      slashedAmount: undefined,
      payment: { paid: plans.proven.trie.root().sum },
    });
    expect(proven?.provenRelayKeys).toEqual(
      expect.objectContaining({ sum: expect.stringMatching(/^0x/), count: expect.stringMatching(/^0x/) }),
    );
    expect(unproven).toMatchObject({
      status: "proof-missing",
      slashed: true,
      slashedAmount: penalty,
      collateralReleased: undefined,
      payment: undefined,
      provenRelayKeys: undefined,
    });
  });
});
