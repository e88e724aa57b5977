import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { AnvilStartError } from "../errors.ts";
import { resolveAnvilBinary } from "./resolveAnvilBinary.ts";

/** The hardfork every Aviary chain pins: Prague changes calldata gas, so gas figures would drift. */
export const aviaryHardfork = "cancun";

export type StartAnvilParameters = {
  /** Chain id. @default 31337 */
  chainId?: number;
  /** Interval mining in seconds; omitted: a block per transaction (automine). */
  blockTime?: number;
  /** State file: loaded at start when present, dumped periodically and on exit. */
  statePath?: string;
  /** Seconds between state dumps when `statePath` is set. @default 5 */
  stateInterval?: number;
  /** Number of funded dev accounts. @default 10 */
  accounts?: number;
  /** Milliseconds to wait for anvil to listen. @default 15000 */
  timeoutMs?: number;
};

export type AnvilInstance = {
  rpcUrl: string;
  port: number;
  chainId: number;
  process: ChildProcess;
  /** Stops anvil (SIGTERM, then SIGKILL after 3 s) and resolves once it has exited. Idempotent. */
  stop: () => Promise<void>;
};

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test or CLI must not leave anvil holding a port.
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

/**
 * Spawns anvil from the npm package on a free loopback port (anvil picks it: `--port 0`) with the pinned
 * hardfork, and resolves once it listens.
 *
 * @example
 * const anvil = await startAnvil({ blockTime: 1 });
 * console.log(anvil.rpcUrl); // http://127.0.0.1:41234
 * await anvil.stop();
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<AnvilInstance> {
  const chainId = parameters.chainId ?? 31337;
  const timeoutMs = parameters.timeoutMs ?? 15_000;
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--hardfork",
    aviaryHardfork,
    "--chain-id",
    String(chainId),
    "--accounts",
    String(parameters.accounts ?? 10),
  ];
  if (parameters.blockTime !== undefined) args.push("--block-time", String(parameters.blockTime));
  if (parameters.statePath !== undefined) {
    args.push("--state", parameters.statePath, "--state-interval", String(parameters.stateInterval ?? 5));
  }
  const child = spawn(resolveAnvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  installExitHook();
  running.add(child);

  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      running.delete(child);
      resolve();
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    if (!child.stdout) throw new AnvilStartError({ reason: "no stdout pipe", stderr: "" });
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new AnvilStartError({ reason: `did not listen within ${timeoutMs} ms`, stderr: stderrTail }));
    }, timeoutMs);
    lines.on("line", (line) => {
      const match = /Listening on [\d.]+:(\d+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        // Keep draining stdout so anvil never blocks on a full pipe.
        child.stdout?.resume();
        resolve(Number(match[1]));
      }
    });
    child.once("error", (cause) => {
      clearTimeout(timer);
      reject(new AnvilStartError({ reason: cause.message, stderr: stderrTail, cause }));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new AnvilStartError({ reason: `exited (code ${code}, signal ${signal})`, stderr: stderrTail }));
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killTimer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(killTimer);
    })();
    return stopping;
  };

  return { rpcUrl: `http://127.0.0.1:${port}`, port, chainId, process: child, stop };
}
