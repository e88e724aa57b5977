import { type SessionPhase, sessionOf, sessionPhase } from "@aviary/protocol";
import type { ExplorerState } from "../indexer/types.ts";

/** Where the index stands: the head, the current session and its phase, the last error. */
export type ChainStatusView = {
  head: bigint | null;
  indexedTo: bigint | null;
  currentSession: bigint | null;
  sessionBlocks: bigint | null;
  /** Blocks left in the current session. */
  blocksLeftInSession: bigint | null;
  lastSyncAt: string | null;
  /** The last sync's error (chain unreachable, contracts missing); null when it succeeded. */
  error: string | null;
};

/**
 * The chain status shown in every page's header and in `/api/overview`.
 *
 * @example
 * ```ts
 * chainStatusView(state).currentSession; // 7n
 * ```
 */
export function chainStatusView(state: ExplorerState): ChainStatusView {
  const params = state.params;
  const head = state.head;
  const currentSession = params && head !== undefined ? sessionOf(head, params) : null;
  return {
    head: head ?? null,
    indexedTo: state.indexedTo ?? null,
    currentSession,
    sessionBlocks: params?.sessionBlocks ?? null,
    blocksLeftInSession:
      params && head !== undefined && currentSession !== null
        ? (currentSession + 1n) * params.sessionBlocks - head
        : null,
    lastSyncAt: state.lastSyncAt === undefined ? null : new Date(state.lastSyncAt).toISOString(),
    error: state.lastError ?? null,
  };
}

/** The phase of `session` at the indexed head (null before the first sync). */
export function phaseOf(state: ExplorerState, session: bigint): SessionPhase | null {
  if (!state.params || state.head === undefined) return null;
  return sessionPhase(session, state.head, state.params);
}
