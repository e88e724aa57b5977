// Shared by the settlement flow test and `npm run bench:trie`: a devnet with a model, staked suppliers,
// applications and a gateway, plus helpers to sign relays, move blocks and read balances.

import { type Devnet, devnetChain, token } from "@aviary/devnet";
import {
  aviaryRegistryAbi,
  aviarySettlementAbi,
  aviaryTokenAbi,
  hashRelayRequest,
  type RelayReceipt,
  type RelayRequest,
  relayKey,
  type SignedRelay,
  sessionWindows,
  signRelayReceipt,
  signRelayRequest,
} from "@aviary/protocol";
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hash,
  type Hex,
  http,
  keccak256,
  maxUint256,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

export type Actor = { address: Address; privateKey: Hex };

export function actor(devnet: Devnet, role: string): Actor {
  const account = devnet.accounts.find((candidate) => candidate.role === role);
  if (!account) throw new Error(`no dev account with role ${role}`);
  return { address: account.address as Address, privateKey: account.privateKey as Hex };
}

export function clients(devnet: Devnet) {
  const chain = devnetChain(devnet.rpcUrl, devnet.chainId);
  const transport = http(devnet.rpcUrl);
  // cacheTime 0: tests move blocks by hand, a cached block number would be stale.
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50, cacheTime: 0 });
  const testClient = createTestClient({ chain, transport, mode: "anvil" });
  const contracts = devnet.contracts as { token: Address; registry: Address; settlement: Address };
  const domain = { chainId: devnet.chainId, verifyingContract: contracts.settlement };

  /** Sends a contract call from `from` and waits for it; returns the receipt (throws on revert). */
  async function send(
    from: Actor,
    call: { address: Address; abi: readonly unknown[]; functionName: string; args?: readonly unknown[] },
  ) {
    const wallet = createWalletClient({ account: privateKeyToAccount(from.privateKey), chain, transport });
    // biome-ignore lint/suspicious/noExplicitAny: the call is typed by its callers' ABIs
    const hash: Hash = await wallet.writeContract(call as any);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${call.functionName} reverted (${hash})`);
    return receipt;
  }

  async function mineTo(blockNumber: bigint): Promise<void> {
    const current = await publicClient.getBlockNumber();
    if (blockNumber > current) await testClient.mine({ blocks: Number(blockNumber - current) });
  }

  async function balanceOf(address: Address): Promise<bigint> {
    return publicClient.readContract({
      address: contracts.token,
      abi: aviaryTokenAbi,
      functionName: "balanceOf",
      args: [address],
    });
  }

  return { chain, publicClient, testClient, contracts, domain, send, mineTo, balanceOf };
}

export type Clients = ReturnType<typeof clients>;

/** Approves the registry to pull `actor`'s tokens. */
export async function approveRegistry(c: Clients, from: Actor): Promise<void> {
  await c.send(from, {
    address: c.contracts.token,
    abi: aviaryTokenAbi,
    functionName: "approve",
    args: [c.contracts.registry, maxUint256],
  });
}

/** The devnet's session parameters (see `devnetRegistryParameters`). */
export const devnetSessionParams = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };

export const testModelName = "aviary-test-model-f32";
export const testModelId = keccak256(toHex(testModelName));

export type NetworkSetup = {
  model: Hex;
  sourceShareBps: number;
  suppliers: { owner: Actor; operator: Actor; inputPrice: bigint; outputPrice: bigint }[];
};

/**
 * Registers the test model, stakes suppliers (each with its own operator key) with offers, stakes the
 * applications and a gateway, delegates, then mines into the next session so offers and delegations apply.
 * Returns the first session in which everything is effective.
 */
export async function setUpNetwork(
  c: Clients,
  parameters: {
    source: Actor;
    sourceShareBps: number;
    suppliers: { owner: Actor; operator: Actor; inputPrice: bigint; outputPrice: bigint; stake?: bigint }[];
    applications: { actor: Actor; stake: bigint; delegateTo?: Actor }[];
    gateway?: Actor;
    /** The model to register. @default the test model name with a placeholder digest */
    model?: { name: string; weightsDigest: Hex };
  },
): Promise<{ session: bigint; modelId: Hex }> {
  const modelName = parameters.model?.name ?? testModelName;
  const modelId = keccak256(toHex(modelName));
  const registry = { address: c.contracts.registry, abi: aviaryRegistryAbi } as const;
  await approveRegistry(c, parameters.source);
  await c.send(parameters.source, {
    ...registry,
    functionName: "registerModel",
    args: [
      modelName,
      parameters.model?.weightsDigest ?? keccak256(toHex("test weights")),
      "file://models/test.gguf",
      0,
      parameters.source.address,
      parameters.sourceShareBps,
    ],
  });
  for (const supplier of parameters.suppliers) {
    await approveRegistry(c, supplier.owner);
    await c.send(supplier.owner, {
      ...registry,
      functionName: "stakeSupplier",
      args: [supplier.stake ?? token(2000), supplier.operator.address, "http://127.0.0.1:9/"],
    });
    await c.send(supplier.owner, {
      ...registry,
      functionName: "setOffer",
      args: [modelId, supplier.inputPrice, supplier.outputPrice],
    });
  }
  if (parameters.gateway) {
    await approveRegistry(c, parameters.gateway);
    await c.send(parameters.gateway, {
      ...registry,
      functionName: "stakeGateway",
      args: [token(100), "http://127.0.0.1:9/"],
    });
  }
  for (const application of parameters.applications) {
    await approveRegistry(c, application.actor);
    await c.send(application.actor, {
      ...registry,
      functionName: "stakeApplication",
      args: [application.stake],
    });
    if (application.delegateTo) {
      await c.send(application.actor, {
        ...registry,
        functionName: "delegate",
        args: [application.delegateTo.address],
      });
    }
  }
  const L = devnetSessionParams.sessionBlocks;
  const current = await c.publicClient.getBlockNumber();
  const session = current / L + 1n;
  await c.mineTo(session * L);
  return { session, modelId };
}

/** Signs one relay with the library (request by `requestSigner`, receipt by the supplier's operator). */
export async function signRelay(
  c: Clients,
  request: RelayRequest,
  requestSigner: Actor,
  operator: Actor,
  units: { inputUnits: bigint; outputUnits: bigint },
): Promise<SignedRelay> {
  const requestSignature = await signRelayRequest({
    domain: c.domain,
    request,
    signer: requestSigner.privateKey,
  });
  const receipt: RelayReceipt = {
    request: hashRelayRequest(request),
    responseHash: keccak256(toHex(`response ${request.nonce}`)),
    inputUnits: units.inputUnits,
    outputUnits: units.outputUnits,
  };
  const receiptSignature = await signRelayReceipt({ domain: c.domain, receipt, signer: operator.privateKey });
  return { request, requestSignature, receipt, receiptSignature };
}

export function relayKeyOf(c: Clients, relay: SignedRelay): Hex {
  return relayKey({ domain: c.domain, request: relay.request });
}

export const settlement = (c: Clients) =>
  ({ address: c.contracts.settlement, abi: aviarySettlementAbi }) as const;
export const registry = (c: Clients) => ({ address: c.contracts.registry, abi: aviaryRegistryAbi }) as const;

/**
 * Moves the chain through a session's claim, proof and settlement windows at the pace of the suppliers'
 * lifecycles: into each window, then waits until the expected claims are claimed, then proven (or not
 * required), then settled — so a loaded machine cannot make a node miss a window the test opened too fast.
 */
export async function driveSessionToSettlement(
  c: Clients,
  session: bigint,
  claimKeys: Hex[],
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const { claimStart, claimEnd, proofStart, proofEnd, settleFrom } = sessionWindows(
    session,
    devnetSessionParams,
  );
  const read = (key: Hex) =>
    c.publicClient.readContract({ ...settlement(c), functionName: "getClaim", args: [key] });
  // The nodes act once per new block, and retry a failed step at the next one: while waiting, a block every
  // two seconds (never past the window's last block) lets a node whose first try failed under load try again.
  const waitFor = async (what: string, done: () => Promise<boolean>, lastBlock?: bigint) => {
    const deadline = Date.now() + timeoutMs;
    let nextBlockAt = Date.now() + 2_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (session ${session})`);
      if (Date.now() > nextBlockAt) {
        nextBlockAt = Date.now() + 2_000;
        const head = await c.publicClient.getBlockNumber({ cacheTime: 0 });
        if (lastBlock === undefined || head < lastBlock) await c.mineTo(head + 1n);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await c.mineTo(claimStart + 1n);
  await waitFor(
    "claims",
    async () => (await Promise.all(claimKeys.map(read))).every((claim) => claim.root.count > 0n),
    claimEnd,
  );
  await c.mineTo(proofStart + 1n);
  await waitFor(
    "proofs",
    async () => {
      const seed = await c.publicClient.readContract({
        ...settlement(c),
        functionName: "proofSeed",
        args: [session],
      });
      if (/^0x0+$/.test(seed)) return false;
      for (const key of claimKeys) {
        const claim = await read(key);
        if (claim.proven) continue;
        const required = await c.publicClient.readContract({
          ...settlement(c),
          functionName: "isProofRequired",
          args: [key],
        });
        if (required) return false;
      }
      return true;
    },
    proofEnd,
  );
  await c.mineTo(settleFrom + 1n);
  await waitFor("settlements", async () =>
    (await Promise.all(claimKeys.map(read))).every((claim) => claim.settled),
  );
}
