import { type SessionParams, type SessionWindows, sessionWindows } from "@aviary/protocol";
import type { Address, PublicClient, ReadContractErrorType } from "viem";
import { getRegistryParams } from "./getRegistryParams.ts";

export type GetCurrentSessionParameters = {
  /** The registry contract. */
  registry: Address;
  /** Skip reading the registry's parameters (they are fixed at deployment: cache them). */
  sessionParams?: SessionParams;
  /** The head to use instead of reading it. */
  blockNumber?: bigint;
};
export type GetCurrentSessionReturnType = {
  /** The session of the head block: `blockNumber / sessionBlocks`. */
  session: bigint;
  /** The head the session was computed from. */
  blockNumber: bigint;
  sessionParams: { sessionBlocks: bigint; graceBlocks: bigint; claimBlocks: bigint; proofBlocks: bigint };
  /** The session's windows (serving end, claim, proof, settlement). */
  windows: SessionWindows;
};
export type GetCurrentSessionErrorType = ReadContractErrorType;

/**
 * The current session, from the chain head and the registry's session parameters (protocol.md §3).
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry; optionally cached session parameters and a head.
 * @example
 * ```ts
 * const { session, windows } = await getCurrentSession(publicClient, { registry });
 * console.log(`session ${session} is served up to head ${windows.servingEnd}`);
 * ```
 */
export async function getCurrentSession(
  publicClient: PublicClient,
  parameters: GetCurrentSessionParameters,
): Promise<GetCurrentSessionReturnType> {
  const [blockNumber, params] = await Promise.all([
    parameters.blockNumber ?? publicClient.getBlockNumber(),
    parameters.sessionParams ?? getRegistryParams(publicClient, { registry: parameters.registry }),
  ]);
  const sessionParams = {
    sessionBlocks: BigInt(params.sessionBlocks),
    graceBlocks: BigInt(params.graceBlocks),
    claimBlocks: BigInt(params.claimBlocks),
    proofBlocks: BigInt(params.proofBlocks),
  };
  const session = blockNumber / sessionParams.sessionBlocks;
  return { session, blockNumber, sessionParams, windows: sessionWindows(session, sessionParams) };
}
