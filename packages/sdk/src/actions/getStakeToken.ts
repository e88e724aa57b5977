import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type GetStakeTokenParameters = {
  /** The registry contract. */
  registry: Address;
};
/** The ERC-20 the registry stakes and pays in (AVY). */
export type GetStakeTokenReturnType = Address;
export type GetStakeTokenErrorType = ReadContractErrorType;

/**
 * Reads the token the registry stakes and pays in (`registry.token()`); it fails where `registry` is not an Aviary
 * registry.
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry.
 * @example
 * ```ts
 * const token = await getStakeToken(publicClient, { registry });
 * const balance = await getTokenBalance(publicClient, { token, account });
 * ```
 */
export async function getStakeToken(
  publicClient: PublicClient,
  { registry }: GetStakeTokenParameters,
): Promise<GetStakeTokenReturnType> {
  return publicClient.readContract({ address: registry, abi: aviaryRegistryAbi, functionName: "token" });
}
