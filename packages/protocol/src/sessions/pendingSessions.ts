import type { SessionParamsInvalidError } from "../errors/sessions.ts";
import { normalizeSessionParams, type SessionParams } from "./types.ts";

export type PendingSessionsErrorType = SessionParamsInvalidError;

/**
 * How many sessions can be unsettled at once, which divides an application's stake into per-session budgets:
 * `ceil((graceBlocks + claimBlocks + proofBlocks) / sessionBlocks) + 1`.
 *
 * @example
 * ```ts
 * pendingSessions({ sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 }); // 2n
 * ```
 */
export function pendingSessions(params: SessionParams): bigint {
  const { L, g, c, pf } = normalizeSessionParams(params);
  return (g + c + pf + L - 1n) / L + 1n;
}
