import type { GetBlockErrorType, PublicClient, ReadContractErrorType } from "viem";
import {
  readSessionSeed,
  type SessionSeedParameters,
  type SessionSeedReturnType,
} from "./internal/readSessionSeed.ts";

export type GetMiningSeedParameters = SessionSeedParameters;
export type GetMiningSeedReturnType = SessionSeedReturnType;
export type GetMiningSeedErrorType = ReadContractErrorType | GetBlockErrorType;

/**
 * Reads a session's mining seed, `blockhash(M)` with `M = E + graceBlocks + 1` (protocol.md §5), stored by the
 * session's first claim. With `preview`, when no claim stored it: the hash of block M (what the first claim
 * stores), once block M exists.
 *
 * @param publicClient - a viem public client on the settlement's chain.
 * @param parameters - the settlement, the session, and whether to preview.
 * @example
 * ```ts
 * const { seed } = await getMiningSeed(publicClient, { settlement, session: 12n, preview: true });
 * if (seed) console.log(isMined({ relayKey, miningSeed: seed, probabilityWad }));
 * ```
 */
export function getMiningSeed(
  publicClient: PublicClient,
  parameters: GetMiningSeedParameters,
): Promise<GetMiningSeedReturnType> {
  return readSessionSeed(publicClient, { ...parameters, kind: "miningSeed" });
}
