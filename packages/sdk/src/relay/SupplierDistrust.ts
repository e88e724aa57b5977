export type SupplierDistrustParameters = {
  /** How long a supplier whose receipt did not verify is only a last resort, ms. @default 600_000 */
  distrustMs?: number;
  /** Most suppliers remembered (the oldest entries go first). @default 10_000 */
  maxEntries?: number;
};

/**
 * The suppliers caught with a receipt that did not verify (wrong signer, hash not covering the bytes, over
 * `maxCost`): for `distrustMs` they are tried only after every other supplier. A lower reputation alone would
 * not do: `provider.order` names suppliers ahead of any ranking, and a liar named there would be asked first
 * again. Kept apart from the stats book because it is a verdict on honesty, not on quality.
 *
 * @example
 * ```ts
 * const distrust = new SupplierDistrust();
 * distrust.distrust(supplier.address);
 * distrust.isDistrusted(supplier.address); // true for the next ten minutes
 * ```
 */
export class SupplierDistrust {
  readonly #until = new Map<string, number>();
  readonly #distrustMs: number;
  readonly #maxEntries: number;

  constructor({ distrustMs = 600_000, maxEntries = 10_000 }: SupplierDistrustParameters = {}) {
    this.#distrustMs = distrustMs;
    this.#maxEntries = maxEntries;
  }

  /** Marks `address` distrusted until `now + distrustMs`. */
  distrust(address: string, now: number = Date.now()): void {
    const key = address.toLowerCase();
    this.#until.delete(key);
    this.#until.set(key, now + this.#distrustMs);
    if (this.#until.size > this.#maxEntries) this.#until.delete(this.#until.keys().next().value as string);
  }

  /** Whether `address` is distrusted at `now`. */
  isDistrusted(address: string, now: number = Date.now()): boolean {
    if (this.#until.size === 0) return false;
    const key = address.toLowerCase();
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#until.delete(key);
    return false;
  }
}
