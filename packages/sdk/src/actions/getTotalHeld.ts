import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type GetTotalHeldParameters = {
  /** The registry contract. */
  registry: Address;
};
/** Tokens (wei) the registry holds for everyone: stakes and unbonding balances of every role. */
export type GetTotalHeldReturnType = bigint;
export type GetTotalHeldErrorType = ReadContractErrorType;

/**
 * Reads how many tokens the registry holds in stakes (`registry.totalHeld()`).
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry.
 * @example
 * ```ts
 * const held = await getTotalHeld(publicClient, { registry });
 * ```
 */
export async function getTotalHeld(
  publicClient: PublicClient,
  { registry }: GetTotalHeldParameters,
): Promise<GetTotalHeldReturnType> {
  return publicClient.readContract({ address: registry, abi: aviaryRegistryAbi, functionName: "totalHeld" });
}
