import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Hex } from "viem";

/**
 * SHA-256 of a file, streamed in 1 MiB chunks (a multi-gigabyte model is never held in memory): the
 * `weightsDigest` a model is registered under and every node checks its weights against.
 *
 * @param path - the file to hash.
 * @param onBytes - called with the bytes hashed so far after each chunk (for progress on large files).
 * @returns `0x`-prefixed lowercase hex.
 * @throws the stream's error (e.g. `ENOENT`) when the file cannot be read.
 * @example
 * ```ts
 * const digest = await sha256File("/models/x.gguf"); // "0x9f86d0…"
 * ```
 */
export async function sha256File(path: string, onBytes?: (bytes: number) => void): Promise<Hex> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
  }
  return `0x${hash.digest("hex")}`;
}
