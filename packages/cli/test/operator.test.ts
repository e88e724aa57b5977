// Operator paper cuts: a closed output pipe, exit codes of bad configs and dead chains, finding a devnet started
// with --home, and where `model test-model` writes.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordCurrentHome } from "@aviary/devnet";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../src/errors.ts";
import { bin, type CliResult, inBatches, runCli } from "./utils/runCli.ts";

const slow = { timeout: 120_000 };
const deadRpc = "http://127.0.0.1:1";
const someAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** A devnet.json whose chain is not running (enough for `devnet status` to print several lines). */
function writeDevnetJson(home: string): void {
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, "devnet.json"),
    JSON.stringify({
      rpcUrl: deadRpc,
      chainId: 31337,
      contracts: { token: someAddress, registry: someAddress, settlement: someAddress },
      deployBlock: "0",
      accounts: [],
      anvilStatePath: join(home, "anvil-state.json"),
      updatedAt: new Date().toISOString(),
    }),
  );
}

/** Runs `aviary …args` in `cwd` with AVIARY_HOME unset, as a user in a fresh shell would. */
function runInFolder(args: string[], cwd: string): Promise<CliResult> {
  const env = { ...process.env };
  delete env.AVIARY_HOME;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("a closed output pipe (`aviary … | head -1`)", slow, () => {
  it("ends the command quietly with status 0", async () => {
    const home = mkdtempSync(join(tmpdir(), "aviary-cli-pipe-"));
    writeDevnetJson(home);
    const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, "devnet", "status", "--home", home], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.destroy(); // the reader is gone before the first line
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once("exit", (status) => resolve({ status, stderr }));
    });
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(status).toBe(0);
  });
});

describe("exit codes: setup errors 2, failures 1", slow, () => {
  it("exits 2 for an unreadable or invalid supplier config and for a chain that does not answer", async () => {
    const folder = mkdtempSync(join(tmpdir(), "aviary-cli-exit-"));
    const notJson = join(folder, "not-json.json");
    writeFileSync(notJson, "{");
    const dead = join(folder, "dead-chain.json");
    writeFileSync(
      dead,
      JSON.stringify({
        chain: { rpcUrl: deadRpc, chainId: 31337, registry: someAddress, settlement: someAddress },
        supplier: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        operatorKey: `0x${"11".repeat(32)}`,
        server: { host: "127.0.0.1", port: 8099 },
        dataDir: "data",
        models: [
          { name: "m", inputPrice: "1", outputPrice: "1", backend: { type: "embedded", path: "m.gguf" } },
        ],
      }),
    );
    const cases = [
      { args: ["supplier", "status", "--config", notJson], message: /is invalid[\s\S]*is not JSON/ },
      { args: ["supplier", "status", "--config", join(folder, "missing.json")], message: /cannot be read/ },
      { args: ["supplier", "status", "--config", dead], message: /HTTP request failed/ },
      {
        args: ["model", "list", "--rpc-url", deadRpc, "--registry", someAddress, "--settlement", someAddress],
        message: /does not answer/,
      },
    ];
    const results = await inBatches(cases.map((item) => () => runCli(item.args)));
    cases.forEach((item, index) => {
      const label = item.args.join(" ");
      expect(results[index]?.stderr, label).toMatch(item.message);
      expect(results[index]?.status, label).toBe(2);
    });
  });

  it("classifies errors by name, following viem's cause chain only", () => {
    const named = (name: string, extra: Record<string, unknown> = {}, cause?: unknown) =>
      Object.assign(new Error(name, { cause }), { name, ...extra });
    expect(exitCodeOf(named("CliInputError"))).toBe(2);
    expect(exitCodeOf(named("SupplierConfigError"))).toBe(2);
    expect(exitCodeOf(named("GatewayConfigError"))).toBe(2);
    expect(exitCodeOf(named("ChainUnreachableError"))).toBe(2);
    const refused = named("HttpRequestError", { version: "2.0.0" });
    expect(exitCodeOf(named("ContractFunctionExecutionError", { version: "2.0.0" }, refused))).toBe(2);
    // An HTTP status means the chain answered (e.g. 429): a failure, not a setup error.
    expect(exitCodeOf(named("HttpRequestError", { version: "2.0.0", status: 429 }))).toBe(1);
    // A download timing out inside an Aviary error is not the chain.
    expect(exitCodeOf(named("ModelPullError", {}, named("TimeoutError", { version: "2.0.0" })))).toBe(1);
    expect(exitCodeOf(named("TransactionRevertedError"))).toBe(1);
    expect(exitCodeOf("a string")).toBe(1);
  });
});

describe("finding the devnet started with --home", slow, () => {
  it("follows .aviary/current-home to a running devnet, and ignores it once that devnet stopped", async () => {
    const project = mkdtempSync(join(tmpdir(), "aviary-cli-project-"));
    const elsewhere = mkdtempSync(join(tmpdir(), "aviary-cli-elsewhere-"));
    writeDevnetJson(elsewhere);
    // What `devnet up --home <elsewhere>` leaves: its pid (this process stands in: it is alive) and the record.
    writeFileSync(join(elsewhere, "devnet.pid"), `${process.pid}\n`);
    recordCurrentHome(elsewhere, project);
    const found = await runInFolder(["devnet", "status"], project);
    expect(found.stdout).toContain(`devnet in ${elsewhere}`);

    writeFileSync(join(elsewhere, "devnet.pid"), "999999999\n"); // no such process: that devnet stopped
    const stale = await runInFolder(["devnet", "status"], project);
    expect(stale.stdout).toContain(`No devnet in ${join(project, ".aviary")}`);

    // Started in the default folder again: the record goes.
    recordCurrentHome(join(project, ".aviary"), project);
    expect(existsSync(join(project, ".aviary", "current-home"))).toBe(false);
  });
});

describe("model test-model", slow, () => {
  it("writes into $AVIARY_HOME/models unless --out says otherwise", async () => {
    const home = mkdtempSync(join(tmpdir(), "aviary-cli-models-"));
    const result = await runCli(["model", "test-model", "--json"], { AVIARY_HOME: home });
    expect(result.status, result.stderr).toBe(0);
    const { path } = JSON.parse(result.stdout) as { path: string };
    expect(path.startsWith(join(home, "models"))).toBe(true);
    expect(existsSync(path)).toBe(true);
  });
});
