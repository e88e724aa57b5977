import { aviarySettlementAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type GetSessionTotalParameters = {
  /** The settlement contract. */
  settlement: Address;
  application: Address;
  session: bigint;
};
export type GetSessionTotalReturnType = {
  /**
   * What settlement divides the budget by: the amounts of the application's claims of the session below the
   * proof threshold (counted when made) and of those at or above it that were proven.
   */
  total: bigint;
  /** The application's budget for the session: its stake at the session's start / `pendingSessions`. */
  budget: bigint;
};
export type GetSessionTotalErrorType = ReadContractErrorType;

/**
 * Reads an application's claimed total and budget for a session (protocol.md §7): each claim is paid
 * `amount · min(1, budget / total)`.
 *
 * @param publicClient - a viem public client on the settlement's chain.
 * @param parameters - the settlement, the application and the session.
 * @example
 * ```ts
 * const { total, budget } = await getSessionTotal(publicClient, { settlement, application, session: 12n });
 * console.log(total > budget ? "claims are cut pro rata" : "claims are paid in full");
 * ```
 */
export async function getSessionTotal(
  publicClient: PublicClient,
  { settlement, application, session }: GetSessionTotalParameters,
): Promise<GetSessionTotalReturnType> {
  const [total, budget] = await Promise.all([
    publicClient.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "sessionTotal",
      args: [application, session],
    }),
    publicClient.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "sessionBudget",
      args: [application, session],
    }),
  ]);
  return { total, budget };
}
