import type { ExplorerState } from "./types.ts";

/**
 * An empty index: nothing seen yet. The indexer starts from one, and goes back to one when the chain it
 * follows was restarted.
 *
 * @example
 * ```ts
 * const state = createExplorerState();
 * state.models.size; // 0
 * ```
 */
export function createExplorerState(): ExplorerState {
  return {
    params: undefined,
    indexedTo: undefined,
    indexedHash: undefined,
    head: undefined,
    totalHeld: 0n,
    models: new Map(),
    suppliers: new Map(),
    applications: new Map(),
    gateways: new Map(),
    claims: new Map(),
    sessions: new Map(),
    equivocations: [],
    slashes: [],
    provenRelays: new Map(),
    difficultyUpdates: [],
    lastSyncAt: undefined,
    lastError: undefined,
  };
}
