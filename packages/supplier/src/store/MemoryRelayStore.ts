import type { Hex } from "viem";
import { RelayStoreClosedError } from "./errors.ts";
import type { ClaimState, RelayRecord, RelayStore } from "./RelayStore.ts";
import { copyClaimState, encodeClaimState, encodeRelayRecord } from "./relayStoreCodec.ts";

/** What a {@link MemoryRelayStore} keeps; share one between instances to simulate a restart. */
export type MemoryRelayStoreData = {
  sessions: Map<bigint, RelayRecord[]>;
  claims: Map<Hex, ClaimState>;
};

/**
 * Empty storage for {@link MemoryRelayStore}.
 *
 * @example
 * ```ts
 * const data = memoryRelayStoreData();
 * const before = new MemoryRelayStore({ data });
 * const afterRestart = new MemoryRelayStore({ data }); // sees what `before` wrote
 * ```
 */
export function memoryRelayStoreData(): MemoryRelayStoreData {
  return { sessions: new Map(), claims: new Map() };
}

/**
 * A {@link RelayStore} in memory, for unit tests. It validates records and claim states exactly as the file
 * store does (so a bad record fails in tests too) and hands out copies. Nothing survives the process; appends
 * cannot tear.
 *
 * @example
 * ```ts
 * const store = new MemoryRelayStore();
 * await store.open();
 * await store.append(record);
 * console.log(await store.sessions()); // [record.request.session]
 * ```
 */
export class MemoryRelayStore implements RelayStore {
  readonly #data: MemoryRelayStoreData;
  #state: "new" | "open" | "closed" = "new";

  /** @param options.data - storage to use (shared with another instance: a "restart"). @default fresh storage */
  constructor(options: { data?: MemoryRelayStoreData } = {}) {
    this.#data = options.data ?? memoryRelayStoreData();
  }

  async open(): Promise<void> {
    if (this.#state !== "new") throw new RelayStoreClosedError({ operation: "open (already opened once)" });
    this.#state = "open";
  }

  async append(record: RelayRecord): Promise<void> {
    this.#assertOpen("append");
    encodeRelayRecord(record); // validates
    const copy = structuredClone(record);
    const session = copy.request.session;
    const records = this.#data.sessions.get(session);
    if (records) records.push(copy);
    else this.#data.sessions.set(session, [copy]);
  }

  async *readSession(session: bigint): AsyncIterable<RelayRecord> {
    this.#assertOpen("readSession");
    const records = this.#data.sessions.get(session) ?? [];
    // Index loop: records appended while iterating are seen, as with the file store.
    for (let index = 0; index < records.length; index += 1) {
      const record = records[index];
      if (record) yield structuredClone(record);
    }
  }

  async sessions(): Promise<bigint[]> {
    this.#assertOpen("sessions");
    return [...this.#data.sessions.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async prune(session: bigint): Promise<void> {
    this.#assertOpen("prune");
    this.#data.sessions.delete(session);
  }

  async getClaim(claimKey: Hex): Promise<ClaimState | undefined> {
    this.#assertOpen("getClaim");
    const state = this.#data.claims.get(claimKey.toLowerCase() as Hex);
    return state && copyClaimState(state);
  }

  async putClaim(state: ClaimState): Promise<void> {
    this.#assertOpen("putClaim");
    encodeClaimState(state); // validates
    this.#data.claims.set(state.claimKey.toLowerCase() as Hex, copyClaimState(state));
  }

  async listClaims(): Promise<ClaimState[]> {
    this.#assertOpen("listClaims");
    return [...this.#data.claims.values()].map(copyClaimState);
  }

  async close(): Promise<void> {
    this.#state = "closed";
  }

  #assertOpen(operation: string): void {
    if (this.#state !== "open") throw new RelayStoreClosedError({ operation });
  }
}
