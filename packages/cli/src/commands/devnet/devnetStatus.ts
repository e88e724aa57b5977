import { readDevnetState, resolveAviaryHome } from "@aviary/devnet";
// The status file alone: importing the whole network package would cost seconds per command.
import { type NetworkProcesses, readNetworkProcesses } from "@aviary/network/processes";
import { createPublicClient, http } from "viem";
import type { DevnetStatusOptions } from "./devnetStatus.command.ts";

/** `aviary devnet status`: what devnet.json says, and whether the chain and each node answer. */
export async function devnetStatus(options: DevnetStatusOptions): Promise<void> {
  const home = resolveAviaryHome(options.home);
  const state = readDevnetState(home);
  if (!state) {
    console.log(`No devnet in ${home}. Start one with \`npm start\` or \`npx aviary devnet up\`.`);
    process.exitCode = 1;
    return;
  }
  let blockNumber: bigint | undefined;
  try {
    blockNumber = await createPublicClient({
      transport: http(state.rpcUrl, { retryCount: 0, timeout: 2_000 }),
    }).getBlockNumber();
  } catch {
    blockNumber = undefined;
  }
  const processes = liveProcesses(readNetworkProcesses(home));
  if (options.json) {
    console.log(
      JSON.stringify({
        ...state,
        running: blockNumber !== undefined,
        blockNumber: blockNumber?.toString(),
        processes,
      }),
    );
    return;
  }
  console.log(`devnet in ${home}`);
  console.log(
    `  RPC URL      ${state.rpcUrl}  ${blockNumber === undefined ? "(not answering)" : `(block ${blockNumber})`}`,
  );
  console.log(`  registry     ${state.contracts.registry}`);
  console.log(`  settlement   ${state.contracts.settlement}`);
  console.log(`  token        ${state.contracts.token}`);
  // The nodes `npm start` runs, when it ran them: each is asked for its health.
  const answers = async (url: string) =>
    fetch(url, { signal: AbortSignal.timeout(2_000) })
      .then((response) => (response.ok ? "up" : `HTTP ${response.status}`))
      .catch(() => "not answering");
  if (state.model) console.log(`  model        ${state.model.name}  sha256 ${state.model.weightsDigest}`);
  for (const [index, supplier] of (state.suppliers ?? []).entries()) {
    console.log(
      `  supplier-${index + 1}   ${supplier.endpoint}  ${supplier.address}  (${await answers(`${supplier.endpoint}/health`)})`,
    );
  }
  if (state.gateway) {
    console.log(`  gateway      ${state.gateway.url}/v1  (${await answers(`${state.gateway.url}/health`)})`);
    console.log(`  API key      ${state.gateway.apiKey}`);
  }
  if (state.explorerUrl)
    console.log(`  explorer     ${state.explorerUrl}  (${await answers(state.explorerUrl)})`);
  if (processes) {
    const { supervisor } = processes;
    const phase = !supervisor.running
      ? "not running"
      : supervisor.stopping
        ? "stopping"
        : supervisor.ready
          ? "ready"
          : "starting";
    console.log(`  processes    supervisor pid ${supervisor.pid} (${phase})`);
    console.log(
      `    ${"name".padEnd(12)}${"pid".padEnd(9)}${"state".padEnd(9)}${"restarts".padEnd(10)}${"port".padEnd(7)}last error`,
    );
    for (const entry of processes.processes)
      console.log(
        `    ${entry.name.padEnd(12)}${String(entry.pid ?? "-").padEnd(9)}${entry.state.padEnd(9)}${String(entry.restarts).padEnd(10)}${String(entry.port ?? "-").padEnd(7)}${entry.lastError ?? "-"}`,
      );
  }
  if (blockNumber === undefined) process.exitCode = 1;
}

/**
 * The supervisor's status file, checked against the live pids: a process whose supervisor is gone (or that
 * is not alive) is shown as down, whatever the file says.
 */
function liveProcesses(file: NetworkProcesses | undefined) {
  if (!file) return undefined;
  const alive = (pid: number | undefined) => {
    if (pid === undefined) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  };
  const running = alive(file.supervisor.pid);
  return {
    supervisor: { ...file.supervisor, running },
    processes: file.processes.map((entry) =>
      running && alive(entry.pid)
        ? entry
        : { ...entry, pid: undefined, state: entry.state === "up" ? ("down" as const) : entry.state },
    ),
  };
}
