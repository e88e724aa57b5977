// Kill -9 durability: a child process appends as fast as it can and prints each key after its append
// resolved; it is SIGKILLed mid-run, and every printed key must be in the reopened store.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, expect, test } from "vitest";
import { FileRelayStore } from "./FileRelayStore.ts";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const child = fileURLToPath(new URL("../../test/store/FileRelayStore.crash.child.ts", import.meta.url));
const directories: string[] = [];

afterEach(async () => {
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

/** Runs the writer until it printed `keys` keys, SIGKILLs it, and returns the complete lines it printed. */
async function runAndKill(directory: string, keys: number): Promise<string[]> {
  const writer = spawn(
    process.execPath,
    ["--conditions=aviary-source", "--import", tsxLoader, child, directory, "never"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    writer.on("exit", (_code, signal) => resolve(signal)),
  );
  writer.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  await new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(
      () => reject(new Error(`writer too slow: ${stdout.length} bytes; ${stderr}`)),
      30_000,
    );
    writer.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      if (stdout.length >= keys * 67) {
        clearTimeout(timeout);
        writer.kill("SIGKILL");
        resolve();
      }
    });
    writer.on("exit", () => {
      clearTimeout(timeout);
      reject(new Error(`writer exited early: ${stderr}`));
    });
  }).catch(async (error) => {
    writer.kill("SIGKILL");
    throw error;
  });
  // Wait for the exit (the process is reaped, so its lock is seen as stale), and drain stdout.
  expect(await exited).toBe("SIGKILL");
  const lines = stdout.split("\n");
  lines.pop(); // an incomplete last line (or the empty string after the last newline)
  return lines;
}

test("test_kill9_everyAcknowledgedAppendSurvives", async () => {
  const directory = await mkdtemp(join(tmpdir(), "aviary-crash-"));
  directories.push(directory);
  const printed: string[] = [];
  // Two lives of the writer on the same directory: the second starts over a possibly torn tail.
  for (const keys of [3000, 3000]) printed.push(...(await runAndKill(directory, keys)));
  expect(printed.length).toBeGreaterThanOrEqual(6000);

  const store = new FileRelayStore({ directory });
  await store.open();
  try {
    const found = new Map<string, number>();
    for (const session of await store.sessions()) {
      for await (const record of store.readSession(session)) {
        found.set(record.relayKey, (found.get(record.relayKey) ?? 0) + 1);
      }
    }
    const missing = printed.filter((key) => !found.has(key));
    expect(missing).toEqual([]);
    expect([...found.values()].every((count) => count === 1)).toBe(true);
    expect(found.size).toBeGreaterThanOrEqual(printed.length);
  } finally {
    await store.close();
  }
}, 60_000);
