// A supplier that proves a leaf whose receipt differs from the one it gave the gateway is caught: the
// gateway's reconciliation reads the public proof, reports the equivocation, and the supplier is slashed.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildSumTrie,
  claimKey as computeClaimKey,
  hashRelayRequest,
  proofTarget,
  relayCost,
  relayKey,
  relayValueHash,
  sessionWindows,
  signRelayReceipt,
  toCompactProof,
} from "@aviary/protocol";
import { createWalletClient, type Hex, http, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { devnetChain, devnetSettlementParameters, startDevnet, token } from "../../devnet/src/index.ts";
import {
  actor,
  clients,
  registry,
  settlement,
  setUpNetwork,
  signRelay,
} from "../../devnet/test/utils/scenario.ts";
import { reconcileClaims } from "../src/reconcile/reconcileClaims.ts";
import { reconcileProvenLeaves } from "../src/reconcile/reconcileProvenLeaves.ts";
import { createGatewayStore } from "../src/store/createGatewayStore.ts";

describe("reconcileProvenLeaves", () => {
  it("reports a supplier that proved a different receipt than the gateway received; honest leaves match", async () => {
    const devnet = await startDevnet({
      home: mkdtempSync(join(tmpdir(), "aviary-reconcile-")),
      persist: false,
    });
    try {
      const c = clients(devnet);
      const owner = actor(devnet, "supplier-1");
      const gateway = actor(devnet, "gateway");
      const application = actor(devnet, "application");
      const { session, modelId } = await setUpNetwork(c, {
        source: actor(devnet, "model-source"),
        sourceShareBps: 1000,
        suppliers: [{ owner, operator: owner, inputPrice: 10n, outputPrice: 20n }],
        gateway,
        applications: [{ actor: application, stake: token(1000), delegateTo: gateway }],
      });
      // One relay, signed by the gateway; the supplier answers it with receipt A (what the gateway keeps)…
      const request = {
        application: application.address,
        supplier: owner.address,
        model: modelId,
        session,
        nonce: 1n,
        bodyHash: keccak256(toHex("body")),
        inputPrice: 10n,
        outputPrice: 20n,
        maxCost: 10_000n,
      };
      const served = await signRelay(c, request, gateway, owner, { inputUnits: 10n, outputUnits: 20n });
      const store = createGatewayStore({ path: ":memory:" });
      await store.migrate();
      const key = relayKey({ domain: c.domain, request });
      await store.putReceipt({
        relayKey: key,
        session,
        supplier: owner.address,
        application: application.address,
        model: modelId,
        request: JSON.stringify(request, (_, value) =>
          typeof value === "bigint" ? value.toString() : value,
        ),
        requestSignature: served.requestSignature,
        receipt: JSON.stringify(served.receipt, (_, value) =>
          typeof value === "bigint" ? value.toString() : value,
        ),
        receiptSignature: served.receiptSignature,
        createdAt: Date.now(),
      });
      // …but claims and proves receipt B, which bills more output for the same request.
      const inflatedReceipt = {
        request: hashRelayRequest(request),
        responseHash: served.receipt.responseHash,
        inputUnits: 10n,
        outputUnits: 90n,
      };
      const inflated = {
        ...served,
        receipt: inflatedReceipt,
        receiptSignature: await signRelayReceipt({
          domain: c.domain,
          receipt: inflatedReceipt,
          signer: owner.privateKey,
        }),
      };
      const trie = buildSumTrie([{ key, valueHash: relayValueHash(inflated), weight: relayCost(inflated) }]);
      const windows = sessionWindows(session, {
        sessionBlocks: 20n,
        graceBlocks: 4n,
        claimBlocks: 8n,
        proofBlocks: 8n,
      });
      await c.mineTo(windows.claimStart - 1n);
      await c.send(owner, {
        ...settlement(c),
        functionName: "claim",
        args: [owner.address, application.address, modelId, session, trie.root()],
      });
      await c.mineTo(windows.proofStart - 1n);
      const proofSeed = (await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock })).hash as Hex;
      const claimKey = computeClaimKey({
        supplier: owner.address,
        application: application.address,
        model: modelId,
        session,
      });
      const proof = toCompactProof(trie.proveClosest(proofTarget({ proofSeed, claimKey })));
      await c.send(owner, {
        ...settlement(c),
        functionName: "prove",
        args: [claimKey, inflated, proof.sideNodes, proof.emptyMask],
      });

      const [stakeBefore] = await c.publicClient.readContract({
        ...registry(c),
        functionName: "supplierStake",
        args: [owner.address],
      });
      const gatewayBefore = await c.balanceOf(gateway.address);
      const walletClient = createWalletClient({
        account: privateKeyToAccount(gateway.privateKey),
        chain: devnetChain(devnet.rpcUrl, devnet.chainId),
        transport: http(devnet.rpcUrl),
      });
      const result = await reconcileProvenLeaves({
        publicClient: c.publicClient,
        walletClient,
        settlement: c.contracts.settlement,
        store,
        fromBlock: 0n,
      });
      expect(result.checked).toBe(1);
      expect(result.equivocations).toHaveLength(1);
      expect(result.equivocations[0]?.error).toBeUndefined();
      const penalty = devnetSettlementParameters().equivocationPenalty;
      const [stakeAfter] = await c.publicClient.readContract({
        ...registry(c),
        functionName: "supplierStake",
        args: [owner.address],
      });
      expect(stakeBefore - stakeAfter).toBe(penalty);
      expect((await c.balanceOf(gateway.address)) - gatewayBefore).toBe((penalty * 5000n) / 10_000n);

      // The claim also asks for more than the gateway holds receipts for: over-claiming evidence.
      const mismatches = await reconcileClaims({
        publicClient: c.publicClient,
        settlement: c.contracts.settlement,
        store,
        applications: [application.address],
        fromBlock: 0n,
      });
      expect(mismatches).toMatchObject([
        { claimKey, claimedAmount: 10n * 10n + 90n * 20n, receivedCost: 10n * 10n + 20n * 20n },
      ]);
      // A restarted gateway reconciles only sessions whose receipts it can still hold: older claims are
      // not held against the supplier (their receipts were pruned, or predate the gateway).
      const afterRestart = await reconcileClaims({
        publicClient: c.publicClient,
        settlement: c.contracts.settlement,
        store,
        applications: [application.address],
        fromBlock: 0n,
        fromSession: session + 1n,
      });
      expect(afterRestart).toEqual([]);

      // Run again: already reported, nothing new is sent (the contract refuses a second report).
      const again = await reconcileProvenLeaves({
        publicClient: c.publicClient,
        walletClient,
        settlement: c.contracts.settlement,
        store,
        fromBlock: 0n,
      });
      expect(again.equivocations[0]?.error).toMatch(/AlreadyReported|reverted/);
      await store.close();
    } finally {
      await devnet.stop();
    }
  });
});
