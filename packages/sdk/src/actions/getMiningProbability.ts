import { aviarySettlementAbi } from "@aviary/protocol";
import type { Address, Hex, PublicClient, ReadContractErrorType } from "viem";

export type GetMiningProbabilityParameters = {
  /** The settlement contract. */
  settlement: Address;
  /** The modelId (`keccak256(bytes(name))`). */
  model: Hex;
  session: bigint;
};
/** The probability as a wad (1e18 = every relay mined). */
export type GetMiningProbabilityReturnType = bigint;
export type GetMiningProbabilityErrorType = ReadContractErrorType;

/**
 * Reads a model's mining probability `p` in a session (protocol.md §5), as a wad: a relay is mined when
 * `keccak256(abi.encode(relayKey, miningSeed))` is below it, and a claim is worth `root.sum / p`.
 *
 * @param publicClient - a viem public client on the settlement's chain.
 * @param parameters - the settlement, the model and the session.
 * @example
 * ```ts
 * const probabilityWad = await getMiningProbability(publicClient, { settlement, model, session: 12n });
 * ```
 */
export function getMiningProbability(
  publicClient: PublicClient,
  { settlement, model, session }: GetMiningProbabilityParameters,
): Promise<GetMiningProbabilityReturnType> {
  return publicClient.readContract({
    address: settlement,
    abi: aviarySettlementAbi,
    functionName: "miningProbabilityAt",
    args: [model, session],
  });
}
