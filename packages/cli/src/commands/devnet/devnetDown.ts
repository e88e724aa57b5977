import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { resolveAviaryHome } from "@aviary/devnet";
import { readNetworkProcesses } from "@aviary/network/processes";
import type { DevnetDownOptions } from "./devnetDown.command.ts";

/** `aviary devnet down`: stops a running `devnet up` (its state is saved), and with --reset deletes the state. */
export async function devnetDown(options: DevnetDownOptions): Promise<void> {
  const home = resolveAviaryHome(options.home);
  const pidPath = join(home, "devnet.pid");
  let pid: number | undefined;
  try {
    pid = Number.parseInt(readFileSync(pidPath, "utf8"), 10);
  } catch {
    pid = undefined;
  }
  if (pid !== undefined && Number.isInteger(pid)) {
    try {
      process.kill(pid, "SIGTERM");
      console.log(`stopping the devnet (pid ${pid})`);
      const started = Date.now();
      // `devnet up` ends every process within 10 s of SIGTERM; past that, whatever is left is killed here.
      while (alive(pid) && Date.now() - started < 10_000)
        await new Promise((resolve) => setTimeout(resolve, 100));
      if (alive(pid)) {
        const left = (readNetworkProcesses(home)?.processes ?? []).flatMap((entry) =>
          entry.pid !== undefined && alive(entry.pid) ? [entry.pid] : [],
        );
        for (const target of [pid, ...left]) process.kill(target, "SIGKILL");
        console.log(`the devnet did not stop within 10 s: killed pids ${[pid, ...left].join(", ")}`);
      } else console.log(`stopped in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    } catch {
      console.log(`no devnet process ${pid} is running`);
    }
    rmSync(pidPath, { force: true });
  } else {
    console.log("no running devnet found");
  }
  if (options.reset) {
    rmSync(join(home, "devnet.json"), { force: true });
    rmSync(join(home, "anvil-state.json"), { force: true });
    console.log(`deleted the devnet state in ${home}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
