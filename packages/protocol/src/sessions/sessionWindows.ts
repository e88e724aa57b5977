import type { SessionParamsInvalidError } from "../errors/sessions.ts";
import { normalizeSessionParams, type SessionParams, toBig } from "./types.ts";

/** Every block boundary of one session (inclusive ranges), as the settlement's `windows` plus the rest. */
export type SessionWindows = {
  session: bigint;
  /** First block: `s·L`. */
  start: bigint;
  /** Last block E: `(s+1)·L − 1`. */
  end: bigint;
  /** Last block in which relays of `s` are served: `E + g`. */
  servingEnd: bigint;
  /** Whose blockhash is the mining seed: `E + g`. */
  miningSeedBlock: bigint;
  /** Claim window `[E+g+1, E+g+c]`. */
  claimStart: bigint;
  claimEnd: bigint;
  /** B, whose blockhash is the proof seed: `E + g + c` (the claim window's last block). */
  proofSeedBlock: bigint;
  /** Proof window `[B+1, B+pf]`. */
  proofStart: bigint;
  proofEnd: bigint;
  /** Settlement allowed from `B + pf + 1` on. */
  settleFrom: bigint;
};
export type SessionWindowsErrorType = SessionParamsInvalidError;

/**
 * The windows of session `s` (protocol.md §3).
 *
 * @example
 * ```ts
 * const w = sessionWindows(0n, { sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 });
 * // w.claimStart 24n, w.claimEnd 31n, w.proofStart 32n, w.proofEnd 39n, w.settleFrom 40n
 * ```
 */
export function sessionWindows(session: bigint | number, params: SessionParams): SessionWindows {
  const s = toBig(session, "session");
  const { L, g, c, pf } = normalizeSessionParams(params);
  const start = s * L;
  const end = start + L - 1n;
  const servingEnd = end + g;
  const proofSeedBlock = servingEnd + c;
  return {
    session: s,
    start,
    end,
    servingEnd,
    miningSeedBlock: servingEnd,
    claimStart: servingEnd + 1n,
    claimEnd: proofSeedBlock,
    proofSeedBlock,
    proofStart: proofSeedBlock + 1n,
    proofEnd: proofSeedBlock + pf,
    settleFrom: proofSeedBlock + pf + 1n,
  };
}
