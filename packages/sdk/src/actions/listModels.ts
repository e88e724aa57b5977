import { aviaryRegistryAbi } from "@aviary/protocol";
import type {
  Address,
  BlockNumber,
  GetContractEventsErrorType,
  Hex,
  PublicClient,
  ReadContractErrorType,
} from "viem";
import { getModel } from "./getModel.ts";
import type { ModelKind } from "./registerModel.ts";

export type ListModelsParameters = {
  /** The registry contract. */
  registry: Address;
  /** First block to scan for `ModelRegistered` (use the registry's deployment block on long chains). @default 0n */
  fromBlock?: BlockNumber;
  /** Last block to scan. @default "latest" */
  toBlock?: BlockNumber;
};

/** A registered model, as the registry stores it now (uri and source may have been updated since). */
export type AviaryModel = {
  /** `keccak256(bytes(name))`. */
  modelId: Hex;
  name: string;
  /** sha256 of the weights file. */
  weightsDigest: Hex;
  uri: string;
  kind: ModelKind;
  /** The payee of the source share. */
  source: Address;
  sourceShareBps: number;
  /** The block it was registered in. */
  registeredAt: bigint;
};
export type ListModelsReturnType = AviaryModel[];
export type ListModelsErrorType = GetContractEventsErrorType | ReadContractErrorType;

/**
 * Lists every registered model: the registry's `ModelRegistered` events, each read back with `getModel`
 * (so updated URIs and sources are current), in registration order.
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry and the block range to scan.
 * @example
 * ```ts
 * for (const model of await listModels(publicClient, { registry })) console.log(model.name, model.kind);
 * ```
 */
export async function listModels(
  publicClient: PublicClient,
  { registry, fromBlock = 0n, toBlock }: ListModelsParameters,
): Promise<ListModelsReturnType> {
  const events = await publicClient.getContractEvents({
    address: registry,
    abi: aviaryRegistryAbi,
    eventName: "ModelRegistered",
    fromBlock,
    toBlock: toBlock ?? "latest",
  });
  const ids = [
    ...new Set(events.map((event) => event.args.modelId).filter((id): id is Hex => id !== undefined)),
  ];
  const models = await Promise.all(ids.map((model) => getModel(publicClient, { registry, model })));
  return models.filter((model): model is AviaryModel => model !== undefined);
}
