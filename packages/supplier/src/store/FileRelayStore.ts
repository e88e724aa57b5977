import { constants } from "node:fs";
import { access, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Hex } from "viem";
import { AppendLog, type AppendLogStats } from "./AppendLog.ts";
import { acquireDirectoryLock, type DirectoryLock } from "./acquireDirectoryLock.ts";
import { RelayStoreClosedError, RelayStoreCorruptError, RelayStoreDirectoryError } from "./errors.ts";
import type { ClaimState, RelayRecord, RelayStore } from "./RelayStore.ts";
import { readJsonLines } from "./readJsonLines.ts";
import {
  claimStateSchema,
  copyClaimState,
  decodeLine,
  decodeRelayRecordLine,
  encodeClaimState,
  encodeRelayRecord,
} from "./relayStoreCodec.ts";
import { repairTornTail } from "./repairTornTail.ts";

/**
 * When the file store calls `fdatasync` (what survives a power cut or kernel crash; `kill -9` of the process
 * is survived in every mode, since `append` resolves only after `write`):
 * - `"never"`: leave it to the kernel's writeback (typically within ~30 s).
 * - `"interval"`: every `fsyncIntervalMs` for each file written since the last sync (bounded loss, near-free).
 * - `"always"`: before `append` resolves (nothing acknowledged is ever lost; one sync per group write).
 */
export type FsyncPolicy = "never" | "interval" | "always";

export type FileRelayStoreParameters = {
  /** The data directory (created if missing). */
  directory: string;
  /** @default "interval" */
  fsync?: FsyncPolicy;
  /** Milliseconds between syncs for `fsync: "interval"`. @default 1000 */
  fsyncIntervalMs?: number;
};

export type FileRelayStoreStats = AppendLogStats & {
  /** Torn last lines cut off when the store was opened. */
  repairedFiles: number;
};

const SESSION_FILE = /^(0|[1-9][0-9]*)\.jsonl$/;
const CLAIMS_FILE = "claims.jsonl";

/**
 * The production {@link RelayStore}: plain files, no native dependencies.
 *
 * Layout of `directory`:
 * - `relays/<session>.jsonl`: one {@link RelayRecord} a line, in append order (uints as decimal strings);
 * - `claims.jsonl`: the claim book, one {@link ClaimState} a line, the last line of a claim key wins
 *   (compacted on open through a temporary file and `rename`);
 * - `LOCK`: the pid of the process that has the store open.
 *
 * Appends go through one append-mode handle per session with group commit: appends made in the same turn of
 * the event loop, or while the previous write is in flight, are joined into one `write`. `append` resolves
 * once its bytes were written (they survive `kill -9`), and after `fdatasync` too with `fsync: "always"`. A
 * torn last line (crash mid-write) is cut off on open and skipped when reading; any other bad line is a
 * {@link RelayStoreCorruptError} naming the file and line.
 *
 * @example
 * ```ts
 * const store = new FileRelayStore({ directory: "/var/lib/aviary/relays", fsync: "interval" });
 * await store.open();
 * await store.append(record);
 * for await (const relay of store.readSession(7n)) console.log(relay.relayKey);
 * await store.close();
 * ```
 */
export class FileRelayStore implements RelayStore {
  readonly directory: string;
  readonly #relaysDirectory: string;
  readonly #fsync: FsyncPolicy;
  readonly #fsyncIntervalMs: number;
  #state: "new" | "opening" | "open" | "closed" = "new";
  #lock: DirectoryLock | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #logs = new Map<string, AppendLog>();
  readonly #sessions = new Set<bigint>();
  readonly #pruning = new Map<string, Promise<void>>();
  readonly #claims = new Map<Hex, ClaimState>();
  #claimLog: AppendLog | undefined;
  readonly #retired: AppendLogStats = { appends: 0, writes: 0, syncs: 0 };
  #repairedFiles = 0;
  /** Directories that gained a file since their last fsync (`fsync: "interval"`). */
  readonly #dirtyDirectories = new Set<string>();

  constructor(parameters: FileRelayStoreParameters) {
    this.directory = resolve(parameters.directory);
    this.#relaysDirectory = join(this.directory, "relays");
    this.#fsync = parameters.fsync ?? "interval";
    this.#fsyncIntervalMs = parameters.fsyncIntervalMs ?? 1000;
  }

