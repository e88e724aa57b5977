import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readSync, statSync } from "node:fs";

/** What `aviary devnet status` shows of one supervised process. */
export type SupervisedProcessStatus = {
  name: string;
  pid: number | undefined;
  state: "up" | "down" | "stopped";
  restarts: number;
  port: number | undefined;
  log: string;
  lastError: string | undefined;
  startedAt: string | undefined;
};

export type SuperviseProcessParameters = {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  /** Its stdout and stderr are appended here. */
  logPath: string;
  port?: number;
  /** Restart it when it exits on its own. @default true */
  restart?: boolean;
  /** First restart delay; it doubles up to 30 s, and is reset once a run lasted 30 s. @default 1_000 */
  backoffMs?: number;
  /** A line for the console: the process died, is restarting, or came back. */
  onReport?: (message: string) => void;
  /** Called on every change of {@link SupervisedProcess.status}. */
  onChange?: () => void;
  /** Called when it exits on its own (before any restart). */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
};

export type SupervisedProcess = {
  readonly status: SupervisedProcessStatus;
  /** SIGTERM, then SIGKILL once `graceMs` passed; resolves when the process is gone. No restart after. */
  stop: (graceMs?: number) => Promise<void>;
  /** SIGKILL now, without waiting. */
  kill: () => void;
};

// A parent that exits (or is made to exit) takes its nodes along: none is left holding a port.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

/**
 * Runs one node as a child process (in this process group, so a terminal's Ctrl-C reaches it too),
 * its output appended to its log file, and restarts it with backoff whenever it exits on its own.
 *
 * @example
 * const supplier = superviseProcess({ name: "supplier-1", command: process.execPath,
 *   args: ["--conditions=aviary-source", "--import", "tsx", "packages/cli/src/bin.ts", "supplier", "start", "--config", "s.json"],
 *   logPath: ".aviary/logs/supplier-1.log", onReport: console.log });
 * await supplier.stop();
 */
export function superviseProcess(parameters: SuperviseProcessParameters): SupervisedProcess {
  const initialBackoff = parameters.backoffMs ?? 1_000;
  const report = parameters.onReport ?? (() => {});
  const changed = () => parameters.onChange?.();
  const status: SupervisedProcessStatus = {
    name: parameters.name,
    pid: undefined,
    state: "down",
    restarts: 0,
    port: parameters.port,
    log: parameters.logPath,
    lastError: undefined,
    startedAt: undefined,
  };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopping = false;
  let backoff = initialBackoff;
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = () => {
    const logFd = openSync(parameters.logPath, "a");
    const logStart = statSync(parameters.logPath).size;
    const startedAt = Date.now();
    const current = spawn(parameters.command, parameters.args, {
      cwd: parameters.cwd,
      stdio: ["ignore", logFd, logFd],
      env: process.env,
    });
    closeSync(logFd);
    installExitHook();
    live.add(current);
    child = current;
    status.pid = current.pid;
    status.state = "up";
    status.startedAt = new Date(startedAt).toISOString();
    changed();
    exited = new Promise<void>((resolve) => {
      current.once("error", (error) => {
        status.lastError = error.message;
        // A process that could not be spawned emits no "exit": treat it as one (reported, retried).
        if (current.pid === undefined) current.emit("exit", null, null);
      });
      current.once("exit", (code, signal) => {
        live.delete(current);
        child = undefined;
        status.pid = undefined;
        status.state = stopping ? "stopped" : "down";
        if (!stopping) {
          const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
          const lastLogError = lastErrorLine(parameters.logPath, logStart);
          status.lastError = lastLogError ? `${how}: ${lastLogError}` : how;
          parameters.onExit?.(code, signal);
          if (parameters.restart ?? true) {
            if (Date.now() - startedAt > 30_000) backoff = initialBackoff;
            status.restarts += 1;
            report(
              `${parameters.name} ${how}; restarting it in ${(backoff / 1000).toFixed(0)}s (restart ${status.restarts}, log ${parameters.logPath})`,
            );
            restartTimer = setTimeout(() => {
              restartTimer = undefined;
              if (stopping) return;
              launch();
              report(`${parameters.name} restarted (pid ${status.pid})`);
            }, backoff);
            backoff = Math.min(backoff * 2, 30_000);
          } else report(`${parameters.name} ${how} (log ${parameters.logPath})`);
        }
        changed();
        resolve();
      });
    });
  };
  launch();

  return {
    status,
    async stop(graceMs = 5_000) {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = undefined;
      const running = child;
      if (!running) {
        status.state = "stopped";
        changed();
        return;
      }
      running.kill("SIGTERM");
      const killTimer = setTimeout(() => {
        report(`${parameters.name} did not stop within ${graceMs / 1000}s of SIGTERM: killing it`);
        running.kill("SIGKILL");
      }, graceMs);
      await exited;
      clearTimeout(killTimer);
    },
    kill() {
      child?.kill("SIGKILL");
    },
  };
}

/** The last line mentioning an error that the process wrote to its log since `from` (a pino line or not). */
function lastErrorLine(path: string, from: number): string | undefined {
  try {
    const size = statSync(path).size;
    const start = Math.max(from, size - 16_384);
    const buffer = Buffer.alloc(size - start);
    const fd = openSync(path, "r");
    readSync(fd, buffer, 0, buffer.length, start);
    closeSync(fd);
    const lines = buffer.toString("utf8").split("\n").filter(Boolean);
    for (const line of lines.reverse()) {
      if (!/error|"level":(50|60)/i.test(line)) continue;
      try {
        const parsed = JSON.parse(line) as { msg?: string; err?: { message?: string } };
        return [parsed.msg, parsed.err?.message].filter(Boolean).join(": ").slice(0, 300);
      } catch {
        return line.slice(0, 300);
      }
    }
  } catch {
    // no log: nothing to add
  }
  return undefined;
}
