// The local network's on-chain setup on a real anvil with the real contracts, without the nodes: it sends only
// what is missing, and it tops a supplier's stake back up to its planned size (claims lock collateral out of it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, devnetChain, devnetSettlementParameters, startDevnet, token } from "@aviary/devnet";
import { aviaryRegistryAbi } from "@aviary/protocol";
import { type Address, createPublicClient, createWalletClient, type Hex, http, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EnsureOnChainSetupParameters,
  ensureOnChainSetup,
  type Signer,
} from "../src/ensureOnChainSetup.ts";

let devnet: Devnet;
let home: string;
let parameters: EnsureOnChainSetupParameters;

const role = (name: string): Signer => {
  const account = devnet.accounts.find((candidate) => candidate.role === name);
  if (!account) throw new Error(`no ${name} account`);
  return { address: account.address as Address, privateKey: account.privateKey as Hex };
};

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "aviary-setup-"));
  devnet = await startDevnet({ home, persist: false });
  const chain = devnetChain(devnet.rpcUrl, devnet.chainId);
  const contracts = devnet.contracts as { token: Address; registry: Address; settlement: Address };
  parameters = {
    publicClient: createPublicClient({ chain, transport: http(devnet.rpcUrl), cacheTime: 0 }),
    chain,
    rpcUrl: devnet.rpcUrl,
    registry: contracts.registry,
    token: contracts.token,
    model: {
      name: "aviary-setup-test-model",
      weightsDigest: keccak256(toHex("weights")),
      uri: "file:///dev/null",
      backend: { type: "openai", baseUrl: "http://127.0.0.1:9", model: "m" },
      verified: false,
    },
    source: role("model-source"),
    sourceShareBps: 1000,
    suppliers: ["supplier-1", "supplier-2"].map((name, index) => ({
      owner: role(name),
      endpoint: `http://127.0.0.1:${9001 + index}`,
      stake: token(2000 * (index + 1)),
      inputPrice: 1_000_000_000n,
      outputPrice: 3_000_000_000n,
    })),
    gateway: { signer: role("gateway"), stake: token(100), metadataUrl: "http://127.0.0.1:9/public" },
    application: { signer: role("application"), stake: token(10_000) },
  };
});

afterAll(async () => {
  await devnet?.stop();
  rmSync(home, { recursive: true, force: true });
});

const stakeOf = async (supplier: Signer) =>
  (
    await parameters.publicClient.readContract({
      address: parameters.registry,
      abi: aviaryRegistryAbi,
      functionName: "supplierStake",
      args: [supplier.address],
    })
  )[0];

describe("ensureOnChainSetup", () => {
  it("stakes every supplier enough to back its claims' collateral, sends nothing twice, and tops a reduced stake back up", async () => {
    const first = await ensureOnChainSetup(parameters);
    expect(first.changed).toBe(true);
    const { missingProofPenalty } = devnetSettlementParameters();
    for (const supplier of parameters.suppliers) {
      expect(await stakeOf(supplier.owner)).toBe(supplier.stake);
      // One application, one model: two sessions' claims at the penalty (the least collateral a claim locks).
      expect(supplier.stake).toBeGreaterThanOrEqual(2n * missingProofPenalty);
      const [locked, unlocked] = await parameters.publicClient.readContract({
        address: parameters.registry,
        abi: aviaryRegistryAbi,
        functionName: "supplierCollateral",
        args: [supplier.owner.address],
      });
      expect({ locked, unlocked }).toEqual({ locked: 0n, unlocked: supplier.stake });
    }

    // Applied again on the same chain: nothing to send.
    const blockBefore = await parameters.publicClient.getBlockNumber();
    const second = await ensureOnChainSetup(parameters);
    expect(second).toEqual({ modelId: first.modelId, changed: false });
    expect(await parameters.publicClient.getBlockNumber()).toBe(blockBefore);

    // A stake that shrank (a slash for a missed proof takes the claim's collateral) is topped back up.
    const supplier = parameters.suppliers[1];
    if (!supplier) throw new Error("supplier missing");
    const wallet = createWalletClient({
      account: privateKeyToAccount(supplier.owner.privateKey),
      chain: parameters.chain,
      transport: http(parameters.rpcUrl),
    });
    const hash = await wallet.writeContract({
      address: parameters.registry,
      abi: aviaryRegistryAbi,
      functionName: "unstakeSupplier",
      args: [token(1000)],
    });
    await parameters.publicClient.waitForTransactionReceipt({ hash });
    expect(await stakeOf(supplier.owner)).toBe(supplier.stake - token(1000));
    const messages: string[] = [];
    await ensureOnChainSetup({ ...parameters, onProgress: (message) => messages.push(message) });
    expect(await stakeOf(supplier.owner)).toBe(supplier.stake);
    expect(messages).toContain("topped supplier-2's stake back up to 4000 AVY");
  });

  it("registers and offers the image model on a chain set up before it existed, then sends nothing twice", async () => {
    const imageModel = {
      name: "aviary-setup-test-image",
      weightsDigest: keccak256(toHex("pipeline")),
      uri: "file:///dev/null/pipeline.json",
      backend: { type: "embedded-image" as const, path: "/dev/null/pipeline.json", threads: 1 },
      verified: true,
    };
    const withImages = {
      ...parameters,
      imageModel,
      suppliers: parameters.suppliers.map((supplier, index) => ({
        ...supplier,
        imagePrice: { inputPrice: 0n, outputPrice: BigInt(index + 1) * 10n ** 12n },
      })),
    };
    const messages: string[] = [];
    const first = await ensureOnChainSetup({
      ...withImages,
      onProgress: (message) => messages.push(message),
    });
    expect(first.imageModelId).toBe(keccak256(toHex(imageModel.name)));
    expect(first.changed).toBe(true);
    expect(messages).toContain(
      "supplier-2 offers aviary-setup-test-image at 2000000000000 wei per image·step",
    );
    const registered = await parameters.publicClient.readContract({
      address: parameters.registry,
      abi: aviaryRegistryAbi,
      functionName: "getModel",
      args: [first.imageModelId as Hex],
    });
    // ModelKind: chat, completion, embedding, image.
    expect({ kind: registered.kind, weightsDigest: registered.weightsDigest }).toEqual({
      kind: 3,
      weightsDigest: imageModel.weightsDigest,
    });
    const session = await parameters.publicClient.readContract({
      address: parameters.registry,
      abi: aviaryRegistryAbi,
      functionName: "currentSession",
    });
    for (const [index, supplier] of withImages.suppliers.entries()) {
      const offer = await parameters.publicClient.readContract({
        address: parameters.registry,
        abi: aviaryRegistryAbi,
        functionName: "offerAt",
        args: [supplier.owner.address, first.imageModelId as Hex, session + 1n],
      });
      expect(offer).toEqual([true, 0n, BigInt(index + 1) * 10n ** 12n]);
    }

    const blockBefore = await parameters.publicClient.getBlockNumber();
    expect(await ensureOnChainSetup(withImages)).toEqual({ ...first, changed: false });
    expect(await parameters.publicClient.getBlockNumber()).toBe(blockBefore);
  });
});
