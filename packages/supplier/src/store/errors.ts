/**
 * Errors of the relay stores. Kept in one file (as `@aviary/protocol` keeps its errors by topic): each is a
 * constructor and a message, and they read best side by side.
 * @module
 */
import { BaseError } from "@aviary/protocol";

/**
 * The store's data directory cannot be used: it cannot be created, is not a directory, or is not writable.
 *
 * @example
 * ```ts
 * throw new RelayStoreDirectoryError({ directory: "/var/lib/aviary", reason: "not a directory" });
 * ```
 */
export class RelayStoreDirectoryError extends BaseError {
  override name = "RelayStoreDirectoryError";
  readonly directory: string;
  constructor({ directory, reason, cause }: { directory: string; reason: string; cause?: unknown }) {
    super(`The relay store directory is unusable: ${reason}.`, {
      cause,
      metaMessages: [
        `Directory: ${directory}`,
        "Point the store at a writable directory (it is created if missing).",
      ],
    });
    this.directory = directory;
  }
}

/**
 * A store file holds a complete line that is not a valid record. Only a torn *last* line (a crash mid-write)
 * is expected and skipped; anything else means the file was edited or damaged, and the store refuses to guess.
 *
 * @example
 * ```ts
 * throw new RelayStoreCorruptError({ file: "/data/relays/7.jsonl", line: 12, reason: "relayKey: must be 0x…" });
 * ```
 */
export class RelayStoreCorruptError extends BaseError {
  override name = "RelayStoreCorruptError";
  readonly file: string;
  readonly line: number;
  constructor({
    file,
    line,
    reason,
    cause,
  }: { file: string; line: number; reason: string; cause?: unknown }) {
    super(`Corrupt relay store file ${file} at line ${line}: ${reason}.`, {
      cause,
      metaMessages: [
        `File: ${file}`,
        `Line: ${line}`,
        "Move the file aside (or fix the line) to start; a torn last line is repaired automatically.",
      ],
    });
    this.file = file;
    this.line = line;
  }
}

/**
 * Another live process (or another open store in this process) holds the directory's lock.
 *
 * @example
 * ```ts
 * throw new RelayStoreLockedError({ directory: "/data", pid: 4242 });
 * ```
 */
export class RelayStoreLockedError extends BaseError {
  override name = "RelayStoreLockedError";
  readonly directory: string;
  readonly pid: number;
  constructor({ directory, pid }: { directory: string; pid: number }) {
    super(`The relay store directory is in use by process ${pid}.`, {
      metaMessages: [
        `Directory: ${directory}`,
        "Two writers would interleave the logs. Stop the other supplier node, or delete LOCK if that process is gone.",
      ],
    });
    this.directory = directory;
    this.pid = pid;
  }
}

/**
 * The store was used before `open()` or after `close()`.
 *
 * @example
 * ```ts
 * throw new RelayStoreClosedError({ operation: "append" });
 * ```
 */
export class RelayStoreClosedError extends BaseError {
  override name = "RelayStoreClosedError";
  constructor({ operation }: { operation: string }) {
    super(`The relay store is not open (${operation}).`, {
      metaMessages: ["Call open() first; a closed store cannot be reopened (create a new instance)."],
    });
  }
}

/**
 * Writing or syncing a store file failed (disk full, I/O error). The bytes of the failed batch are cut off
 * again when possible, so the file stays readable; appends after an unrecoverable failure are refused.
 *
 * @example
 * ```ts
 * throw new RelayStoreWriteError({ file: "/data/relays/7.jsonl", cause: error });
 * ```
 */
export class RelayStoreWriteError extends BaseError {
  override name = "RelayStoreWriteError";
  readonly file: string;
  constructor({ file, cause, operation = "write" }: { file: string; cause: unknown; operation?: string }) {
    super(`Could not ${operation} relay store file ${file}.`, {
      cause,
      metaMessages: [`File: ${file}`],
      isRetryable: true,
    });
    this.file = file;
  }
}

/**
 * A record or claim state handed to the store does not match its schema (it would be unreadable later).
 *
 * @example
 * ```ts
 * throw new RelayRecordInvalidError({ what: "relay record", reason: "request.nonce: must fit in uint64" });
 * ```
 */
export class RelayRecordInvalidError extends BaseError {
  override name = "RelayRecordInvalidError";
  constructor({ what, reason, cause }: { what: string; reason: string; cause?: unknown }) {
    super(`Invalid ${what}: ${reason}.`, { cause });
  }
}
