import type { SessionParamsInvalidError } from "../errors/sessions.ts";
import { sessionWindows } from "./sessionWindows.ts";
import { type SessionParams, toBig } from "./types.ts";

/**
 * Where a session stands at a block. The phases tile the chain: `upcoming` before its first block, `active`
 * during it, `grace` until `E + g` (still served), then `claim`, `proof` and `settle` (from `settleFrom` on).
 */
export type SessionPhase = "upcoming" | "active" | "grace" | "claim" | "proof" | "settle";
export type SessionPhaseErrorType = SessionParamsInvalidError;

/**
 * The phase of session `session` at block `block`.
 *
 * @example
 * ```ts
 * const params = { sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 };
 * sessionPhase(0n, 22n, params); // "grace"
 * sessionPhase(0n, 24n, params); // "claim"
 * ```
 */
export function sessionPhase(
  session: bigint | number,
  block: bigint | number,
  params: SessionParams,
): SessionPhase {
  const windows = sessionWindows(session, params);
  const at = toBig(block, "block");
  if (at < windows.start) return "upcoming";
  if (at <= windows.end) return "active";
  if (at <= windows.servingEnd) return "grace";
  if (at <= windows.claimEnd) return "claim";
  if (at <= windows.proofEnd) return "proof";
  return "settle";
}
