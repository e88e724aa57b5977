import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type GetSupplierStakeParameters = {
  /** The registry contract. */
  registry: Address;
  /** The supplier (its owner's address). */
  supplier: Address;
};
export type GetSupplierStakeReturnType = {
  /** The stake now (0: not a staked supplier). */
  stake: bigint;
  /** Tokens unbonding (still slashable). */
  unbonding: bigint;
  /** The session from which the unbonding tokens can be withdrawn (0 when nothing unbonds). */
  releaseSession: bigint;
};
export type GetSupplierStakeErrorType = ReadContractErrorType;

/**
 * Reads a supplier's stake, unbonding balance and release session. How much of the stake unsettled claims lock
 * is {@link getSupplierCollateral}'s.
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry and the supplier.
 * @example
 * ```ts
 * const { stake } = await getSupplierStake(publicClient, { registry, supplier: "0x…" });
 * ```
 */
export async function getSupplierStake(
  publicClient: PublicClient,
  { registry, supplier }: GetSupplierStakeParameters,
): Promise<GetSupplierStakeReturnType> {
  const [stake, unbonding, releaseSession] = await publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "supplierStake",
    args: [supplier],
  });
  return { stake, unbonding, releaseSession: BigInt(releaseSession) };
}
