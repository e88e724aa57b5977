import type { SqlExecutor } from "./drivers/SqlDriver.ts";
import { GatewayStoreError } from "./errors.ts";

/**
 * Defaults of {@link WriteBatchOptions}. Measured on SQLite (WAL, synchronous NORMAL), CPU per request of the
 * writes: 133 µs committed one by one, 100 µs in batches of 8, 69 µs of 32, 45 µs of 256. A steady 1,000
 * requests/s fills ~10 records in 5 ms and ~40 in 20 ms, so 20 ms; a crash loses at most that much usage,
 * which the admitted reservations then cover (see `DEFAULT_RESERVATION_TTL_MS`).
 */
export const DEFAULT_WRITE_BATCH = { maxRecords: 256, intervalMs: 20 } as const;

/** How a store batches its usage and receipt writes. */
export type WriteBatchOptions = {
  /** Commit as soon as this many writes are queued. Default 256; 1 commits each write alone. */
  maxRecords?: number;
  /** Commit at most this long after the first queued write. Default 20 ms. */
  intervalMs?: number;
};

/**
 * What the writes of one batch share inside its transaction: state to accumulate (a key's spend, a window's
 * counters) and the statements that write it back once, after the batch's last write.
 */
export type BatchScope = {
  /** The batch's value under `name`, made by `create` the first time. */
  memo<T>(name: string, create: () => T): T;
  /** Runs `finish` after every write of the batch, before the commit (in registration order). */
  onFinish(finish: () => Promise<void>): void;
};

/** One queued write: its statements, run inside the batch's transaction. */
export type BatchedWrite<T> = {
  /** The store operation that queued it (names its errors when it is committed alone). */
  operation: string;
  /** A key whose row the write locks: the batch locks its keys first, in one order, so batches cannot deadlock. */
  keyId?: string;
  /**
   * Runs the write's statements (or accumulates into `scope`). A {@link GatewayStoreError} thrown before it
   * changed anything (an unknown key) rejects only this write; any other error aborts the batch.
   */
  write(executor: SqlExecutor, scope: BatchScope): Promise<T>;
};

/** Parameters of the {@link WriteBatch} constructor. */
export type WriteBatchParameters = WriteBatchOptions & {
  /** Runs a transaction for `operation`; its errors are already `GatewayStoreError`s. */
  transaction<T>(operation: string, body: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /** Locks the rows of `keyIds` (sorted) inside a batch's transaction. */
  lockKeys(executor: SqlExecutor, keyIds: readonly string[]): Promise<void>;
};

type Entry = BatchedWrite<unknown> & { resolve(value: unknown): void; reject(error: unknown): void };
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Retries of a batch that failed retryably (busy database, lost connection), and the wait before each. */
const RETRY_DELAYS_MS = [5, 25, 125];

/**
 * Group commit: writes queued by `add` are committed together, in one transaction, as soon as `maxRecords` are
 * queued or `intervalMs` after the first of them, whichever comes first; each write's promise settles when
 * its transaction commits (or fails). One batch commits at a time; writes queued meanwhile form the next.
 *
 * A batch that fails retryably is retried (3 times, 5–125 ms apart); one that fails otherwise is committed
 * again write by write, so a bad write rejects alone and the others still commit.
 *
 * @example
 * ```ts
 * const batch = new WriteBatch({ transaction, lockKeys, maxRecords: 256, intervalMs: 5 });
 * const done = batch.add({ operation: "putReceipt", write: (executor) => executor.run("INSERT …", values) });
 * await batch.flush();
 * ```
 */
export class WriteBatch {
  readonly maxRecords: number;
  readonly intervalMs: number;
  readonly #parameters: WriteBatchParameters;
  #queue: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;

  constructor(parameters: WriteBatchParameters) {
    this.#parameters = parameters;
    this.maxRecords = Math.max(1, Math.trunc(parameters.maxRecords ?? DEFAULT_WRITE_BATCH.maxRecords));
    this.intervalMs = Math.max(0, parameters.intervalMs ?? DEFAULT_WRITE_BATCH.intervalMs);
  }

  /** Writes queued and not yet taken by a commit. */
  get size(): number {
    return this.#queue.length;
  }

  /** Queues a write; resolves with its result once its batch is committed. */
  add<T>(write: BatchedWrite<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ ...write, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length >= this.maxRecords) void this.flush();
      // Not unref'd: a process that ends on its own still commits what it queued.
      else this.#timer ??= setTimeout(() => void this.flush(), this.intervalMs);
    });
  }

  /** Commits everything queued before the call; never rejects (each write's own promise carries its error). */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#draining || this.#queue.length > 0) {
      this.#draining ??= this.#drain().finally(() => {
        this.#draining = undefined;
      });
      await this.#draining;
    }
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const entries = this.#queue.splice(0, this.maxRecords);
      if (this.#queue.length === 0 && this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      await this.#commit(entries, 0);
    }
  }

  async #commit(entries: Entry[], attempt: number): Promise<void> {
    const [first] = entries;
    if (!first) return;
    let outcomes: Outcome[];
    try {
      outcomes = await this.#parameters.transaction(
        entries.length === 1 ? first.operation : "flush",
        async (executor) => {
          const keyIds = [...new Set(entries.flatMap((entry) => (entry.keyId ? [entry.keyId] : [])))].sort();
          if (keyIds.length > 0) await this.#parameters.lockKeys(executor, keyIds);
          const memos = new Map<string, unknown>();
          const finishes: (() => Promise<void>)[] = [];
          const scope: BatchScope = {
            memo: <T>(name: string, create: () => T): T => {
              if (!memos.has(name)) memos.set(name, create());
              return memos.get(name) as T;
            },
            onFinish: (finish) => {
              finishes.push(finish);
            },
          };
          const results: Outcome[] = [];
          for (const entry of entries) {
            try {
              results.push({ ok: true, value: await entry.write(executor, scope) });
            } catch (error) {
              // The store's own errors come before a write's first statement changes anything.
              if (!(error instanceof GatewayStoreError)) throw error;
              results.push({ ok: false, error });
            }
          }
          for (const finish of finishes) await finish();
          return results;
        },
      );
    } catch (error) {
      const retryable = error instanceof GatewayStoreError && error.isRetryable;
      const delay = RETRY_DELAYS_MS[attempt];
      if (retryable && delay !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        return this.#commit(entries, attempt + 1);
      }
      if (!retryable && entries.length > 1) {
        for (const entry of entries) await this.#commit([entry], RETRY_DELAYS_MS.length);
        return;
      }
      for (const entry of entries) entry.reject(error);
      return;
    }
    outcomes.forEach((outcome, index) => {
      const entry = entries[index];
      if (outcome.ok) entry?.resolve(outcome.value);
      else entry?.reject(outcome.error);
    });
  }
}
