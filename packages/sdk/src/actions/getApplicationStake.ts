import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type GetApplicationStakeParameters = {
  /** The registry contract. */
  registry: Address;
  application: Address;
  /** Also read the stake as of this session's first block (what its budget is computed from). */
  session?: bigint;
};
export type GetApplicationStakeReturnType = {
  /** The stake now. */
  stake: bigint;
  /** Tokens unbonding (still payable and slashable). */
  unbonding: bigint;
  /** The session from which the unbonding tokens can be withdrawn. */
  releaseSession: bigint;
  /** The stake as of `session`'s first block (only when `session` was given). */
  sessionStake: bigint | undefined;
  /** Claims against the application not settled yet: while any is, it cannot withdraw (`UnsettledClaims`). */
  unsettledClaims: bigint;
};
export type GetApplicationStakeErrorType = ReadContractErrorType;

/**
 * Reads an application's stake and how many claims against it are unsettled, and optionally its stake as of a
 * session (settlement budgets `sessionStake / pendingSessions` per session).
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry, the application and an optional session.
 * @example
 * ```ts
 * const { stake, sessionStake } = await getApplicationStake(publicClient, { registry, application, session: 12n });
 * ```
 */
export async function getApplicationStake(
  publicClient: PublicClient,
  { registry, application, session }: GetApplicationStakeParameters,
): Promise<GetApplicationStakeReturnType> {
  const [[stake, unbonding, releaseSession], unsettledClaims, sessionStake] = await Promise.all([
    publicClient.readContract({
      address: registry,
      abi: aviaryRegistryAbi,
      functionName: "applicationStake",
      args: [application],
    }),
    publicClient.readContract({
      address: registry,
      abi: aviaryRegistryAbi,
      functionName: "unsettledClaimsOf",
      args: [application],
    }),
    session === undefined
      ? Promise.resolve(undefined)
      : publicClient.readContract({
          address: registry,
          abi: aviaryRegistryAbi,
          functionName: "applicationStakeAt",
          args: [application, session],
        }),
  ]);
  return { stake, unbonding, releaseSession: BigInt(releaseSession), sessionStake, unsettledClaims };
}
