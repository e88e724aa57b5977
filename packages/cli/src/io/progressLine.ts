import { formatBytes } from "./formatBytes.ts";

/**
 * A byte-progress reporter on stderr: on a terminal one line redrawn in place, otherwise a line every few
 * seconds; always a final line from `done`.
 *
 * @param label - what is moving, e.g. "downloading https://…/model.gguf".
 * @param total - the expected size in bytes, when known.
 * @example
 * const progress = progressLine("hashing model.gguf", size);
 * progress.update(bytes);
 * progress.done();
 */
export function progressLine(label: string, total: number | undefined) {
  const terminal = process.stderr.isTTY === true;
  const started = Date.now();
  let last = 0;
  let current = 0;
  const text = () => {
    const percent = total ? ` (${Math.floor((current / total) * 100)}%)` : "";
    return `${label}: ${formatBytes(current)}${total ? ` of ${formatBytes(total)}` : ""}${percent}`;
  };
  return {
    update(bytes: number): void {
      current = bytes;
      const now = Date.now();
      if (now - last < (terminal ? 200 : 2_000)) return;
      last = now;
      process.stderr.write(terminal ? `\r${text()}\u001b[K` : `${text()}\n`);
    },
    done(): void {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(`${terminal ? "\r" : ""}${text()} in ${seconds}s${terminal ? "\u001b[K" : ""}\n`);
    },
  };
}
