import { open } from "node:fs/promises";

export type RepairTornTailReturnType = {
  /** Bytes cut off the end (0 when the file ended with a newline or was empty). */
  truncatedBytes: number;
};

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Cuts a torn last line off a JSON-lines file: everything after the last newline, which only a crash in the
 * middle of a write leaves behind (every write ends with a newline). Reads backwards from the end, so the cost
 * does not grow with the file. Syncs the file when it changed it.
 *
 * @param path - the file; it must exist.
 * @example
 * ```ts
 * const { truncatedBytes } = await repairTornTail("/data/relays/7.jsonl");
 * ```
 */
export async function repairTornTail(path: string): Promise<RepairTornTailReturnType> {
  const handle = await open(path, "r+");
  try {
    const { size } = await handle.stat();
    if (size === 0) return { truncatedBytes: 0 };
    const buffer = Buffer.alloc(CHUNK);
    let end = size;
    let keep = 0;
    search: while (end > 0) {
      const start = Math.max(0, end - CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, end - start, start);
      for (let index = bytesRead - 1; index >= 0; index -= 1) {
        if (buffer[index] === NEWLINE) {
          keep = start + index + 1;
          break search;
        }
      }
      end = start;
    }
    if (keep === size) return { truncatedBytes: 0 };
    await handle.truncate(keep);
    await handle.datasync();
    return { truncatedBytes: size - keep };
  } finally {
    await handle.close();
  }
}
