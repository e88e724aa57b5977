import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";

/**
 * Writes `bytes` to `path` through a temporary file renamed over it: a reader (or a crash) sees the old file or
 * the new one, never half of one.
 *
 * @example
 * ```ts
 * await writeFileAtomically("/models/x/pipeline.json", new TextEncoder().encode("{}"));
 * ```
 */
export async function writeFileAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
