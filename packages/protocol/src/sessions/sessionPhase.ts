import type { SessionParamsInvalidError } from "../errors/sessions.ts";
import { sessionWindows } from "./sessionWindows.ts";
import { type SessionParams, toBig } from "./types.ts";

/**
 * Where a session stands at a block. The phases tile the chain: `upcoming` before its first block, `active`
 * during its own blocks, `grace` after them while it is still served (up to `servingEnd` = E + g − 1), `sealing`
 * once serving ended until the mining seed block M = E + g + 1 (not served, not claimable: the seed is not
 * known yet), then `claim`, `proof` and `settle` (from `settleFrom` on).
 *
 * With `graceBlocks` 0 serving ends at E − 1, so the session's last block is `active` but not served: use
 * {@link isServable} to decide serving, not the phase.
 */
export type SessionPhase = "upcoming" | "active" | "grace" | "sealing" | "claim" | "proof" | "settle";
export type SessionPhaseErrorType = SessionParamsInvalidError;

/**
 * The phase of session `session` at block `block`.
 *
 * @example
 * ```ts
 * const params = { sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 };
 * sessionPhase(0n, 22n, params); // "grace" (still served)
 * sessionPhase(0n, 23n, params); // "sealing" (E + g: served no more; mining seed block 24)
 * sessionPhase(0n, 25n, params); // "claim"
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
  if (at < windows.claimStart) return "sealing";
  if (at <= windows.claimEnd) return "claim";
  if (at <= windows.proofEnd) return "proof";
  return "settle";
}
