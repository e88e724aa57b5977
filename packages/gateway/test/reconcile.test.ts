// A supplier that proves a leaf whose receipt differs from the one it gave the gateway is caught: the
// gateway's reconciliation reads both drawn leaves of the public proof, files the evidence, reports the
// equivocation, and the supplier is slashed by the real contract. Leaves the gateway did not sign, or signed but
// holds no receipt for, are not evidence; a claim larger than the gateway's receipts is reported, never held
// against the supplier.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devnetChain, devnetSettlementParameters, startDevnet, token } from "@aviary/devnet";
import {
  buildSumTrie,
  type CompactWeightedProof,
  claimKey as computeClaimKey,
  decodeReceiptHeader,
  hashRelayRequest,
  proveClaim,
  type RelayRequest,
  recoverDigestSigner,
  relayCost,
  relayKey,
  relayValueHash,
  type SignedRelay,
  type SumTrie,
  sessionWindows,
  signRelayReceipt,
} from "@aviary/protocol";
import { SupplierStatsBook } from "@aviary/sdk";
import {
  type Actor,
  actor,
  type Clients,
  clients,
  registry,
  settlement,
  setUpNetwork,
  signRelay,
} from "@aviary/testkit";
import {
  type Address,
  createWalletClient,
  type Hex,
  hexToBytes,
  http,
  isAddressEqual,
  keccak256,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { EQUIVOCATION_CHECK } from "../src/reconcile/equivocationEvidence.ts";
import { reconcileClaims } from "../src/reconcile/reconcileClaims.ts";
import { reconcileProvenLeaves } from "../src/reconcile/reconcileProvenLeaves.ts";
import { createGatewayStore } from "../src/store/createGatewayStore.ts";
import type { GatewayStore } from "../src/store/GatewayStore.ts";

const stringify = (value: unknown) =>
  JSON.stringify(value, (_, entry) => (typeof entry === "bigint" ? entry.toString() : entry));

/** Keeps a relay's receipt as the gateway does after verifying it. */
async function keep(store: GatewayStore, c: Clients, relay: SignedRelay, receiptSignature?: Hex) {
  await store.putReceipt({
    relayKey: relayKey({ domain: c.domain, request: relay.request }),
    session: relay.request.session,
    supplier: relay.request.supplier,
    application: relay.request.application,
    model: relay.request.model,
    request: stringify(relay.request),
    requestSignature: relay.requestSignature,
    receipt: stringify(relay.receipt),
    receiptSignature: receiptSignature ?? relay.receiptSignature,
    createdAt: Date.now(),
  });
}

/** The same request, re-signed by the operator with a receipt billing `outputUnits` instead. */
async function inflate(c: Clients, relay: SignedRelay, operator: Actor, outputUnits: bigint) {
  const receipt = { ...relay.receipt, request: hashRelayRequest(relay.request), outputUnits };
  return {
    ...relay,
    receipt,
    receiptSignature: await signRelayReceipt({ domain: c.domain, receipt, signer: operator.privateKey }),
  };
}

/** `signature` with v lowered from 27/28 to 0/1: the same ECDSA signature, refused by the one rule. */
const withLowV = (signature: Hex): Hex => {
  const bytes = hexToBytes(signature);
  bytes[64] = (bytes[64] ?? 27) - 27;
  return toHex(bytes);
};

type Built = { trie: SumTrie; byKey: Map<string, SignedRelay>; claimKey: Hex; application: Address };

function buildClaim(c: Clients, relays: SignedRelay[], session: bigint): Built {
  const byKey = new Map<string, SignedRelay>();
  const trie = buildSumTrie(
    relays.map((relay) => {
      const key = relayKey({ domain: c.domain, request: relay.request });
      byKey.set(key, relay);
      return { key, valueHash: relayValueHash(relay), weight: relayCost(relay) };
    }),
  );
  const first = relays[0];
  if (!first) throw new Error("no relays");
  const claimKey = computeClaimKey({
    supplier: first.request.supplier,
    application: first.request.application,
    model: first.request.model,
    session,
  });
  return { trie, byKey, claimKey, application: first.request.application };
}

const proveArgs = (built: Built, proofs: CompactWeightedProof[]) =>
  [
    built.claimKey,
    proofs.map((proof) => {
      const leaf = built.byKey.get(proof.key);
      if (!leaf) throw new Error(`leaf ${proof.key} is not one of the claim's relays`);
      return { leaf, sideNodes: proof.sideNodes, emptyMask: proof.emptyMask };
    }),
  ] as const;

describe("reconcileProvenLeaves", () => {
  it("compares both drawn leaves of the relays it signed; files and reports an equivocation in the count-drawn leaf, and the report slashes on the real contract", async () => {
    const devnet = await startDevnet({
      home: mkdtempSync(join(tmpdir(), "aviary-reconcile-")),
      persist: false,
    });
    try {
      const c = clients(devnet);
      const owner = actor(devnet, "supplier-1");
      const owner2 = actor(devnet, "supplier-2");
      const gateway = actor(devnet, "gateway");
      const application = actor(devnet, "application");
      const other = actor(devnet, "spare-2");
      const { session, modelId } = await setUpNetwork(c, {
        source: actor(devnet, "model-source"),
        sourceShareBps: 1000,
        suppliers: [
          { owner, operator: owner, inputPrice: 10n, outputPrice: 20n, stake: token(5000) },
          { owner: owner2, operator: owner2, inputPrice: 10n, outputPrice: 20n, stake: token(5000) },
        ],
        gateway,
        applications: [
          { actor: application, stake: token(1000), delegateTo: gateway },
          { actor: other, stake: token(1000), delegateTo: gateway },
        ],
      });
      const relay = async (
        app: Actor,
        nonce: bigint,
        units: { inputUnits: bigint; outputUnits: bigint },
        by: { supplier?: Actor; signer?: Actor } = {},
      ) => {
        const supplier = by.supplier ?? owner;
        const request: RelayRequest = {
          application: app.address,
          supplier: supplier.address,
          model: modelId,
          session,
          nonce,
          bodyHash: keccak256(toHex(`body ${nonce}`)),
          inputPrice: 10n,
          outputPrice: 20n,
          maxCost: 100_000n,
        };
        return signRelay(c, request, by.signer ?? gateway, supplier, units);
      };
      // Claim A: one large relay and five small ones, all received by the gateway with honest receipts. The
      // supplier claims the large one as served but re-signs the five small ones billing more output, so
      // the sum draw almost surely lands on the honest large leaf and the count draw on a re-signed one.
      const large = await relay(application, 1n, { inputUnits: 1000n, outputUnits: 1000n });
      const small = await Promise.all(
        [2n, 3n, 4n, 5n, 6n].map((nonce) => relay(application, nonce, { inputUnits: 1n, outputUnits: 1n })),
      );
      const inflated = await Promise.all(small.map((served) => inflate(c, served, owner, 2n)));
      // Claim B: one honest relay for the other application: a one-leaf proof (both draws on it).
      const single = await relay(other, 7n, { inputUnits: 3n, outputUnits: 4n });
      // Claim E: the application relayed to supplier 2 itself (the direct route, its own key); the claim holds
      // only that relay, larger than the one relay the gateway holds a receipt for. Not the gateway's to judge.
      const throughGateway = await relay(
        application,
        8n,
        { inputUnits: 1n, outputUnits: 1n },
        { supplier: owner2 },
      );
      const direct = await relay(
        application,
        9n,
        { inputUnits: 50n, outputUnits: 50n },
        { supplier: owner2, signer: application },
      );
      // Claim F: a relay the gateway signed but never got a receipt for (the client hung up, say) is proven:
      // the supplier may well have served it; no evidence either.
      const kept = await relay(other, 10n, { inputUnits: 2n, outputUnits: 2n }, { supplier: owner2 });
      const unreceipted = await relay(other, 11n, { inputUnits: 2n, outputUnits: 2n }, { supplier: owner2 });

      const store = createGatewayStore({ path: ":memory:" });
      await store.migrate();
      for (const served of [large, ...small, single, throughGateway, kept]) await keep(store, c, served);

      const claimA = buildClaim(c, [large, ...inflated], session);
      const claimB = buildClaim(c, [single], session);
      const claimE = buildClaim(c, [direct], session);
      const claimF = buildClaim(c, [unreceipted], session);
      const windows = sessionWindows(session, {
        sessionBlocks: 20n,
        graceBlocks: 4n,
        claimBlocks: 8n,
        proofBlocks: 8n,
      });
      // The draws follow the proof seed (a block hash): retry the claim window until the count draw lands
      // on a re-signed leaf and the sum draw on the honest one (anvil's hashes change with the timestamp).
      const largeKey = relayKey({ domain: c.domain, request: large.request });
      let proofsA: CompactWeightedProof[] = [];
      let proofsB: CompactWeightedProof[] = [];
      const claimOf = (built: Built) => (built === claimE || built === claimF ? owner2 : owner);
      for (let attempt = 0; ; attempt += 1) {
        const snapshot = await c.testClient.snapshot();
        await c.mineTo(windows.claimStart - 1n);
        for (const built of [claimA, claimB, claimE, claimF]) {
          const by = claimOf(built);
          await c.send(by, {
            ...settlement(c),
            functionName: "claim",
            args: [by.address, built.application, modelId, session, built.trie.root()],
          });
        }
        await c.mineTo(windows.proofStart - 1n);
        const proofSeed = (await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock }))
          .hash as Hex;
        proofsA = proveClaim(claimA.trie, { proofSeed, claimKey: claimA.claimKey });
        proofsB = proveClaim(claimB.trie, { proofSeed, claimKey: claimB.claimKey });
        if (proofsA.length === 2 && proofsA[0]?.key === largeKey) break;
        if (attempt >= 20) throw new Error("the draws never split the claim's leaves");
        await c.testClient.revert({ id: snapshot });
        await c.testClient.increaseTime({ seconds: 17 + attempt });
      }
      expect(proofsB).toHaveLength(1);
      const countDrawnKey = proofsA[1]?.key as Hex;
      const seed = (await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock })).hash as Hex;
      for (const [built, proofs] of [
        [claimA, proofsA],
        [claimB, proofsB],
        [claimE, proveClaim(claimE.trie, { proofSeed: seed, claimKey: claimE.claimKey })],
        [claimF, proveClaim(claimF.trie, { proofSeed: seed, claimKey: claimF.claimKey })],
      ] as const) {
        await c.send(claimOf(built), {
          ...settlement(c),
          functionName: "prove",
          args: proveArgs(built, proofs),
        });
      }

      const stakeOf = async () =>
        (
          await c.publicClient.readContract({
            ...registry(c),
            functionName: "supplierStake",
            args: [owner.address],
          })
        )[0];
      const stakeBefore = await stakeOf();
      const gatewayBefore = await c.balanceOf(gateway.address);
      const walletClient = createWalletClient({
        account: privateKeyToAccount(gateway.privateKey),
        chain: devnetChain(devnet.rpcUrl, devnet.chainId),
        transport: http(devnet.rpcUrl),
      });

      // A copy of the count-drawn receipt kept with v = 0/1 (before the one signature rule) is no fraud
      // proof the contract accepts: the difference is noted, nothing is sent, nobody is slashed.
      const legacy = createGatewayStore({ path: ":memory:" });
      await legacy.migrate();
      const legacyCopy = small.find(
        (served) => relayKey({ domain: c.domain, request: served.request }) === countDrawnKey,
      );
      if (!legacyCopy) throw new Error("the count-drawn leaf is not a re-signed one");
      await keep(legacy, c, legacyCopy, withLowV(legacyCopy.receiptSignature));
      const refused = await reconcileProvenLeaves({
        publicClient: c.publicClient,
        walletClient,
        settlement: c.contracts.settlement,
        store: legacy,
        fromBlock: 0n,
      });
      expect(refused.checked).toBe(1);
      // A's sum-drawn leaf is a relay the gateway signed; this store holds no receipt for it.
      expect(refused.unreceipted).toBe(1);
      expect(refused.equivocations).toEqual([
        expect.objectContaining({ relayKey: countDrawnKey, error: expect.stringMatching(/signature rule/) }),
      ]);
      expect(refused.equivocations[0]?.transactionHash).toBeUndefined();
      expect(refused.equivocations[0]?.evidenceId).toBeUndefined();
      expect(await legacy.evidence({})).toEqual([]);
      expect(await stakeOf()).toBe(stakeBefore);
      await legacy.close();

      const book = new SupplierStatsBook();
      const recorded: string[] = [];
      const result = await reconcileProvenLeaves({
        publicClient: c.publicClient,
        walletClient,
        settlement: c.contracts.settlement,
        store,
        book,
        evaluation: { recordEvidence: (address) => recorded.push(address) },
        modelName: async () => "the-model",
        fromBlock: 0n,
      });
      // Both leaves of A's two-leaf proof and B's single leaf: the sum-drawn leaf and B's match. E's leaf was
      // signed by the application, F's by the gateway without a receipt kept: counted, never evidence.
      expect(result.checked).toBe(3);
      expect(result.matched).toBe(2);
      expect(result.foreign).toBe(1);
      expect(result.unreceipted).toBe(1);
      expect(result.equivocations).toEqual([
        {
          relayKey: countDrawnKey,
          supplier: owner.address,
          claimKey: claimA.claimKey,
          drawnBy: ["count"],
          transactionHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
          evidenceId: `equivocation:${countDrawnKey}`,
        },
      ]);
      // The evidence: the request the gateway signed and both receipts, each checkable by anyone.
      const evidence = await store.evidence({});
      expect(evidence).toHaveLength(1);
      const filed = evidence[0];
      expect(filed).toMatchObject({
        supplier: owner.address.toLowerCase(),
        model: "the-model",
        kind: "billing",
        check: EQUIVOCATION_CHECK,
        relayKey: countDrawnKey,
      });
      const published = {
        request: JSON.parse(filed?.request ?? "null"),
        receipt: JSON.parse(filed?.receipt ?? "null"),
      };
      const requestSigner = recoverDigestSigner(hexToBytes(countDrawnKey), published.request.signature);
      expect(requestSigner && isAddressEqual(requestSigner, gateway.address)).toBe(true);
      expect(published.receipt.receipt.outputUnits).toBe("1");
      expect(published.receipt.proven.receipt.outputUnits).toBe("2");
      expect(published.receipt.proven.transaction).toMatch(/^0x[0-9a-f]{64}$/);
      for (const side of [published.receipt, published.receipt.proven]) {
        const decoded = decodeReceiptHeader(side.encoded);
        expect(decoded.signature).toBe(side.signature);
        expect(decoded.receipt.outputUnits).toBe(BigInt(side.receipt.outputUnits));
      }
      expect(recorded.map((address) => address.toLowerCase())).toEqual([owner.address.toLowerCase()]);
      // The reputation hit of a bad receipt, for the equivocating supplier only.
      expect(book.get(owner.address)?.failures).toBe(1);
      expect(book.get(owner2.address)).toBeUndefined();
      const penalty = devnetSettlementParameters().equivocationPenalty;
      expect(stakeBefore - (await stakeOf())).toBe(penalty);
      expect((await c.balanceOf(gateway.address)) - gatewayBefore).toBe((penalty * 5000n) / 10_000n);
      expect(
        await c.publicClient.readContract({
          ...settlement(c),
          functionName: "isReported",
          args: [countDrawnKey],
        }),
      ).toBe(true);

      // Claims A and E ask for more than the gateway holds receipts for (exact: p = 1): reported as
      // unreconciled, nothing more (E is all the application's own relay); claims B and F match the gateway's
      // records (each claim against its supplier, application, model and session).
      const unreconciled = await reconcileClaims({
        publicClient: c.publicClient,
        settlement: c.contracts.settlement,
        store,
        applications: [application.address, other.address],
        fromBlock: 0n,
      });
      const collateral = devnetSettlementParameters().missingProofPenalty;
      const claimedA = relayCost(large) + inflated.reduce((sum, served) => sum + relayCost(served), 0n);
      const receivedA = relayCost(large) + small.reduce((sum, served) => sum + relayCost(served), 0n);
      expect(unreconciled).toEqual([
        expect.objectContaining({
          claimKey: claimA.claimKey,
          claimedAmount: claimedA,
          receivedCost: receivedA,
          excess: claimedA - receivedA,
          claimedCount: 6n,
          receivedCount: 6,
          collateral,
        }),
        expect.objectContaining({
          claimKey: claimE.claimKey,
          supplier: owner2.address,
          claimedAmount: relayCost(direct),
          receivedCost: relayCost(throughGateway),
          claimedCount: 1n,
          receivedCount: 1,
        }),
      ]);
      // Nothing of it is held against the suppliers: the one failure is the equivocation's.
      expect(book.get(owner.address)?.failures).toBe(1);
      expect(book.get(owner2.address)).toBeUndefined();
      // A restarted gateway reconciles only sessions whose receipts it can still hold: older claims are
      // not held against the supplier (their receipts were pruned, or predate the gateway).
      const afterRestart = await reconcileClaims({
        publicClient: c.publicClient,
        settlement: c.contracts.settlement,
        store,
        applications: [application.address, other.address],
        fromBlock: 0n,
        fromSession: session + 1n,
      });
      expect(afterRestart).toEqual([]);

      // Run again: already reported, so nothing new is sent.
      const again = await reconcileProvenLeaves({
        publicClient: c.publicClient,
        walletClient,
        settlement: c.contracts.settlement,
        store,
        fromBlock: 0n,
      });
      expect(again.equivocations).toEqual([
        expect.objectContaining({ relayKey: countDrawnKey, alreadyReported: true }),
      ]);
      expect(again.equivocations[0]?.transactionHash).toBeUndefined();
      expect(stakeBefore - (await stakeOf())).toBe(penalty);
      // The evidence is filed once.
      expect(await store.evidence({})).toHaveLength(1);
      await store.close();
    } finally {
      await devnet.stop();
    }
  });
});
