import { RoutingParameterInvalidError } from "./errors.ts";
import { type RecordAuditPassParameters, recordAuditPass } from "./recordAuditPass.ts";
import { type RecordFailureParameters, recordFailure } from "./recordFailure.ts";
import { type RecordSuccessParameters, recordSuccess } from "./recordSuccess.ts";
import { createSupplierStats, type SupplierStats, type SupplierStatsConfig } from "./SupplierStats.ts";

/** Options of {@link SupplierStatsBook}. */
export type SupplierStatsBookOptions = {
  /** Most suppliers kept; beyond it the least recently updated is evicted. Default 10,000. */
  maxEntries?: number;
  /** Passed to the update functions. */
  config?: SupplierStatsConfig;
};

/** A supplier as the book identifies it. */
export type SupplierRef = { address: string; endpoint: string };

/**
 * The gateway's stats per supplier, keyed by operator address (case-insensitive), with a bounded size:
 * beyond `maxEntries` the least recently updated supplier is forgotten (it comes back as new, at
 * reputation 80), so memory stays flat however many suppliers a gateway meets. Each `update` moves the
 * supplier to the most recent end, so eviction is O(1).
 *
 * Reads (`get`, `statsFor`) neither create nor refresh entries.
 *
 * @example
 * ```ts
 * const book = new SupplierStatsBook({ maxEntries: 10_000 });
 * book.recordSuccess(supplier, { latencyMs: 900, now: Date.now() });
 * const candidates = offers.map((offer) => ({ ...offer, stats: book.statsFor(offer, Date.now()) }));
 * ```
 */
export class SupplierStatsBook {
  readonly maxEntries: number;
  readonly config: SupplierStatsConfig;
  readonly #entries = new Map<string, SupplierStats>();

  constructor({ maxEntries = 10_000, config = {} }: SupplierStatsBookOptions = {}) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RoutingParameterInvalidError({
        name: "maxEntries",
        value: maxEntries,
        reason: "must be an integer ≥ 1",
      });
    }
    this.maxEntries = maxEntries;
    this.config = config;
  }

  /** Number of suppliers held. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The stored stats of a supplier, or `undefined` when unknown (or evicted).
   *
   * @example
   * ```ts
   * book.get("0xAbC…")?.reputation;
   * ```
   */
  get(address: string): SupplierStats | undefined {
    return this.#entries.get(address.toLowerCase());
  }

  /**
   * The stored stats, or fresh ones (reputation 80, not stored) for a supplier never seen: what to put in
   * a routing `Candidate`. The endpoint of the result is the one given.
   *
   * @example
   * ```ts
   * const stats = book.statsFor({ address, endpoint }, now);
   * ```
   */
  statsFor(supplier: SupplierRef, now: number): SupplierStats {
    const stored = this.get(supplier.address);
    if (!stored) return createSupplierStats({ ...supplier, now }, this.config);
    return stored.endpoint === supplier.endpoint ? stored : { ...stored, endpoint: supplier.endpoint };
  }

  /**
   * Applies `change` to a supplier's stats (fresh ones if unknown), stores the result as the most
   * recently updated entry, and evicts the least recently updated beyond `maxEntries`.
   *
   * @param supplier - address and current endpoint.
   * @param now - current time, ms (used when the supplier is new).
   * @param change - a pure update, e.g. `(stats) => recordSuccess(stats, sample)`.
   * @returns the stored stats.
   * @example
   * ```ts
   * book.update(supplier, now, (stats) => recordFailure(stats, { kind: "audit-fail", now }));
   * ```
   */
  update(supplier: SupplierRef, now: number, change: (stats: SupplierStats) => SupplierStats): SupplierStats {
    const key = supplier.address.toLowerCase();
    const current = this.statsFor(supplier, now);
    const next = change(current);
    const stored = next.address === key ? next : { ...next, address: key };
    this.#entries.delete(key);
    this.#entries.set(key, stored);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    return stored;
  }

  /**
   * Records a success (see `recordSuccess`) with the book's config.
   *
   * @example
   * ```ts
   * book.recordSuccess(supplier, { ttftMs: 150, latencyMs: 1_200, now });
   * ```
   */
  recordSuccess(supplier: SupplierRef, sample: RecordSuccessParameters): SupplierStats {
    return this.update(supplier, sample.now, (stats) => recordSuccess(stats, sample, this.config));
  }

  /**
   * Records a failure (see `recordFailure`) with the book's config.
   *
   * @example
   * ```ts
   * book.recordFailure(supplier, { kind: "5xx", now });
   * ```
   */
  recordFailure(supplier: SupplierRef, failure: RecordFailureParameters): SupplierStats {
    return this.update(supplier, failure.now, (stats) => recordFailure(stats, failure, this.config));
  }

  /**
   * Records a passed integrity audit (see `recordAuditPass`) with the book's config.
   *
   * @example
   * ```ts
   * book.recordAuditPass(supplier, { now });
   * ```
   */
  recordAuditPass(supplier: SupplierRef, parameters: RecordAuditPassParameters): SupplierStats {
    return this.update(supplier, parameters.now, (stats) => recordAuditPass(stats, parameters, this.config));
  }

  /**
   * Forgets a supplier.
   *
   * @returns whether it was held.
   */
  delete(address: string): boolean {
    return this.#entries.delete(address.toLowerCase());
  }

  /**
   * A copy of all stats, least recently updated first (for a stats page or persistence).
   *
   * @example
   * ```ts
   * const top = book.snapshot().sort((a, b) => b.reputation - a.reputation).slice(0, 20);
   * ```
   */
  snapshot(): SupplierStats[] {
    return [...this.#entries.values()];
  }
}
