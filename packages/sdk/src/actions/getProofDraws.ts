import { aviarySettlementAbi } from "@aviary/protocol";
import type { Address, Hex, PublicClient, ReadContractErrorType } from "viem";
import type { ContractRevertedError } from "../errors.ts";
import { toContractRevertedError } from "./internal/decodeRevert.ts";

export type GetProofDrawsParameters = {
  /** The settlement contract. */
  settlement: Address;
  claimKey: Hex;
};
export type GetProofDrawsReturnType = {
  /** r: which leaf must be proven by sum, `keccak256(abi.encode(proofSeed, claimKey, 1)) mod root.sum`. */
  sumDraw: bigint;
  /** r': which leaf must be proven by count, `keccak256(abi.encode(proofSeed, claimKey, 2)) mod root.count`. */
  countDraw: bigint;
};
export type GetProofDrawsErrorType = ContractRevertedError | ReadContractErrorType;

/**
 * Reads a claim's two proof draws from the settlement (protocol.md §6). Before the proof seed is stored the
 * contract previews it from the seed block's hash; before that block exists (or once it is out of the EVM's
 * 256-block reach) it throws {@link ContractRevertedError} `SeedUnavailable`; an unknown claim, `ClaimNotFound`.
 * `proofDraws({ proofSeed, claimKey, root })` of `@aviary/protocol` computes the same without an RPC.
 *
 * @param publicClient - a viem public client on the settlement's chain.
 * @param parameters - the settlement and the claim key.
 * @example
 * ```ts
 * const { sumDraw, countDraw } = await getProofDraws(publicClient, { settlement, claimKey });
 * const proof = trie.proveDrawn("sum", sumDraw);
 * ```
 */
export async function getProofDraws(
  publicClient: PublicClient,
  { settlement, claimKey }: GetProofDrawsParameters,
): Promise<GetProofDrawsReturnType> {
  try {
    const [sumDraw, countDraw] = await publicClient.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "proofDraws",
      args: [claimKey],
    });
    return { sumDraw, countDraw };
  } catch (error) {
    throw toContractRevertedError(error, "proofDraws");
  }
}
