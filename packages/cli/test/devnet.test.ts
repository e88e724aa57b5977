import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, http } from "viem";
import { describe, expect, it } from "vitest";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "aviary.js");

describe("aviary devnet", () => {
  it(
    "up prints where everything is and `ready`, status sees it, Ctrl-C stops it and anvil with it",
    {
      timeout: 240_000,
    },
    async () => {
      const home = mkdtempSync(join(tmpdir(), "aviary-cli-"));
      // Free ports everywhere (another network may be running on this machine); the explorer has its own tests.
      const child = spawn(
        process.execPath,
        [
          bin,
          "devnet",
          "up",
          "--home",
          home,
          "--block-time",
          "1",
          "--gateway-port",
          "0",
          "--supplier-port",
          "0",
          "--no-explorer",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      try {
        await expect
          .poll(() => output, { timeout: 150_000, interval: 100 })
          .toMatch(/^ready: the Aviary local network is up \(new chain/m);
        const state = JSON.parse(readFileSync(join(home, "devnet.json"), "utf8"));
        expect(output).toContain(state.rpcUrl);
        expect(output).toContain(state.contracts.settlement);

        // Blocks advance on their own.
        const client = createPublicClient({ transport: http(state.rpcUrl, { retryCount: 0 }), cacheTime: 0 });
        const before = await client.getBlockNumber();
        await expect
          .poll(() => client.getBlockNumber(), { timeout: 5_000, interval: 200 })
          .toBeGreaterThan(before);

        const status = spawnSync(process.execPath, [bin, "devnet", "status", "--home", home, "--json"], {
          encoding: "utf8",
        });
        expect(status.status).toBe(0);
        expect(JSON.parse(status.stdout)).toMatchObject({ running: true, contracts: state.contracts });

        child.kill("SIGINT");
        expect(await exited).toBe(0);
        await expect(client.getBlockNumber()).rejects.toThrow();
      } finally {
        child.kill("SIGKILL");
      }
    },
  );

  it("rejects bad arguments with a message and a non-zero exit", () => {
    const result = spawnSync(process.execPath, [bin, "devnet", "up", "--block-time", "-3"], {
      encoding: "utf8",
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/block-time.*positive number/);
  });
});
