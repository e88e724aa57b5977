import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Devnet, startDevnet } from "@aviary/devnet";

export type DevnetUpOptions = { home?: string; blockTime: number; fresh: boolean; persist: boolean };

/**
 * `aviary devnet up`: starts the local chain, deploys (or resumes), prints where everything is, and runs
 * until Ctrl-C, then stops what it started.
 */
export async function devnetUp(options: DevnetUpOptions): Promise<void> {
  const started = Date.now();
  const log = (message: string) =>
    console.log(`[devnet +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  log("starting anvil");
  const devnet: Devnet = await startDevnet({
    home: options.home,
    blockTime: options.blockTime,
    fresh: options.fresh,
    persist: options.persist,
    onProgress: log,
  });
  const pidPath = join(devnet.home, "devnet.pid");
  writeFileSync(pidPath, `${process.pid}\n`);

  console.log("");
  console.log(`  RPC URL      ${devnet.rpcUrl}  (chain id ${devnet.chainId}, ${options.blockTime}s blocks)`);
  console.log(`  token        ${devnet.contracts.token}`);
  console.log(`  registry     ${devnet.contracts.registry}`);
  console.log(`  settlement   ${devnet.contracts.settlement}`);
  console.log(`  state        ${join(devnet.home, "devnet.json")}`);
  console.log(`  accounts     ${devnet.accounts.length} dev accounts funded (roles and keys in devnet.json)`);
  console.log("");
  console.log(`ready: Aviary devnet ${devnet.deployed ? "deployed" : "resumed"}. Ctrl-C stops it.`);

  let stopping = false;
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      stopping = true;
      log(`${signal}: stopping anvil (state is saved)`);
      resolve();
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    devnet.anvil.process.once("exit", (code) => {
      if (stopping) return;
      log(`anvil exited unexpectedly (code ${code})`);
      process.exitCode = 1;
      resolve();
    });
  });
  await devnet.stop();
  rmSync(pidPath, { force: true });
}
