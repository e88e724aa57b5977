/**
 * Four one-line predicates over {@link sessionPhase}. Kept in one file (not one each, as the style guide's
 * default would have it) because each is a single comparison and they read best side by side.
 * @module
 */
import { sessionPhase } from "./sessionPhase.ts";
import type { SessionParams } from "./types.ts";

/**
 * Whether a relay naming `session` may be served at `block`: from the session's first block to `E + graceBlocks`.
 *
 * @example
 * ```ts
 * isServable(0n, 23n, devnetParams); // true (grace)
 * isServable(0n, 24n, devnetParams); // false: session_expired
 * ```
 */
export function isServable(session: bigint | number, block: bigint | number, params: SessionParams): boolean {
  const phase = sessionPhase(session, block, params);
  return phase === "active" || phase === "grace";
}

/**
 * Whether `block` is in the claim window of `session`, `[E+g+1, E+g+c]`.
 *
 * @example
 * ```ts
 * isInClaimWindow(0n, 24n, devnetParams); // true
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
 * isInProofWindow(0n, 32n, devnetParams); // true
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
 * isSettleable(0n, 40n, devnetParams); // true
 * ```
 */
export function isSettleable(
  session: bigint | number,
  block: bigint | number,
  params: SessionParams,
): boolean {
  return sessionPhase(session, block, params) === "settle";
}
