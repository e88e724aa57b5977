import type { SessionParamsInvalidError } from "../errors/sessions.ts";
import { normalizeSessionParams, type SessionParams, toBig } from "./types.ts";

/**
 * Every block boundary of one session (inclusive ranges): the settlement's `windows` plus the rest.
 * With E the session's last block, g/c/pf the grace, claim and proof blocks (protocol.md §3).
 */
export type SessionWindows = {
  session: bigint;
  /** First block: `s·L`. */
  start: bigint;
  /** Last block E: `(s+1)·L − 1`. */
  end: bigint;
  /** The last head at which relays of `s` are served: `E + g − 1` (served while head < E + g). */
  servingEnd: bigint;
  /** From this head on (`E + g − 2`) a supplier refreshes its head before serving `s`, so a lagging view cannot serve late. */
  servingRefreshFrom: bigint;
  /** M, whose blockhash is the mining seed: `E + g + 1` (two blocks after serving ended). */
  miningSeedBlock: bigint;
  /** Claim window `[M + 1, M + c]` = `[E+g+2, E+g+1+c]`. */
  claimStart: bigint;
  claimEnd: bigint;
  /** B, whose blockhash is the proof seed: `M + c` (the claim window's last block). */
  proofSeedBlock: bigint;
  /** Proof window `[B+1, B+pf]`. */
  proofStart: bigint;
  proofEnd: bigint;
  /** Settlement allowed from `B + pf + 1` on. */
  settleFrom: bigint;
};
export type SessionWindowsErrorType = SessionParamsInvalidError;

/**
 * The windows of session `s` (protocol.md §3), as the settlement's `windows(s)` computes them.
 *
 * @example
 * ```ts
 * const w = sessionWindows(0n, { sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 });
 * // w.servingEnd 22n, w.miningSeedBlock 24n, w.claimStart 25n, w.claimEnd 32n, w.proofStart 33n, w.proofEnd 40n, w.settleFrom 41n
 * ```
 */
export function sessionWindows(session: bigint | number, params: SessionParams): SessionWindows {
  const s = toBig(session, "session");
  const { L, g, c, pf } = normalizeSessionParams(params);
  const start = s * L;
  const end = start + L - 1n;
  const miningSeedBlock = end + g + 1n;
  const proofSeedBlock = miningSeedBlock + c;
  return {
    session: s,
    start,
    end,
    servingEnd: end + g - 1n,
    servingRefreshFrom: end + g - 2n,
    miningSeedBlock,
    claimStart: miningSeedBlock + 1n,
    claimEnd: proofSeedBlock,
    proofSeedBlock,
    proofStart: proofSeedBlock + 1n,
    proofEnd: proofSeedBlock + pf,
    settleFrom: proofSeedBlock + pf + 1n,
  };
}
