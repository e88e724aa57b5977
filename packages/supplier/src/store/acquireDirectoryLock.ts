import { open, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RelayStoreLockedError } from "./errors.ts";

/** Directories locked by stores of this process (a pid check cannot tell two of them apart). */
const lockedHere = new Set<string>();

export type DirectoryLock = {
  /** Removes the lock file (when it is still ours). Idempotent. */
  release(): Promise<void>;
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `<directory>/LOCK` (holding this process's pid) so that two supplier nodes never append to the same
 * logs. A lock left by a process that is gone (killed, crashed) is taken over.
 *
 * @param directory - an existing directory, as an absolute path.
 * @throws {RelayStoreLockedError} when a live process, or another open store of this process, holds it.
 * @example
 * ```ts
 * const lock = await acquireDirectoryLock("/var/lib/aviary/store");
 * await lock.release();
 * ```
 */
export async function acquireDirectoryLock(directory: string): Promise<DirectoryLock> {
  const path = join(directory, "LOCK");
  if (lockedHere.has(directory)) throw new RelayStoreLockedError({ directory, pid: process.pid });
  lockedHere.add(directory);
  try {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number.parseInt((await readFile(path, "utf8").catch(() => "")).trim(), 10);
      // Our own pid without an entry in `lockedHere` is a previous life of this process (pid reuse in a container).
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
        throw new RelayStoreLockedError({ directory, pid });
      await writeFile(path, `${process.pid}\n`);
    }
  } catch (error) {
    lockedHere.delete(directory);
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      lockedHere.delete(directory);
      const owner = await readFile(path, "utf8").catch(() => "");
      if (owner.trim() === String(process.pid)) await unlink(path).catch(() => {});
    },
  };
}
