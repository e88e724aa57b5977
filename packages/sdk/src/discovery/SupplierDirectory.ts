import type { Address, Hex, PublicClient } from "viem";
import { discoverSuppliers, type SupplierCandidateInfo } from "./discoverSuppliers.ts";

export type SupplierDirectoryParameters = {
  publicClient: PublicClient;
  /** The registry contract. */
  registry: Address;
  /**
   * Offers and operators are fixed once a session started, but endpoints may change at any time: an entry older
   * than this is refreshed in the background (the cached answer is still served meanwhile). @default 60_000
   */
  maxAgeMs?: number;
  /** Suppliers read per page. @default 100 */
  pageSize?: number;
};

type Entry = {
  session: bigint;
  loadedAt: number;
  value: Promise<SupplierCandidateInfo[]>;
  refreshing: boolean;
};

/**
 * A per-session cache over {@link discoverSuppliers}, so that the relay hot path does not read the chain for
 * every request: one discovery per (model, session), shared by concurrent callers; failures are not cached;
 * sessions older than the previous one are dropped as new ones are asked for.
 *
 * @example
 * ```ts
 * const directory = new SupplierDirectory({ publicClient, registry });
 * const candidates = await directory.get(modelId, session);
 * ```
 */
export class SupplierDirectory {
  readonly #parameters: SupplierDirectoryParameters;
  readonly #entries = new Map<string, Entry>();
  #latestSession = 0n;

  constructor(parameters: SupplierDirectoryParameters) {
    this.#parameters = parameters;
  }

  /**
   * The suppliers offering `model` in `session` (cached).
   *
   * @param model - the modelId.
   * @param session - the session the relays will name.
   * @throws {ChainReadError} when nothing is cached and the chain cannot be read.
   */
  get(model: Hex, session: bigint): Promise<SupplierCandidateInfo[]> {
    if (session > this.#latestSession) {
      this.#latestSession = session;
      for (const [key, entry] of this.#entries) if (entry.session + 1n < session) this.#entries.delete(key);
    }
    const key = `${model.toLowerCase()}:${session}`;
    const entry = this.#entries.get(key);
    if (!entry) return this.#load(key, model, session).value;
    if (!entry.refreshing && Date.now() - entry.loadedAt > (this.#parameters.maxAgeMs ?? 60_000)) {
      entry.refreshing = true;
      const next = this.#discover(model, session);
      next.then(
        () => {
          if (this.#entries.get(key) === entry)
            this.#entries.set(key, { session, loadedAt: Date.now(), value: next, refreshing: false });
        },
        () => {
          entry.refreshing = false;
          entry.loadedAt = Date.now();
        },
      );
    }
    return entry.value;
  }

  /** Forgets every cached entry (e.g. after a supplier was found to lie). */
  clear(): void {
    this.#entries.clear();
  }

  #load(key: string, model: Hex, session: bigint): Entry {
    const entry: Entry = {
      session,
      loadedAt: Date.now(),
      value: this.#discover(model, session),
      refreshing: false,
    };
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry;
  }

  #discover(model: Hex, session: bigint): Promise<SupplierCandidateInfo[]> {
    return discoverSuppliers({
      publicClient: this.#parameters.publicClient,
      registry: this.#parameters.registry,
      model,
      session,
      pageSize: this.#parameters.pageSize,
    });
  }
}
