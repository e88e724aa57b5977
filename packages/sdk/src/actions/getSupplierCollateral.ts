import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type GetSupplierCollateralParameters = {
  /** The registry contract. */
  registry: Address;
  supplier: Address;
  /** Read as of this block. @default the latest */
  blockNumber?: bigint;
};
export type GetSupplierCollateralReturnType = {
  /** Stake locked as the collateral of unsettled claims (cannot be unstaked). */
  locked: bigint;
  /** Stake free to back new claims (each locks `claimCollateral(amount)`) or to unstake. */
  unlocked: bigint;
};
export type GetSupplierCollateralErrorType = ReadContractErrorType;

/**
 * Reads how much of a supplier's stake its unsettled claims lock, and how much is left for new claims
 * (protocol.md §7): a claim is refused (`InsufficientCollateral`) when `unlocked < max(missingProofPenalty, amount)`.
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry and the supplier (owner) address.
 * @example
 * ```ts
 * const { unlocked } = await getSupplierCollateral(publicClient, { registry, supplier });
 * if (unlocked < claimCollateral({ amount, missingProofPenalty })) console.log("stake more before claiming");
 * ```
 */
export async function getSupplierCollateral(
  publicClient: PublicClient,
  { registry, supplier, blockNumber }: GetSupplierCollateralParameters,
): Promise<GetSupplierCollateralReturnType> {
  const [locked, unlocked] = await publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "supplierCollateral",
    args: [supplier],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
  return { locked, unlocked };
}
