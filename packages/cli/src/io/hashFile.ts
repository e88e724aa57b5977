import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Hex } from "viem";

/**
 * sha256 of a file, streamed (weights files are gigabytes), as 0x-prefixed lowercase hex.
 *
 * @param path - the file.
 * @param onBytes - called with the bytes hashed so far, after each chunk.
 * @example
 * const digest = await hashFile("model.gguf");
 */
export async function hashFile(path: string, onBytes?: (bytes: number) => void): Promise<Hex> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
  }
  return `0x${hash.digest("hex")}`;
}
