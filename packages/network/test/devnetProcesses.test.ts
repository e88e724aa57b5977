// `npm start` as one process per node: a supplier SIGKILLed under load is restarted and still claims what it
// served, and a terminal's Ctrl-C (SIGINT to the whole process group) ends every process within 10 s at
// several moments of the session lifecycle. Real anvil, contracts, runtime and node processes.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { devnetStateSchema } from "@aviary/devnet";
import { aviarySettlementAbi } from "@aviary/protocol";
import { createPublicClient, http, parseEventLogs } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { readNetworkProcesses } from "../src/networkProcesses.ts";

const run = promisify(execFile);
const repository = resolve(import.meta.dirname, "../../..");
const home = mkdtempSync(join(tmpdir(), "aviary-processes-"));
const cli = ["--conditions=aviary-source", "--import", "tsx", "packages/cli/src/bin.ts"];
const started: ChildProcess[] = [];
const sessionBlocks = 20n;

afterAll(() => {
  for (const child of started) if (child.pid) killGroup(child.pid);
  rmSync(home, { recursive: true, force: true });
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // gone already
  }
}

const readState = () => devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));

type Started = { child: ChildProcess; output: () => string; modelsAtReady: string[] };

/** `aviary devnet up` in its own process group, as a terminal runs it; resolves at `ready`. */
function start(): Promise<Started> {
  const child = spawn(
    process.execPath,
    [
      ...cli,
      "devnet",
      "up",
      "--home",
      home,
      "--gateway-port",
      "0",
      "--explorer-port",
      "0",
      "--supplier-port",
      "0",
    ],
    { cwd: repository, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  started.push(child);
  let output = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" within 120 s:\n${output}`)), 120_000);
    let seen = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (seen || !/^ready: /m.test(output)) return;
      seen = true;
      clearTimeout(timer);
      // At the moment `ready` is printed, a client that lists the models first sees the model.
      const state = readState();
      fetch(`${state.gateway?.baseUrl}/models`, {
        headers: { authorization: `Bearer ${state.gateway?.apiKey}` },
      })
        .then((response) => response.json() as Promise<{ data: { id: string }[] }>)
        .then((body) =>
          resolvePromise({ child, output: () => output, modelsAtReady: body.data.map((entry) => entry.id) }),
        )
        .catch(reject);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!seen) reject(new Error(`devnet up exited (${code}):\n${output}`));
    });
  });
}

