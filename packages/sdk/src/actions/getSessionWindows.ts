import { aviarySettlementAbi } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";

export type GetSessionWindowsParameters = {
  /** The settlement contract. */
  settlement: Address;
  session: bigint;
};
/** A session's on-chain windows (block numbers, inclusive), as the settlement's `windows(session)` says. */
export type GetSessionWindowsReturnType = {
  /** M: its hash is the mining seed (`claimStart − 1`). */
  miningSeedBlock: bigint;
  claimStart: bigint;
  claimEnd: bigint;
  /** B: its hash is the proof seed (`proofStart − 1`, the claim window's last block). */
  proofSeedBlock: bigint;
  proofStart: bigint;
  proofEnd: bigint;
  /** Settlement is open from this block on. */
  settleFrom: bigint;
};
export type GetSessionWindowsErrorType = ReadContractErrorType;

/**
 * Reads a session's claim, proof and settlement windows from the settlement (protocol.md §3). The same numbers
 * as `sessionWindows(session, params)` of `@aviary/protocol`, which needs no RPC once the registry's session
 * parameters are known; this one asks the contract, the source of truth.
 *
 * @param publicClient - a viem public client on the settlement's chain.
 * @param parameters - the settlement and the session.
 * @example
 * ```ts
 * const { proofStart, proofEnd } = await getSessionWindows(publicClient, { settlement, session: 12n });
 * ```
 */
export async function getSessionWindows(
  publicClient: PublicClient,
  { settlement, session }: GetSessionWindowsParameters,
): Promise<GetSessionWindowsReturnType> {
  const [claimStart, claimEnd, proofStart, proofEnd, settleFrom] = await publicClient.readContract({
    address: settlement,
    abi: aviarySettlementAbi,
    functionName: "windows",
    args: [session],
  });
  return {
    miningSeedBlock: claimStart - 1n,
    claimStart,
    claimEnd,
    proofSeedBlock: proofStart - 1n,
    proofStart,
    proofEnd,
    settleFrom,
  };
}
