import type { Hex } from "viem";
import type { ClaimState, ClaimStatus, RelayStore } from "../store/RelayStore.ts";

const TERMINAL: ReadonlySet<ClaimStatus> = new Set(["settled", "failed"]);

/**
 * Whether a claim needs nothing more from the lifecycle (`settled` or `failed`).
 *
 * @example
 * ```ts
 * if (isTerminalClaimStatus(state.status)) continue;
 * ```
 */
export function isTerminalClaimStatus(status: ClaimStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * The lifecycle's view of the store's claim book: loaded once with `listClaims()`, then kept current by
 * writing through it, so a tick does not copy every claim ever made. The store stays the durable copy.
 *
 * @example
 * ```ts
 * const book = new ClaimBook(store);
 * await book.load();
 * await book.put({ ...state, status: "proven", updatedAt: Date.now() });
 * ```
 */
export class ClaimBook {
  readonly #store: RelayStore;
  readonly #claims = new Map<string, ClaimState>();
  #loaded = false;

  constructor(store: RelayStore) {
    this.#store = store;
  }

  /** Reads the store's claims (once; again after a failed load). */
  async load(): Promise<void> {
    if (this.#loaded) return;
    this.#claims.clear();
    for (const state of await this.#store.listClaims()) this.#claims.set(state.claimKey.toLowerCase(), state);
    this.#loaded = true;
  }

  get(claimKey: Hex): ClaimState | undefined {
    return this.#claims.get(claimKey.toLowerCase());
  }

  /** Claims of `session`. */
  forSession(session: bigint): ClaimState[] {
    return [...this.#claims.values()].filter((state) => state.session === session);
  }

  /** Sessions with a claim that is not settled or failed yet. */
  openSessions(): bigint[] {
    const sessions = new Set<bigint>();
    for (const state of this.#claims.values())
      if (!isTerminalClaimStatus(state.status)) sessions.add(state.session);
    return [...sessions];
  }

  /** Writes a state to the store (durably), then to the view. */
  async put(state: ClaimState): Promise<void> {
    await this.#store.putClaim(state);
    this.#claims.set(state.claimKey.toLowerCase(), state);
  }
}
