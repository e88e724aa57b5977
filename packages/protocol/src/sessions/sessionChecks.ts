/**
 * Four one-line predicates over the session windows. Kept in one file (not one each, as the style guide's
 * default would have it) because each is a single comparison and they read best side by side.
 * @module
 */
import { sessionPhase } from "./sessionPhase.ts";
import { sessionWindows } from "./sessionWindows.ts";
import { type SessionParams, toBig } from "./types.ts";

/**
 * Whether a supplier whose latest block is `head` may serve a relay naming `session`: from the session's
 * first block while `head < E + graceBlocks` (protocol.md §3). From `servingRefreshFrom` (E + g − 2) on, refresh
 * the head before asking.
 *
 * @example
 * ```ts
 * isServable(0n, 22n, devnetParams); // true (grace; E = 19, g = 4)
 * isServable(0n, 23n, devnetParams); // false: session_expired
 * ```
 */
export function isServable(session: bigint | number, head: bigint | number, params: SessionParams): boolean {
  const windows = sessionWindows(session, params);
  const at = toBig(head, "head");
  return at >= windows.start && at <= windows.servingEnd;
}

/**
 * Whether `block` is in the claim window of `session`, `[E+g+2, E+g+1+c]`.
 *
 * @example
 * ```ts
 * isInClaimWindow(0n, 25n, devnetParams); // true
 * ```
 */
export function isInClaimWindow(
  session: bigint | number,
  block: bigint | number,
  params: SessionParams,
): boolean {
  return sessionPhase(session, block, params) === "claim";
}

/**
 * Whether `block` is in the proof window of `session`, `[B+1, B+pf]`.
 *
 * @example
 * ```ts
 * isInProofWindow(0n, 33n, devnetParams); // true
 * ```
 */
export function isInProofWindow(
  session: bigint | number,
  block: bigint | number,
  params: SessionParams,
): boolean {
  return sessionPhase(session, block, params) === "proof";
}

/**
 * Whether claims of `session` may be settled at `block` (from `B + pf + 1` on).
 *
 * @example
 * ```ts
 * isSettleable(0n, 41n, devnetParams); // true
 * ```
 */
export function isSettleable(
  session: bigint | number,
  block: bigint | number,
  params: SessionParams,
): boolean {
  return sessionPhase(session, block, params) === "settle";
}
