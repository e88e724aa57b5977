import { access, type FileHandle, open } from "node:fs/promises";
import { RelayStoreClosedError, RelayStoreWriteError } from "./errors.ts";

/**
 * When a log calls `fdatasync`: after every group write (`"always"`), when the owner asks (`sync()`, driven by
 * a timer for the store's `"interval"` policy), or never.
 */
export type AppendLogSyncMode = "always" | "on-request";

export type AppendLogStats = { appends: number; writes: number; syncs: number };

type Waiter = { resolve: () => void; reject: (error: unknown) => void };

/**
 * One append-only JSON-lines file written through an append-mode handle with group commit: every line
 * appended while a write is pending or in the same event-loop turn goes out in the next single `write`, and
 * each `append` resolves once its bytes were handed to the kernel (so they survive `kill -9` of the process),
 * plus `fdatasync` first when `syncMode` is `"always"`. Lines keep their call order.
 *
 * A failed write is cut off again (truncated to the last good size) so the file never holds half a batch
 * followed by more lines; if even that fails, the log refuses further appends.
 *
 * Internal to the file store.
 *
 * @example
 * ```ts
 * const log = new AppendLog("/data/relays/7.jsonl", { syncMode: "on-request" });
 * await Promise.all([log.append('{"a":1}'), log.append('{"a":2}')]); // one write
 * await log.close();
 * ```
 */
export class AppendLog {
  readonly path: string;
  readonly #syncMode: AppendLogSyncMode;
  readonly #onCreated: (() => Promise<void>) | undefined;
  #handle: Promise<FileHandle> | undefined;
  #size = 0;
  #queue: string[] = [];
  #waiters: Waiter[] = [];
  #scheduled = false;
  #running = false;
  #idle: (() => void)[] = [];
  #dirty = false;
  #syncing: Promise<void> | undefined;
  #closed = false;
  #failure: RelayStoreWriteError | undefined;
  readonly #stats: AppendLogStats = { appends: 0, writes: 0, syncs: 0 };

  /**
   * @param path - the file (created on the first append if missing).
   * @param options.syncMode - see {@link AppendLogSyncMode}.
   * @param options.onCreated - awaited after this log created its file, before the first batch resolves (to
   * make the new directory entry durable).
   */
  constructor(path: string, options: { syncMode: AppendLogSyncMode; onCreated?: () => Promise<void> }) {
    this.path = path;
    this.#syncMode = options.syncMode;
    this.#onCreated = options.onCreated;
  }

  /** Counters since this log was created. */
  get stats(): AppendLogStats {
    return { ...this.#stats };
  }

  /** Whether bytes were written since the last `fdatasync`. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /**
   * Queues one line (without its newline) and resolves once it was written.
   *
   * @throws {RelayStoreWriteError} when the batch holding the line could not be written.
   * @throws {RelayStoreClosedError} after `close()`.
   */
  append(line: string): Promise<void> {
    if (this.#closed) return Promise.reject(new RelayStoreClosedError({ operation: "append" }));
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push(line);
      this.#waiters.push({ resolve, reject });
      this.#stats.appends += 1;
      this.#schedule();
    });
  }

  /** Resolves once every line appended so far was written (or failed). */
  whenIdle(): Promise<void> {
    if (!this.#running && !this.#scheduled && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * `fdatasync`s the file if anything was written since the last sync. Concurrent calls share one sync.
   *
   * @throws {RelayStoreWriteError} when the sync fails; later appends are then refused (the kernel may have
   * dropped the dirty pages, so what was acknowledged can no longer be vouched for).
   */
  async sync(): Promise<void> {
    // A sync already running may have started before the latest write: wait for it, then sync again if needed.
    while (this.#syncing) await this.#syncing;
    if (!this.#dirty || !this.#handle) return;
    const handle = this.#handle;
    this.#dirty = false;
    this.#syncing = (async () => {
      try {
        await (await handle).datasync();
        this.#stats.syncs += 1;
      } catch (error) {
        this.#failure = new RelayStoreWriteError({ file: this.path, cause: error, operation: "sync" });
        throw this.#failure;
      } finally {
        this.#syncing = undefined;
      }
    })();
    return this.#syncing;
  }

  /** Writes what is queued, syncs when `sync` is true, and closes the handle. Idempotent. */
  async close({ sync }: { sync: boolean }): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.whenIdle();
    try {
      if (sync) await this.sync().catch(() => {});
      await this.#syncing?.catch(() => {});
    } finally {
      const handle = this.#handle;
      this.#handle = undefined;
      if (handle) await (await handle.catch(() => undefined))?.close().catch(() => {});
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: everything appended in this turn of the event loop joins the batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#drain();
    });
  }

  #openHandle(): Promise<FileHandle> {
    if (!this.#handle) {
      this.#handle = (async () => {
        const created = await access(this.path).then(
          () => false,
          () => true,
        );
        const handle = await open(this.path, "a");
        try {
          this.#size = (await handle.stat()).size;
          if (created) await this.#onCreated?.();
        } catch (error) {
          await handle.close().catch(() => {});
          throw error;
        }
        return handle;
      })();
      // A failed open is retried by the next batch.
      this.#handle.catch(() => {
        this.#handle = undefined;
      });
    }
    return this.#handle;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const lines = this.#queue;
        const waiters = this.#waiters;
        this.#queue = [];
        this.#waiters = [];
        const error = await this.#writeBatch(`${lines.join("\n")}\n`);
        for (const waiter of waiters) {
          if (error) waiter.reject(error);
          else waiter.resolve();
        }
      }
    } finally {
      this.#running = false;
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  /** Writes one batch; returns the error to reject its waiters with, if any. */
  async #writeBatch(text: string): Promise<RelayStoreWriteError | undefined> {
    if (this.#failure) return this.#failure;
    let handle: FileHandle;
    try {
      handle = await this.#openHandle();
    } catch (error) {
      return new RelayStoreWriteError({ file: this.path, cause: error, operation: "open" });
    }
    const bytes = Buffer.from(text, "utf8");
    let written = 0;
    try {
      while (written < bytes.length) {
        const result = await handle.write(bytes, written, bytes.length - written, null);
        written += result.bytesWritten;
      }
      this.#stats.writes += 1;
      this.#size += bytes.length;
      this.#dirty = true;
      if (this.#syncMode === "always") await this.sync();
      return undefined;
    } catch (error) {
      if (this.#failure) return this.#failure;
      const failure = new RelayStoreWriteError({ file: this.path, cause: error });
      // Cut off the partial batch so later lines do not follow a torn one.
      if (written > 0) {
        try {
          await handle.truncate(this.#size);
        } catch {
          this.#failure = failure;
        }
      }
      return failure;
    }
  }
}
