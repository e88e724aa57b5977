import type { ModelCapabilities } from "@aviary/protocol";
import type { Address, Hex, PublicClient } from "viem";
import { discoverSuppliers, type SupplierCandidateInfo } from "./discoverSuppliers.ts";
import { fetchSupplierCapabilities } from "./fetchSupplierCapabilities.ts";

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
  /** Reaches suppliers' `GET /v1/supplier` (their declared capabilities). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** How long one read of a supplier's capabilities may take, ms. @default 2_000 */
  capabilitiesTimeoutMs?: number;
  /** Endpoints whose capabilities are kept (the oldest read is forgotten first). @default 1_000 */
  maxCapabilityEntries?: number;
};

type CapabilitiesEntry = {
  /**
   * The last answer read, per modelId (lower case); null when the route could not be read; undefined until
   * the first read settled.
   */
  known: Map<string, ModelCapabilities> | null | undefined;
  /** When the last read started. */
  readAt: number;
  /** The read in flight. */
  reading: Promise<void> | undefined;
};

/** An unreadable supplier is asked again after this long (a readable one after `maxAgeMs`). */
const FAILED_CAPABILITIES_MS = 5_000;

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
 * What each supplier declares for its models (`capabilities`, read off chain from its `GET /v1/supplier` with
 * {@link fetchSupplierCapabilities}) comes from {@link SupplierDirectory.declared}: read once per endpoint for
 * all its models, started as soon as discovery finds the supplier, kept for `maxAgeMs` (bounded to
 * `maxCapabilityEntries` endpoints) and read again in the background after it. A supplier whose route fails
 * has no `capabilities` (unknown: it gets plain requests only) and is asked again after a few seconds.
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
  readonly #capabilities = new Map<string, CapabilitiesEntry>();
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

  /**
   * `suppliers` (as {@link SupplierDirectory.get} answered them for `model`) with what each declares for it in
   * `GET /v1/supplier` as `capabilities`; a supplier whose declaration is not known (not read yet, unreadable,
   * nothing declared for the model) is returned as it is. Starts the reads that are due.
   *
   * @param model - the modelId.
   * @param suppliers - the model's suppliers.
   * @param options.wait - wait for the first read of suppliers never read before (each bounded by
   *   `capabilitiesTimeoutMs`) instead of answering with what is known now. @default false
   * @example
   * ```ts
   * const declared = await directory.declared(modelId, await directory.get(modelId, session), { wait: true });
   * ```
   */
  async declared(
    model: Hex,
    suppliers: readonly SupplierCandidateInfo[],
    options: { wait?: boolean } = {},
  ): Promise<SupplierCandidateInfo[]> {
    const entries = suppliers.map((supplier) => this.#read(supplier.endpoint));
    if (options.wait) {
      await Promise.all(entries.map((entry) => (entry.known === undefined ? entry.reading : undefined)));
    }
    const key = model.toLowerCase();
    return suppliers.map((supplier, index) => {
      const capabilities = entries[index]?.known?.get(key);
      return capabilities ? { ...supplier, capabilities } : supplier;
    });
  }

  /** Forgets every cached entry (e.g. after a supplier was found to lie). */
  clear(): void {
    this.#entries.clear();
    this.#capabilities.clear();
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

  async #discover(model: Hex, session: bigint): Promise<SupplierCandidateInfo[]> {
    const suppliers = await discoverSuppliers({
      publicClient: this.#parameters.publicClient,
      registry: this.#parameters.registry,
      model,
      session,
      pageSize: this.#parameters.pageSize,
    });
    // Read what they declare now, off the request path: most requests never need to wait for it.
    for (const supplier of suppliers) this.#read(supplier.endpoint);
    return suppliers;
  }

  /** The endpoint's entry, with a read started when it has none or its answer is due again. */
  #read(endpoint: string): CapabilitiesEntry {
    let entry = this.#capabilities.get(endpoint);
    const due =
      entry !== undefined &&
      entry.reading === undefined &&
      Date.now() - entry.readAt >=
        (entry.known === null ? FAILED_CAPABILITIES_MS : (this.#parameters.maxAgeMs ?? 60_000));
    if (entry && !due) return entry;
    if (!entry) {
      entry = { known: undefined, readAt: Date.now(), reading: undefined };
      this.#capabilities.set(endpoint, entry);
      const limit = this.#parameters.maxCapabilityEntries ?? 1_000;
      for (const oldest of this.#capabilities.keys()) {
        if (this.#capabilities.size <= limit) break;
        this.#capabilities.delete(oldest);
      }
    }
    const reading = entry;
    reading.readAt = Date.now();
    reading.reading = fetchSupplierCapabilities({
      endpoint,
      fetch: this.#parameters.fetch,
      timeoutMs: this.#parameters.capabilitiesTimeoutMs,
    }).then(
      (declared) => {
        reading.known = declared;
        reading.reading = undefined;
      },
      () => {
        reading.known = null;
        reading.reading = undefined;
      },
    );
    return reading;
  }
}
