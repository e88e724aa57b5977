import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type GetApplicationDelegatesParameters = {
  /** The registry contract. */
  registry: Address;
  application: Address;
};
/**
 * The gateways the application delegates to, as of now: those in force this session and those that take effect
 * at the next ({@link isDelegatedAt} tells them apart).
 */
export type GetApplicationDelegatesReturnType = readonly Address[];
export type GetApplicationDelegatesErrorType = ReadContractErrorType;

/**
 * Reads the gateways an application delegates to (`registry.delegatesOf`).
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry and the application.
 * @example
 * ```ts
 * const gateways = await getApplicationDelegates(publicClient, { registry, application: "0x…" });
 * ```
 */
export async function getApplicationDelegates(
  publicClient: PublicClient,
  { registry, application }: GetApplicationDelegatesParameters,
): Promise<GetApplicationDelegatesReturnType> {
  return publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "delegatesOf",
    args: [application],
  });
}
