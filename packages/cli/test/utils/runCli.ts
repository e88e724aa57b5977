// Runs the real `aviary` binary in a child process, as a user would.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "aviary.js");

export type CliResult = { status: number | null; stdout: string; stderr: string };

// A home with no devnet.json, so no test can stumble on a network someone runs in the repository.
const emptyHome = mkdtempSync(join(tmpdir(), "aviary-cli-empty-"));

/** Runs `aviary …args` with `environment` added to this process's, and resolves when it exits. */
export function runCli(args: string[], environment: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, AVIARY_HOME: emptyHome, ...environment },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `tasks` with at most `limit` at a time (two cores: a wall of child processes only thrashes). */
export async function inBatches<T>(tasks: (() => Promise<T>)[], limit = 2): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next++;
        const task = tasks[index];
        if (task) results[index] = await task();
      }
    }),
  );
  return results;
}
