/**
 * A fixed set of items (context sequences) lent one request at a time; requests beyond them wait in FIFO order.
 * A waiter whose signal aborts leaves the queue at once. `reset` runs on every returned item before it is lent
 * again (clearing a sequence's KV state), so each request starts from an empty sequence.
 *
 * @example
 * ```ts
 * const pool = new SequencePool(sequences, (sequence) => sequence.clearHistory());
 * const sequence = await pool.acquire(request.signal, () => new BackendRequestAbortedError());
 * try { … } finally { pool.release(sequence); }
 * ```
 */
export class SequencePool<Item> {
  private readonly free: Item[];
  private readonly waiters: Array<{ resolve: (item: Item) => void; reject: (error: unknown) => void }> = [];
  private readonly lent = new Set<Item>();
  private closedError: unknown;

  constructor(
    items: readonly Item[],
    private readonly reset: (item: Item) => Promise<void>,
  ) {
    this.free = [...items];
  }

  /** Requests waiting for an item. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Items currently lent. */
  get busy(): number {
    return this.lent.size;
  }

  /**
   * Resolves with a free item, in arrival order. Rejects with `onAbort()` when `signal` aborts first, or with
   * the close error once {@link close} was called.
   */
  acquire(signal: AbortSignal, onAbort: () => unknown): Promise<Item> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    if (signal.aborted) return Promise.reject(onAbort());
    const item = this.free.shift();
    if (item !== undefined) {
      this.lent.add(item);
      return Promise.resolve(item);
    }
    return new Promise<Item>((resolve, reject) => {
      const waiter = {
        resolve: (item: Item) => {
          signal.removeEventListener("abort", abort);
          resolve(item);
        },
        reject: (error: unknown) => {
          signal.removeEventListener("abort", abort);
          reject(error);
        },
      };
      const abort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(onAbort());
      };
      signal.addEventListener("abort", abort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Returns an item: it is reset, then lent to the oldest waiter or kept free. Never throws. */
  release(item: Item): void {
    if (!this.lent.has(item)) return;
    void this.reset(item)
      .catch(() => undefined)
      .then(() => {
        const waiter = this.closedError === undefined ? this.waiters.shift() : undefined;
        if (waiter) return waiter.resolve(item);
        this.lent.delete(item);
        this.free.push(item);
      });
  }

  /**
   * Rejects every waiter (and later `acquire` calls) with `error`. Lent items stay with their holders, who
   * notice the abort of their own signal; node-llama-cpp lets the context be disposed under them safely.
   */
  close(error: unknown): void {
    this.closedError = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
