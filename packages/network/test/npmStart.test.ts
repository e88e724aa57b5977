// `npm start` as a newcomer runs it: the CLI in its own process, the printed snippets run as printed,
// Ctrl-C, and a second start that resumes the same chain. Real anvil, contracts, runtime and servers.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { devnetStateSchema } from "@aviary/devnet";
import { aviarySettlementAbi } from "@aviary/protocol";
import { createPublicClient, http, parseEventLogs } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../../apps/explorer/test/utils/launchChromium.ts";

const run = promisify(execFile);
const repository = resolve(import.meta.dirname, "../../..");
const home = mkdtempSync(join(tmpdir(), "aviary-start-"));
const running: ChildProcess[] = [];

afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
  rmSync(home, { recursive: true, force: true });
});

/** Starts `aviary devnet up` (what `npm start` runs) and resolves with everything it printed up to `ready`. */
function start(): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=aviary-source",
      "--import",
      "tsx",
      "packages/cli/src/bin.ts",
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
    { cwd: repository, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.push(child);
  let output = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" within 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/^ready: /m.test(output)) {
        clearTimeout(timer);
        resolvePromise({ child, output });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`devnet up exited (${code}):\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolvePromise) => {
    child.once("exit", (code) => resolvePromise({ code, output }));
    child.kill("SIGINT");
  });
}

describe("npm start", () => {
  let first: { child: ChildProcess; output: string };

  it("reaches ready and writes devnet.json with the gateway, explorer, suppliers and application", async () => {
    first = await start();
    const state = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
    expect(state.gateway?.apiKey).toMatch(/^avy_/);
    expect(state.explorerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(state.suppliers).toHaveLength(3);
    expect(state.application?.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(first.output).toContain(state.gateway?.apiKey);
    expect(first.output).toContain(state.explorerUrl);
    for (const supplier of state.suppliers ?? []) {
      const health = await fetch(`${supplier.endpoint}/health`);
      expect(health.status).toBe(200);
    }
  });

  it("prints a curl line that works as printed", async () => {
    const lines = first.output.split("\n");
    const begin = lines.findIndex((line) => line.trim().startsWith("curl "));
    expect(begin).toBeGreaterThan(0);
    const command = lines
      .slice(begin, begin + 4)
      .map((line) => line.trim())
      .join("\n");
    const { stdout } = await run("bash", ["-c", command.replace(/^curl /, "curl -sS --fail-with-body ")]);
    const body = JSON.parse(stdout) as {
      choices: { message: { content: string } }[];
      usage: { total_tokens: number };
    };
    expect(body.choices[0]?.message.content).toBeTypeOf("string");
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  it("prints an openai client snippet that works as printed", async () => {
    const match = /^ {2}(node --input-type=module -e '[\s\S]*?')$/m.exec(first.output);
    expect(match?.[1]).toBeDefined();
    const { stdout } = await run("bash", ["-c", match?.[1] as string], { cwd: repository });
    expect(stdout).toMatch(/total_tokens: \d+/);
  });

  it("settles the session's relays on-chain while it runs", async () => {
    const state = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
    const client = createPublicClient({ transport: http(state.rpcUrl) });
    const deadline = Date.now() + 150_000;
    let settled = 0;
    while (settled === 0 && Date.now() < deadline) {
      const logs = await client.getLogs({
        address: state.contracts.settlement as `0x${string}`,
        fromBlock: 0n,
      });
      settled = parseEventLogs({ abi: aviarySettlementAbi, logs, eventName: "Settled" }).length;
      if (settled === 0) await new Promise((resolvePromise) => setTimeout(resolvePromise, 2_000));
    }
    expect(settled).toBeGreaterThan(0);

    // Under the settlement's rules: each claim locked max(missingProofPenalty, amount) of its supplier's stake,
    // every settled claim that needed a proof got one (two weighted leaves, or one when both draws agree), and
    // none was slashed: each settlement released its claim's collateral.
    const settlement = state.contracts.settlement as `0x${string}`;
    const events = parseEventLogs({
      abi: aviarySettlementAbi,
      logs: await client.getLogs({ address: settlement, fromBlock: 0n }),
    });
    const { missingProofPenalty } = await client.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "params",
    });
    const claimed = new Map<string, { amount: bigint; collateral: bigint }>();
    const proven = new Set<string>();
    const released = new Map<string, bigint>();
    const settledKeys: `0x${string}`[] = [];
    for (const event of events) {
      if (event.eventName === "Claimed") claimed.set(event.args.claimKey, event.args);
      if (event.eventName === "Proven") proven.add(event.args.claimKey);
      if (event.eventName === "CollateralReleased") released.set(event.args.claimKey, event.args.amount);
      if (event.eventName === "Settled") settledKeys.push(event.args.claimKey);
      expect(event.eventName).not.toBe("ProofMissing");
    }
    for (const { amount, collateral } of claimed.values())
      expect(collateral).toBe(amount > missingProofPenalty ? amount : missingProofPenalty);
    for (const key of settledKeys) {
      expect(released.get(key)).toBe(claimed.get(key)?.collateral);
      const required = await client.readContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "isProofRequired",
        args: [key],
      });
      if (required) expect(proven.has(key)).toBe(true);
    }

    // The explorer shows it: the overview counts the settlement and what it paid, and the suppliers page
    // carries the gateway's measurements of the supplier that served.
    let overview: { totals: { settled: number; paid: string; toSource: string } } | undefined;
    while (Date.now() < deadline) {
      overview = (await (await fetch(`${state.explorerUrl}/api/overview`)).json()) as typeof overview;
      if ((overview?.totals.settled ?? 0) > 0) break;
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_000));
    }
    expect(overview?.totals.settled).toBeGreaterThan(0);
    expect(BigInt(overview?.totals.paid ?? "0")).toBeGreaterThan(0n);
    expect(BigInt(overview?.totals.toSource ?? "0")).toBeGreaterThan(0n);
    const sessionsPage = await (await fetch(`${state.explorerUrl}/sessions`)).text();
    expect(sessionsPage).toContain('data-testid="settled-badge"');

    // What a newcomer sees in the browser on the live network (the gateway's audits included): the
    // screenshots are kept next to the explorer's own (apps/explorer/screenshots/live-*.png).
    const screenshots = join(repository, "apps/explorer/screenshots");
    mkdirSync(screenshots, { recursive: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      for (const [name, path] of [
        ["overview", "/"],
        ["sessions", "/sessions"],
        ["suppliers", "/suppliers"],
        ["leaderboard", "/leaderboard"],
      ] as const) {
        await page.goto(`${state.explorerUrl}${path}?refresh=0`);
        await page.screenshot({ path: join(screenshots, `live-${name}.png`), fullPage: true });
      }
      await page.goto(`${state.explorerUrl}/suppliers?refresh=0`);
      expect(await page.getByTestId("supplier-row").count()).toBe(3);
    } finally {
      await browser.close();
    }
  }, 180_000);

  it("stops everything on Ctrl-C and resumes the same chain and key on the next start", async () => {
    const before = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
    const stopped = await stop(first.child);
    expect(stopped.code).toBe(0);
    for (const supplier of before.suppliers ?? []) {
      await expect(fetch(`${supplier.endpoint}/health`)).rejects.toThrow();
    }
    const second = await start();
    expect(second.output).toContain("resumed chain");
    const after = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
    expect(after.contracts).toEqual(before.contracts);
    expect(after.gateway?.apiKey).toBe(before.gateway?.apiKey);
    const client = createPublicClient({ transport: http(after.rpcUrl) });
    expect(await client.getBlockNumber()).toBeGreaterThan(40n);
    expect((await stop(second.child)).code).toBe(0);
  }, 240_000);
});
