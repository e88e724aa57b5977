import { aviarySettlementAbi, type TrieNode } from "@aviary/protocol";
import type { Address, Hex, PublicClient } from "viem";

export type OnChainClaim = {
  root: TrieNode;
  /** `root.sum / p`, what the claim is worth before the budget cap. */
  amount: bigint;
  proven: boolean;
  settled: boolean;
};

/**
 * The settlement's `getClaim`, or `undefined` when no such claim exists (the contract returns zeros).
 *
 * @example
 * ```ts
 * const claim = await readOnChainClaim(publicClient, settlement, claimKey);
 * if (claim?.proven) console.log("already proven");
 * ```
 */
export async function readOnChainClaim(
  publicClient: PublicClient,
  settlement: Address,
  claimKey: Hex,
): Promise<OnChainClaim | undefined> {
  const claim = await publicClient.readContract({
    address: settlement,
    abi: aviarySettlementAbi,
    functionName: "getClaim",
    args: [claimKey],
  });
  if (/^0x0{40}$/.test(claim.supplier)) return undefined;
  return { root: claim.root, amount: claim.amount, proven: claim.proven, settled: claim.settled };
}
