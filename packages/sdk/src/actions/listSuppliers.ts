import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type ListSuppliersParameters = {
  /** The registry contract. */
  registry: Address;
};
/** Every supplier that ever staked, in registration order (staked now or not: read each one's stake or offers). */
export type ListSuppliersReturnType = readonly Address[];
export type ListSuppliersErrorType = ReadContractErrorType;

/**
 * Lists the registry's suppliers: `supplierCount()`, then one `suppliers(0, count)` page.
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry.
 * @example
 * ```ts
 * for (const supplier of await listSuppliers(publicClient, { registry })) console.log(supplier);
 * ```
 */
export async function listSuppliers(
  publicClient: PublicClient,
  { registry }: ListSuppliersParameters,
): Promise<ListSuppliersReturnType> {
  const count = await publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "supplierCount",
  });
  if (count === 0n) return [];
  return publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "suppliers",
    args: [0n, count],
  });
}
