// `aviary explorer start --config`: the command `devnet up` runs for the explorer. A bad configuration exits 2
// naming the problem; a good one serves until SIGTERM, then exits on its own.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../../test/utils/runCli.ts";

const directory = mkdtempSync(join(tmpdir(), "aviary-explorer-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const someAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("aviary explorer start", () => {
  it("refuses a bad configuration with exit code 2, naming the field", async () => {
    const path = join(directory, "bad.json");
    writeFileSync(path, JSON.stringify({ rpcUrl: "not a url", chainId: 31337, contracts: {} }));
    const result = await runCli(["explorer", "start", "--config", path]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/rpcUrl/);
    expect(result.stderr).toMatch(/registry/);
  }, 30_000);

  it("serves with the chain down, and exits on its own soon after SIGTERM", async () => {
    const path = join(directory, "explorer.json");
    writeFileSync(
      path,
      JSON.stringify({
        rpcUrl: "http://127.0.0.1:1",
        chainId: 31337,
        contracts: { token: someAddress, registry: someAddress, settlement: someAddress },
        deployBlock: "0",
        port: 0,
        logLevel: "silent",
      }),
    );
    const child = spawn(
      process.execPath,
      [
        "--conditions=aviary-source",
        "--import",
        "tsx",
        "packages/cli/src/bin.ts",
        "explorer",
        "start",
        "--config",
        path,
      ],
      { cwd: join(import.meta.dirname, "../../../../.."), stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line:\n${output}`)), 30_000);
      child.stdout.on("data", () => {
        const match = /ready: explorer at (\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    expect((await fetch(`${url}/api/overview`)).status).toBe(200);
    const begin = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      child.once("exit", (exitCode) => resolve(exitCode));
      child.kill("SIGTERM");
    });
    expect(code).toBe(0);
    expect(Date.now() - begin).toBeLessThan(3_000);
  }, 60_000);
});
