import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type GetGatewayStakeParameters = {
  /** The registry contract. */
  registry: Address;
  gateway: Address;
};
export type GetGatewayStakeReturnType = {
  /** The stake now (0: not a staked gateway; applications cannot delegate to it). */
  stake: bigint;
  /** Tokens unbonding (still slashable). */
  unbonding: bigint;
  /** The session from which the unbonding tokens can be withdrawn (0 when nothing unbonds). */
  releaseSession: bigint;
  /** Where the gateway publishes its measurements ("" when it never set one). */
  metadataUrl: string;
};
export type GetGatewayStakeErrorType = ReadContractErrorType;

/**
 * Reads a gateway's stake, unbonding balance, release session and metadata URL.
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry and the gateway.
 * @example
 * ```ts
 * const { stake, metadataUrl } = await getGatewayStake(publicClient, { registry, gateway: "0x…" });
 * ```
 */
export async function getGatewayStake(
  publicClient: PublicClient,
  { registry, gateway }: GetGatewayStakeParameters,
): Promise<GetGatewayStakeReturnType> {
  const [[stake, unbonding, releaseSession], metadataUrl] = await Promise.all([
    publicClient.readContract({
      address: registry,
      abi: aviaryRegistryAbi,
      functionName: "gatewayStake",
      args: [gateway],
    }),
    publicClient.readContract({
      address: registry,
      abi: aviaryRegistryAbi,
      functionName: "gatewayMetadataUrl",
      args: [gateway],
    }),
  ]);
  return { stake, unbonding, releaseSession: BigInt(releaseSession), metadataUrl };
}
