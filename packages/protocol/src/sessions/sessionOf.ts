import type { SessionParamsInvalidError } from "../errors/sessions.ts";
import { normalizeSessionParams, type SessionParams, toBig } from "./types.ts";

export type SessionOfErrorType = SessionParamsInvalidError;

/**
 * The session a block belongs to: `floor(block / sessionBlocks)`.
 *
 * @example
 * ```ts
 * sessionOf(45n, { sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 }); // 2n
 * ```
 */
export function sessionOf(block: bigint | number, params: SessionParams): bigint {
  return toBig(block, "block") / normalizeSessionParams(params).L;
}
