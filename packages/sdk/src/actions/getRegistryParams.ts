import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType, ReadContractReturnType } from "viem";

export type GetRegistryParamsParameters = {
  /** The registry contract. */
  registry: Address;
};
/**
 * The registry's parameters, fixed at deployment: session lengths, minimum stakes, the model fee, the largest
 * source share, unbonding periods and the treasury.
 */
export type GetRegistryParamsReturnType = ReadContractReturnType<typeof aviaryRegistryAbi, "params">;
export type GetRegistryParamsErrorType = ReadContractErrorType;

/**
 * Reads the registry's parameters (`registry.params()`). They never change after deployment: cache them.
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry.
 * @example
 * ```ts
 * const { minSupplierStake, treasury } = await getRegistryParams(publicClient, { registry });
 * ```
 */
export async function getRegistryParams(
  publicClient: PublicClient,
  { registry }: GetRegistryParamsParameters,
): Promise<GetRegistryParamsReturnType> {
  return publicClient.readContract({ address: registry, abi: aviaryRegistryAbi, functionName: "params" });
}
