import { aviaryRegistryAbi } from "@aviary/protocol";
import {
  delegateGateway,
  registerModel,
  setOffer,
  stakeApplication,
  stakeGateway,
  stakeSupplier,
} from "@aviary/sdk";
import {
  type Address,
  type Chain,
  createWalletClient,
  formatUnits,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { LocalNetworkStartError } from "./errors.ts";
import type { NetworkModel } from "./resolveNetworkModel.ts";

export type Signer = { address: Address; privateKey: Hex };

export type EnsureOnChainSetupParameters = {
  publicClient: PublicClient;
  chain: Chain;
  rpcUrl: string;
  registry: Address;
  token: Address;
  model: NetworkModel;
  /**
   * A second model, kind `image`, registered by the same source and offered by every supplier at its
   * `imagePrice` (a chain saved before it existed gets it registered and offered on resume).
   */
  imageModel?: NetworkModel;
  source: Signer;
  sourceShareBps: number;
  suppliers: {
    owner: Signer;
    endpoint: string;
    stake: bigint;
    inputPrice: bigint;
    outputPrice: bigint;
    /** The offer for `imageModel` (wei per image·step as outputPrice; inputPrice 0). */
    imagePrice?: { inputPrice: bigint; outputPrice: bigint };
  }[];
  gateway: { signer: Signer; stake: bigint; metadataUrl: string };
  application: { signer: Signer; stake: bigint };
  onProgress?: (message: string) => void;
};

export type EnsureOnChainSetupReturnType = {
  modelId: Hex;
  /** Present when `imageModel` was given. */
  imageModelId?: Hex;
  /** True when offers, stakes or delegations changed: they apply from the next session. */
  changed: boolean;
};

/**
 * Brings the chain to the local network's shape, sending only what is missing, so a resumed chain needs
 * no transactions: the model (and the image model, when given) registered, the gateway staked, each supplier staked (topped back up to its
 * planned stake after a slash) at its endpoint with its offer, the application staked and delegated to the
 * gateway.
 *
 * @example
 * const { changed } = await ensureOnChainSetup({ publicClient, chain, rpcUrl, registry, token, model, … });
 */
export async function ensureOnChainSetup(
  parameters: EnsureOnChainSetupParameters,
): Promise<EnsureOnChainSetupReturnType> {
  const { publicClient, registry } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const clientsFor = (signer: Signer) => ({
    publicClient,
    walletClient: createWalletClient({
      account: privateKeyToAccount(signer.privateKey),
      chain: parameters.chain,
      transport: http(parameters.rpcUrl),
    }),
  });
  const read = <T>(functionName: string, args: readonly unknown[]) =>
    publicClient.readContract({
      address: registry,
      abi: aviaryRegistryAbi,
      functionName,
      args,
    } as never) as Promise<T>;
  let changed = false;

  const ensureModel = async (model: NetworkModel, kind: "chat" | "image"): Promise<Hex> => {
    const id = keccak256(toHex(model.name));
    const existing = await read<{ weightsDigest: Hex; registeredAt: bigint }>("getModel", [id]);
    if (existing.registeredAt === 0n) {
      await registerModel(clientsFor(parameters.source), {
        registry,
        name: model.name,
        weightsDigest: model.weightsDigest,
        uri: model.uri,
        kind,
        source: parameters.source.address,
        sourceShareBps: parameters.sourceShareBps,
      });
      progress(`registered ${kind} model ${model.name} (sha256 ${model.weightsDigest.slice(0, 18)}…)`);
    } else if (existing.weightsDigest.toLowerCase() !== model.weightsDigest.toLowerCase()) {
      throw new LocalNetworkStartError({
        part: `the model ${model.name}`,
        reason: `is already registered on this chain with another digest (${existing.weightsDigest})`,
        hints: ["Rename the file, or start a new chain with `npm start -- --fresh`."],
      });
    }
    return id;
  };
  const modelId = await ensureModel(parameters.model, "chat");
  const imageModelId = parameters.imageModel ? await ensureModel(parameters.imageModel, "image") : undefined;

  const [gatewayStake] = await read<readonly [bigint, bigint, bigint]>("gatewayStake", [
    parameters.gateway.signer.address,
  ]);
  if (gatewayStake === 0n) {
    await stakeGateway(clientsFor(parameters.gateway.signer), {
      registry,
      amount: parameters.gateway.stake,
      metadataUrl: parameters.gateway.metadataUrl,
    });
    progress("staked the gateway");
  }

  for (const [index, supplier] of parameters.suppliers.entries()) {
    const label = `supplier-${index + 1}`;
    const clients = clientsFor(supplier.owner);
    const [stake] = await read<readonly [bigint, bigint, bigint]>("supplierStake", [supplier.owner.address]);
    if (stake === 0n) {
      await stakeSupplier(clients, {
        registry,
        amount: supplier.stake,
        operator: supplier.owner.address,
        endpoint: supplier.endpoint,
      });
      progress(`staked ${label} at ${supplier.endpoint}`);
      changed = true;
    } else if (stake < supplier.stake) {
      // Every claim locks max(missingProofPenalty, amount) of the stake until it settles, and a missed proof
      // slashes that: a resumed chain gets its stake back to the planned size, so the supplier can keep claiming.
      await stakeSupplier(clients, {
        registry,
        amount: supplier.stake - stake,
        operator: supplier.owner.address,
        endpoint: supplier.endpoint,
      });
      progress(`topped ${label}'s stake back up to ${formatUnits(supplier.stake, 18)} AVY`);
    }
    if (
      stake !== 0n &&
      (await read<string>("supplierEndpoint", [supplier.owner.address])) !== supplier.endpoint
    ) {
      await waitFor(publicClient, "setSupplierEndpoint", () =>
        clients.walletClient.writeContract({
          address: registry,
          abi: aviaryRegistryAbi,
          functionName: "setSupplierEndpoint",
          args: [supplier.endpoint],
          chain: parameters.chain,
        }),
      );
      progress(`moved ${label} to ${supplier.endpoint}`);
    }
    const offers = [
      { model: parameters.model, id: modelId, price: supplier, unit: "token" },
      ...(parameters.imageModel && imageModelId && supplier.imagePrice
        ? [{ model: parameters.imageModel, id: imageModelId, price: supplier.imagePrice, unit: "image·step" }]
        : []),
    ];
    for (const offer of offers) {
      const session = await read<bigint>("currentSession", []);
      const [active, inputPrice, outputPrice] = await read<readonly [boolean, bigint, bigint]>("offerAt", [
        supplier.owner.address,
        offer.id,
        session + 1n,
      ]);
      if (active && inputPrice === offer.price.inputPrice && outputPrice === offer.price.outputPrice)
        continue;
      await setOffer(clients, {
        registry,
        model: offer.id,
        inputPrice: offer.price.inputPrice,
        outputPrice: offer.price.outputPrice,
      });
      progress(
        offer.unit === "token"
          ? `${label} offers ${offer.model.name} at ${offer.price.inputPrice}/${offer.price.outputPrice} wei per token`
          : `${label} offers ${offer.model.name} at ${offer.price.outputPrice} wei per image·step`,
      );
      changed = true;
    }
  }

  const application = clientsFor(parameters.application.signer);
  const [applicationStake] = await read<readonly [bigint, bigint, bigint]>("applicationStake", [
    parameters.application.signer.address,
  ]);
  if (applicationStake === 0n) {
    await stakeApplication(application, { registry, amount: parameters.application.stake });
    progress("staked the application");
    changed = true;
  }
  const delegates = await read<readonly Address[]>("delegatesOf", [parameters.application.signer.address]);
  if (
    !delegates.some((gateway) => gateway.toLowerCase() === parameters.gateway.signer.address.toLowerCase())
  ) {
    await delegateGateway(application, { registry, gateway: parameters.gateway.signer.address });
    progress("delegated the application to the gateway");
    changed = true;
  }
  return { modelId, ...(imageModelId ? { imageModelId } : {}), changed };
}

async function waitFor(publicClient: PublicClient, action: string, send: () => Promise<Hex>): Promise<void> {
  const hash = await send();
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success")
    throw new LocalNetworkStartError({
      part: "the chain setup",
      reason: `failed: ${action} reverted (${hash})`,
    });
}
