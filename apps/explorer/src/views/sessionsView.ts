import { type SessionPhase, type SessionWindows, sessionOf, sessionWindows } from "@aviary/protocol";
import type { Hex } from "viem";
import { phaseOf } from "./chainStatusView.ts";
import { type ClaimSummary, claimSummary, newestFirst } from "./claimSummary.ts";
import { type ClaimTotals, sumClaims } from "./sumClaims.ts";
import type { ExplorerData } from "./types.ts";

export type SessionView = {
  session: bigint;
  phase: SessionPhase | null;
  windows: SessionWindows | null;
  miningSeed: Hex | null;
  proofSeed: Hex | null;
  totals: ClaimTotals;
  claims: ClaimSummary[];
};

/**
 * Sessions, newest first: the live ones (current, and those still in their grace, claim or proof windows)
 * and every session with claims, each with its claims, proofs and settlements.
 *
 * @param limit - how many sessions to list. @default 30
 * @example
 * ```ts
 * sessionsView(data).sessions[0]?.phase; // "active"
 * ```
 */
export function sessionsView(
  data: ExplorerData,
  limit = 30,
): { currentSession: bigint | null; sessions: SessionView[] } {
  const { state } = data;
  const numbers = new Set<bigint>();
  for (const session of state.sessions.values())
    if (session.claimKeys.length > 0) numbers.add(session.session);
  let currentSession: bigint | null = null;
  if (state.params && state.head !== undefined) {
    currentSession = sessionOf(state.head, state.params);
    // Live: every session whose windows have not all passed.
    for (let session = currentSession; session >= 0n; session -= 1n) {
      if (phaseOf(state, session) === "settle") break;
      numbers.add(session);
    }
  }
  const sessions = [...numbers]
    .sort((a, b) => (a < b ? 1 : -1))
    .slice(0, limit)
    .map((number) => {
      const indexed = state.sessions.get(number);
      const claims = (indexed?.claimKeys ?? [])
        .flatMap((key) => {
          const claim = state.claims.get(key);
          return claim ? [claim] : [];
        })
        .sort(newestFirst);
      return {
        session: number,
        phase: phaseOf(state, number),
        windows: state.params ? sessionWindows(number, state.params) : null,
        miningSeed: indexed?.miningSeed ?? null,
        proofSeed: indexed?.proofSeed ?? null,
        totals: sumClaims(claims),
        claims: claims.map((claim) => claimSummary(data, claim)),
      };
    });
  return { currentSession, sessions };
}
