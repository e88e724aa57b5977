import { open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";

export type JsonLine = {
  /** The line's text, without its newline. */
  text: string;
  /** 1-based line number in the file. */
  line: number;
};

const CHUNK = 256 * 1024;

/**
 * Streams the complete lines of a file in order, in chunks (the file is never read whole). A last line
 * without its newline is a torn write and is not yielded; blank lines are skipped. A missing file yields
 * nothing.
 *
 * @example
 * ```ts
 * for await (const { text, line } of readJsonLines("/data/relays/7.jsonl")) console.log(line, JSON.parse(text));
 * ```
 */
export async function* readJsonLines(path: string): AsyncGenerator<JsonLine> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    const decoder = new StringDecoder("utf8");
    const buffer = Buffer.alloc(CHUNK);
    let pending = "";
    let line = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      pending += decoder.write(buffer.subarray(0, bytesRead));
      let start = 0;
      for (let newline = pending.indexOf("\n"); newline !== -1; newline = pending.indexOf("\n", start)) {
        line += 1;
        const text = pending.slice(start, newline);
        start = newline + 1;
        if (text.trim() !== "") yield { text, line };
      }
      pending = pending.slice(start);
    }
    // Whatever is left has no newline: a torn write, skipped.
  } finally {
    await handle.close();
  }
}
