import type { SessionParamsInvalidError } from "../errors/sessions.ts";
import { normalizeSessionParams, type SessionParams } from "./types.ts";

export type PendingSessionsErrorType = SessionParamsInvalidError;

/**
 * How many sessions can be unsettled at once, which divides an application's stake into per-session budgets
 * (the settlement's `pendingSessions()`): `floor((graceBlocks + 1 + claimBlocks + proofBlocks) / sessionBlocks) + 2`.
 *
 * @example
 * ```ts
 * pendingSessions({ sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 }); // 3n (floor(21 / 20) + 2)
 * ```
 */
export function pendingSessions(params: SessionParams): bigint {
  const { L, g, c, pf } = normalizeSessionParams(params);
  return (g + 1n + c + pf) / L + 2n;
}