  /**
   * Creates the directory if needed, takes its lock, repairs torn last lines and loads the claim book.
   *
   * @throws {RelayStoreDirectoryError} when the directory cannot be created or written.
   * @throws {RelayStoreLockedError} when another live store has it open.
   * @throws {RelayStoreCorruptError} when `claims.jsonl` holds a bad line (not a torn last one).
   */
  async open(): Promise<void> {
    if (this.#state !== "new") throw new RelayStoreClosedError({ operation: "open (already opened once)" });
    this.#state = "opening";
    try {
      await this.#prepareDirectory();
      // `relays/` may have just been created: make its entry durable too.
      if (this.#fsync !== "never") await syncDirectory(this.directory);
      this.#lock = await acquireDirectoryLock(this.directory);
      await this.#loadSessions();
      await this.#loadClaims();
      this.#claimLog = this.#newLog(join(this.directory, CLAIMS_FILE), this.directory);
      if (this.#fsync === "interval") {
        this.#timer = setInterval(() => void this.#syncAll(), this.#fsyncIntervalMs);
        this.#timer.unref();
      }
      this.#state = "open";
    } catch (error) {
      this.#state = "closed";
      await this.#lock?.release();
      throw error;
    }
  }

  append(record: RelayRecord): Promise<void> {
    if (this.#state !== "open") return Promise.reject(new RelayStoreClosedError({ operation: "append" }));
    let line: string;
    try {
      line = encodeRelayRecord(record);
    } catch (error) {
      return Promise.reject(error);
    }
    // A bigint once validated (zod also accepts a number or decimal string there).
    const session = BigInt(record.request.session);
    const key = session.toString();
    const pruning = this.#pruning.get(key);
    if (pruning) return pruning.then(() => this.#appendLine(session, key, line));
    return this.#appendLine(session, key, line);
  }

  async *readSession(session: bigint): AsyncIterable<RelayRecord> {
    this.#assertOpen("readSession");
    const file = this.#sessionPath(session.toString());
    for await (const { text, line } of readJsonLines(file)) {
      const decoded = decodeRelayRecordLine(text);
      if (!decoded.ok)
        throw new RelayStoreCorruptError({ file, line, reason: decoded.reason, cause: decoded.cause });
      yield decoded.value;
    }
  }

  async sessions(): Promise<bigint[]> {
    this.#assertOpen("sessions");
    return [...this.#sessions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async prune(session: bigint): Promise<void> {
    this.#assertOpen("prune");
    const key = session.toString();
    const previous = this.#pruning.get(key) ?? Promise.resolve();
    const pruning = previous.then(async () => {
      const log = this.#logs.get(key);
      if (log) {
        await log.close({ sync: false });
        this.#retire(log);
        this.#logs.delete(key);
      }
      await unlink(this.#sessionPath(key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
      this.#sessions.delete(session);
    });
    this.#pruning.set(key, pruning);
    try {
      await pruning;
    } finally {
      if (this.#pruning.get(key) === pruning) this.#pruning.delete(key);
    }
  }

  async getClaim(claimKey: Hex): Promise<ClaimState | undefined> {
    this.#assertOpen("getClaim");
    const state = this.#claims.get(claimKey.toLowerCase() as Hex);
    return state && copyClaimState(state);
  }

  async putClaim(state: ClaimState): Promise<void> {
    this.#assertOpen("putClaim");
    const line = encodeClaimState(state);
    const log = this.#claimLog;
    if (!log) throw new RelayStoreClosedError({ operation: "putClaim" });
    await log.append(line);
    this.#claims.set(state.claimKey.toLowerCase() as Hex, copyClaimState(state));
  }

  async listClaims(): Promise<ClaimState[]> {
    this.#assertOpen("listClaims");
    return [...this.#claims.values()].map(copyClaimState);
  }

  /** Writes what is queued, syncs (unless `fsync: "never"`), closes every file and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === "closed" || this.#state === "new") {
      this.#state = "closed";
      return;
    }
    this.#state = "closed";
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled(this.#pruning.values());
    const sync = this.#fsync !== "never";
    const logs = [...this.#logs.values(), ...(this.#claimLog ? [this.#claimLog] : [])];
    await Promise.allSettled(logs.map((log) => log.close({ sync })));
    for (const log of logs) this.#retire(log);
    this.#logs.clear();
    this.#claimLog = undefined;
    await this.#lock?.release();
  }

  /** Counters since open: appends, group writes, fdatasyncs, repaired files. For metrics and tests. */
  stats(): FileRelayStoreStats {
    const total = { ...this.#retired, repairedFiles: this.#repairedFiles };
    for (const log of [...this.#logs.values(), ...(this.#claimLog ? [this.#claimLog] : [])]) {
      const stats = log.stats;
      total.appends += stats.appends;
      total.writes += stats.writes;
      total.syncs += stats.syncs;
    }
    return total;
  }

  #appendLine(session: bigint, key: string, line: string): Promise<void> {
    if (this.#state !== "open") return Promise.reject(new RelayStoreClosedError({ operation: "append" }));
    let log = this.#logs.get(key);
    if (!log) {
      log = this.#newLog(this.#sessionPath(key), this.#relaysDirectory);
      this.#logs.set(key, log);
    }
    this.#sessions.add(session);
    return log.append(line);
  }

  /** A log whose new file's directory entry is made durable as the fsync policy says. */
  #newLog(path: string, directory: string): AppendLog {
    return new AppendLog(path, {
      syncMode: this.#fsync === "always" ? "always" : "on-request",
      onCreated: async () => {
        if (this.#fsync === "always") await syncDirectory(directory);
        else if (this.#fsync === "interval") this.#dirtyDirectories.add(directory);
      },
    });
  }

  async #syncAll(): Promise<void> {
    const logs = [...this.#logs.values(), ...(this.#claimLog ? [this.#claimLog] : [])];
    const directories = [...this.#dirtyDirectories];
    this.#dirtyDirectories.clear();
    // A failed sync is remembered by its log, which then refuses appends with the cause.
    await Promise.allSettled([
      ...logs.filter((log) => log.dirty).map((log) => log.sync()),
      ...directories.map((directory) => syncDirectory(directory)),
    ]);
  }

  #retire(log: AppendLog): void {
    const stats = log.stats;
    this.#retired.appends += stats.appends;
    this.#retired.writes += stats.writes;
    this.#retired.syncs += stats.syncs;
  }

  #sessionPath(key: string): string {
    return join(this.#relaysDirectory, `${key}.jsonl`);
  }

  #assertOpen(operation: string): void {
    if (this.#state !== "open") throw new RelayStoreClosedError({ operation });
  }

  async #prepareDirectory(): Promise<void> {
    const directory = this.directory;
    try {
      await mkdir(this.#relaysDirectory, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === "ENOTDIR" || code === "EEXIST"
          ? "a path component is a file, not a directory"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : `cannot create it (${code ?? "unknown error"})`;
      throw new RelayStoreDirectoryError({ directory, reason, cause: error });
    }
    try {
      if (!(await stat(this.#relaysDirectory)).isDirectory()) throw new Error("relays is not a directory");
      await access(directory, constants.W_OK | constants.R_OK);
      await access(this.#relaysDirectory, constants.W_OK | constants.R_OK);
    } catch (error) {
      throw new RelayStoreDirectoryError({ directory, reason: "not readable and writable", cause: error });
    }
  }

  async #loadSessions(): Promise<void> {
    for (const name of await readdir(this.#relaysDirectory)) {
      const match = SESSION_FILE.exec(name);
      if (!match?.[1]) continue;
      const { truncatedBytes } = await repairTornTail(join(this.#relaysDirectory, name));
      if (truncatedBytes > 0) this.#repairedFiles += 1;
      this.#sessions.add(BigInt(match[1]));
    }
  }

  async #loadClaims(): Promise<void> {
    const file = join(this.directory, CLAIMS_FILE);
    let lines = 0;
    try {
      const { truncatedBytes } = await repairTornTail(file);
      if (truncatedBytes > 0) this.#repairedFiles += 1;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for await (const { text, line } of readJsonLines(file)) {
      const decoded = decodeLine(text, claimStateSchema);
      if (!decoded.ok)
        throw new RelayStoreCorruptError({ file, line, reason: decoded.reason, cause: decoded.cause });
      this.#claims.set(decoded.value.claimKey.toLowerCase() as Hex, decoded.value);
      lines += 1;
    }
    if (lines > 2 * this.#claims.size + 64) await this.#compactClaims(file);
  }

  /** Rewrites the claim book with one line a claim: temporary file, fsync, rename, fsync the directory. */
  async #compactClaims(file: string): Promise<void> {
    const temporary = `${file}.tmp`;
    const handle = await open(temporary, "w");
    try {
      const text = [...this.#claims.values()].map((state) => `${encodeClaimState(state)}\n`).join("");
      await handle.writeFile(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    await syncDirectory(this.directory);
  }
}

/** fsyncs a directory, making the files created or renamed in it durable. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
