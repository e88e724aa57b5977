import type { GetBlockErrorType, PublicClient, ReadContractErrorType } from "viem";
import {
  readSessionSeed,
  type SessionSeedParameters,
  type SessionSeedReturnType,
} from "./internal/readSessionSeed.ts";

export type GetProofSeedParameters = SessionSeedParameters;
export type GetProofSeedReturnType = SessionSeedReturnType;
export type GetProofSeedErrorType = ReadContractErrorType | GetBlockErrorType;

/**
 * Reads a session's proof seed, `blockhash(B)` of the claim window's last block (protocol.md §3), stored by the
 * first `prove` or `recordSeed` of the session. With `preview`, when it is not stored: the hash of block B (what
 * will be stored), once block B exists. A seed still not stored after the proof window never will be, and then
 * every claim of the session counts as requiring a proof (`stored: false` says so).
 *
 * @param publicClient - a viem public client on the settlement's chain.
 * @param parameters - the settlement, the session, and whether to preview.
 * @example
 * ```ts
 * const { seed, stored } = await getProofSeed(publicClient, { settlement, session: 12n });
 * if (!stored) await recordSeed(clients, { settlement, session: 12n });
 * ```
 */
export function getProofSeed(
  publicClient: PublicClient,
  parameters: GetProofSeedParameters,
): Promise<GetProofSeedReturnType> {
  return readSessionSeed(publicClient, { ...parameters, kind: "proofSeed" });
}
