import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { resolveAviaryHome } from "@aviary/devnet";

/** `aviary devnet down`: stops a running `devnet up` (its state is saved), and with --reset deletes the state. */
export async function devnetDown(options: { home?: string; reset: boolean }): Promise<void> {
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
      for (let attempt = 0; attempt < 50; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
      }
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
