import { CliInputError } from "../errors.ts";

/** Reads all of stdin and parses it as JSON, with an error that says what was wrong. */
export async function readStdinJson(what: string): Promise<unknown> {
  if (process.stdin.isTTY) {
    throw new CliInputError(`Expected ${what} as JSON on stdin, but stdin is a terminal.`, [
      "Pipe it in, e.g. `echo '{…}' | npx aviary …`.",
    ]);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new CliInputError(`Expected ${what} as JSON on stdin, got nothing.`);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CliInputError(`stdin is not valid JSON: ${(cause as Error).message}`);
  }
}
