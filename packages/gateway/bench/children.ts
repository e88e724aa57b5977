// The bench's server processes: each spawned under a name, awaited until it prints its ready line, watched
// (one that dies while it should be serving ends the bench, naming it and showing its last output), and all
// stopped on the way out — SIGTERM, then SIGKILL — so that no run leaves an orphan behind.
import { type ChildProcess, spawn } from "node:child_process";

/** A server process of the bench. */
export type Child = {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The first capture of the ready pattern (usually the server's URL). */
  match: string;
  /** The last 20,000 characters of its stdout and stderr. */
  output: () => string;
  /** Stops it (SIGTERM, SIGKILL after `graceMs`) and resolves with its exit code or signal once it has exited. */
  stop: (graceMs?: number) => Promise<number | string>;
};

const running = new Set<Child>();
let onUnexpectedExit: (child: Child, code: number | string) => void = () => {};

/** What to do when a child dies without being asked to (the bench prints, cleans up, and exits 1). */
export function whenAChildDies(handler: (child: Child, code: number | string) => void): void {
  onUnexpectedExit = handler;
}

process.once("exit", () => {
  for (const { child } of running) child.kill("SIGKILL");
});

/**
 * Spawns `command args` as the server `name` and resolves once its output matches `pattern` (first capture).
 *
 * `options.exits`: the command ends by itself (a one-shot command), so its exit is not a failure.
 *
 * @throws an Error naming `name`, with its output, when it exits or stays silent past `timeoutMs` (default 90 s).
 */
export function startChild(
  name: string,
  command: string,
  args: string[],
  pattern: RegExp,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; exits?: boolean } = {},
): Promise<Child> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env });
  let output = "";
  let stopping = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${options.timeoutMs ?? 90_000} ms:\n${output}`));
    }, options.timeoutMs ?? 90_000);
    const handle: Child = {
      name,
      child,
      pid: child.pid ?? 0,
      match: "",
      output: () => output,
      stop: async (graceMs = 10_000) => {
        stopping = true;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          const code = await exited;
          clearTimeout(killer);
          running.delete(handle);
          return code;
        }
        running.delete(handle);
        return child.exitCode ?? child.signalCode ?? "unknown";
      },
    };
    running.add(handle);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (ready) return;
      const match = pattern.exec(output);
      if (match?.[1]) {
        ready = true;
        clearTimeout(timer);
        handle.match = match[1];
        resolve(handle);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      running.delete(handle);
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited (${code}) before it was ready:\n${output}`));
      else if (!stopping && !options.exits) onUnexpectedExit(handle, code);
    });
  });
}

/** Stops every child still running, in parallel. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(5_000)));
}
