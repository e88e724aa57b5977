import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, Hex, PublicClient, ReadContractErrorType } from "viem";
import type { AviaryModel } from "./listModels.ts";
import { modelKinds } from "./registerModel.ts";

export type GetModelParameters = {
  /** The registry contract. */
  registry: Address;
  /** The modelId (`keccak256(bytes(name))`). */
  model: Hex;
};
/** The model as the registry stores it now, or `undefined` when no model has that id. */
export type GetModelReturnType = AviaryModel | undefined;
export type GetModelErrorType = ReadContractErrorType;

/**
 * Reads one registered model by id (`registry.getModel`): its name, weights digest, uri, kind, source and share.
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry and the modelId.
 * @example
 * ```ts
 * const model = await getModel(publicClient, { registry, model: keccak256(stringToBytes("my-model-q4")) });
 * if (model) console.log(model.weightsDigest, model.uri);
 * ```
 */
export async function getModel(
  publicClient: PublicClient,
  { registry, model }: GetModelParameters,
): Promise<GetModelReturnType> {
  const stored = await publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "getModel",
    args: [model],
  });
  // The registry answers an unknown id with an empty record (registeredAt 0), not a revert.
  if (stored.registeredAt === 0n) return undefined;
  return {
    modelId: model,
    name: stored.name,
    weightsDigest: stored.weightsDigest,
    uri: stored.uri,
    kind: modelKinds[stored.kind] ?? "chat",
    source: stored.source,
    sourceShareBps: stored.sourceShareBps,
    registeredAt: stored.registeredAt,
  };
}
