import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/**
 * SHA-256 of a file, streamed in 1 MiB chunks (a multi-gigabyte model is never held in memory).
 *
 * @param path - the file to hash.
 * @returns `0x`-prefixed lowercase hex.
 * @throws the stream's error (e.g. `ENOENT`) when the file cannot be read.
 * @example
 * ```ts
 * const digest = await sha256File("/models/x.gguf"); // "0x9f86d0…"
 * ```
 */
export async function sha256File(path: string): Promise<`0x${string}`> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `0x${hash.digest("hex")}`;
}
