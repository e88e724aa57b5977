import { aviarySettlementAbi } from "@aviary/protocol";
import type { Address, Hex, PublicClient, ReadContractErrorType } from "viem";

export type GetProofRequiredParameters = {
  /** The settlement contract. */
  settlement: Address;
  claimKey: Hex;
};
export type GetProofRequiredReturnType = boolean;
export type GetProofRequiredErrorType = ReadContractErrorType;

/**
 * Asks the settlement whether a claim must be proven (protocol.md §7): always when its amount is at or above
 * `proofThreshold`, else when `keccak256(abi.encode(proofSeed, claimKey, 0))` falls below `proofProbability`,
 * and always while the session's proof seed is not stored. `isProofRequired` of `@aviary/protocol` computes the
 * same from the seed without an RPC.
 *
 * @param publicClient - a viem public client on the settlement's chain.
 * @param parameters - the settlement and the claim key.
 * @example
 * ```ts
 * if (await getProofRequired(publicClient, { settlement, claimKey })) await prove(clients, { settlement, claimKey, proofs });
 * ```
 */
export function getProofRequired(
  publicClient: PublicClient,
  { settlement, claimKey }: GetProofRequiredParameters,
): Promise<GetProofRequiredReturnType> {
  return publicClient.readContract({
    address: settlement,
    abi: aviarySettlementAbi,
    functionName: "isProofRequired",
    args: [claimKey],
  });
}