/** Whether a pid is a live process (a zombie waiting to be reaped is not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    if (existsSync("/proc/self/stat")) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ctrl-C as a terminal sends it: SIGINT to the whole group. Resolves with how long until every pid is gone. */
async function ctrlC(network: Started): Promise<{ seconds: number; pids: number[] }> {
  const pid = network.child.pid as number;
  const pids = [
    pid,
    ...(readNetworkProcesses(home)?.processes ?? []).flatMap((entry) => (entry.pid ? [entry.pid] : [])),
  ];
  const exited = new Promise<void>((resolvePromise) => {
    if (network.child.exitCode !== null || network.child.signalCode !== null) resolvePromise();
    network.child.once("exit", () => resolvePromise());
  });
  const begin = Date.now();
  try {
    process.kill(-pid, "SIGINT");
  } catch (error) {
    // The whole group is gone already (after anvil died, the supervisor may have stopped the rest first).
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
  await exited;
  while (pids.some((entry) => entry !== pid && alive(entry)) && Date.now() - begin < 15_000)
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  const seconds = (Date.now() - begin) / 1000;
  const slow = network
    .output()
    .split("\n")
    .filter((line) => line.includes("did not stop"));
  if (slow.length > 0) console.log(slow.join("\n"));
  expect(pids.filter((entry) => entry !== pid && alive(entry))).toEqual([]);
  return { seconds, pids };
}

type Outcome = "ok" | "failed" | "stream-complete" | "stream-error-event" | "stream-broken";

/** One request through the gateway: non-streamed must succeed; a stream completes or ends with an error event. */
async function request(stream: boolean): Promise<Outcome> {
  const state = readState();
  const response = await fetch(`${state.gateway?.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${state.gateway?.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: state.model?.name,
      messages: [{ role: "user", content: "Hello" }],
      max_tokens: 24,
      stream,
    }),
  }).catch(() => undefined);
  if (!response) return stream ? "stream-broken" : "failed";
  if (!stream) {
    const body = (await response.json().catch(() => undefined)) as { choices?: unknown[] } | undefined;
    return response.ok && (body?.choices?.length ?? 0) > 0 ? "ok" : "failed";
  }
  const text = await response.text().catch(() => undefined);
  if (text === undefined) return "stream-broken";
  if (/"error"\s*:/.test(text)) return "stream-error-event";
  return text.includes("data: [DONE]") ? "stream-complete" : "stream-broken";
}

/** Requests from `workers` loops, alternating streamed and not, until `until()` says stop. */
async function load(workers: number, until: () => boolean): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let index = 0; !until(); index += 1) outcomes.push(await request((index + worker) % 2 === 1));
    }),
  );
  return outcomes;
}

async function aviary(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...cli, ...args, "--home", home], { cwd: repository });
  return stdout;
}

describe("devnet up: one process per node", () => {
  const timings: Record<string, number> = {};
  afterAll(() => console.log("devnet up timings (s):", JSON.stringify(timings)));

  it("restarts a SIGKILLed supplier under load, which then claims its relays of that session; Ctrl-C while claiming stops every process", async () => {
    const begin = Date.now();
    const network = await start();
    timings.startToReady = (Date.now() - begin) / 1000;
    const state = readState();
    expect(network.modelsAtReady).toContain(state.model?.name);
    expect(state.gateway?.baseUrl).toBe(`${state.gateway?.url}/v1`);
    const client = createPublicClient({ transport: http(state.rpcUrl) });

    const victim = readNetworkProcesses(home)?.processes.find((entry) => entry.name === "supplier-1");
    expect(victim?.pid).toBeGreaterThan(0);
    const supplierAddress = state.suppliers?.[0]?.address as `0x${string}`;
    let stopLoad = false;
    const outcomes = load(4, () => stopLoad);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 2_500));
    const killedAt = await client.getBlockNumber();
    process.kill(victim?.pid as number, "SIGKILL");

    // Reported on the console at once, and restarted.
    const deadline = Date.now() + 30_000;
    let restarted: { pid?: number; state: string; restarts: number } | undefined;
    while (Date.now() < deadline) {
      const status = JSON.parse(await aviary("devnet", "status", "--json")) as {
        processes: { processes: { name: string; pid?: number; state: string; restarts: number }[] };
      };
      restarted = status.processes.processes.find((entry) => entry.name === "supplier-1");
      if (restarted?.state === "up" && restarted.restarts > 0 && restarted.pid !== victim?.pid) {
        const health = await fetch(`${state.suppliers?.[0]?.endpoint}/health`).catch(() => undefined);
        if (health?.ok) break;
      }
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
    }
    expect(restarted?.restarts).toBe(1);
    expect(restarted?.state).toBe("up");
    expect(network.output()).toMatch(/supplier-1 killed by SIGKILL; restarting it/);
    const table = await aviary("devnet", "status");
    expect(table).toMatch(/supplier-1\s+\d+\s+up\s+1\s+\d+\s+killed by SIGKILL/);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 2_000));
    stopLoad = true;
    const results = await outcomes;
    expect(results.length).toBeGreaterThan(8);
    expect(results.filter((outcome) => outcome === "failed" || outcome === "stream-broken")).toEqual([]);

    // The restarted supplier resumed its relay log: the session of the kill (relays stamped a block or two
    // behind the head) is claimed by it.
    const sessionAtKill = (killedAt - 2n) / sessionBlocks;
    let claimed: bigint[] = [];
    const claimDeadline = Date.now() + 90_000;
    while (Date.now() < claimDeadline) {
      const logs = await client.getLogs({
        address: state.contracts.settlement as `0x${string}`,
        fromBlock: 0n,
      });
      claimed = parseEventLogs({ abi: aviarySettlementAbi, logs, eventName: "Claimed" })
        .filter((event) => event.args.supplier.toLowerCase() === supplierAddress.toLowerCase())
        .map((event) => BigInt(event.args.session));
      if (claimed.includes(sessionAtKill)) break;
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_000));
    }
    expect(claimed).toContain(sessionAtKill);

    // Ctrl-C while the other claims and the proofs of that session are under way.
    const stopped = await ctrlC(network);
    timings.stopWhileClaiming = stopped.seconds;
    expect(stopped.seconds).toBeLessThan(10);
  }, 240_000);

  it("Ctrl-C while serving streams stops every process within 10 s, and the next start resumes the chain", async () => {
    const before = readState();
    const begin = Date.now();
    const network = await start();
    timings.resumedStartToReady = (Date.now() - begin) / 1000;
    expect(network.output()).toContain("resumed chain");
    expect(readState().contracts).toEqual(before.contracts);
    expect(network.modelsAtReady).toContain(before.model?.name);
    let stopLoad = false;
    const outcomes = load(4, () => stopLoad);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_500));
    const stopped = await ctrlC(network);
    stopLoad = true;
    await outcomes;
    timings.stopWhileServing = stopped.seconds;
    expect(stopped.seconds).toBeLessThan(10);
  }, 180_000);

  it("Ctrl-C right after anvil died stops every process within 10 s", async () => {
    const network = await start();
    const anvil = readNetworkProcesses(home)?.processes.find((entry) => entry.name === "anvil");
    expect(anvil?.pid).toBeGreaterThan(0);
    process.kill(anvil?.pid as number, "SIGKILL");
    const stopped = await ctrlC(network);
    timings.stopAfterAnvilDied = stopped.seconds;
    expect(stopped.seconds).toBeLessThan(10);
  }, 180_000);
});
