import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type IsDelegatedAtParameters = {
  /** The registry contract. */
  registry: Address;
  application: Address;
  gateway: Address;
  /** The session to ask about (delegations change only at session boundaries). */
  session: bigint;
};
/** Whether the gateway may sign relays for the application in that session. */
export type IsDelegatedAtReturnType = boolean;
export type IsDelegatedAtErrorType = ReadContractErrorType;

/**
 * Reads whether an application delegates to a gateway in a session (`registry.isDelegatedAt`): a delegation
 * (or its removal) takes effect at the next session.
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry, the application, the gateway and the session.
 * @example
 * ```ts
 * const { session } = await getCurrentSession(publicClient, { registry });
 * const active = await isDelegatedAt(publicClient, { registry, application, gateway, session });
 * ```
 */
export async function isDelegatedAt(
  publicClient: PublicClient,
  { registry, application, gateway, session }: IsDelegatedAtParameters,
): Promise<IsDelegatedAtReturnType> {
  return publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "isDelegatedAt",
    args: [application, gateway, session],
  });
}
