import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "aviary.js");
const aviary = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

describe("aviary gateway keys", () => {
  it("creates a key shown once (only its hash stored), lists it, revokes it by prefix", () => {
    const home = mkdtempSync(join(tmpdir(), "aviary-keys-"));
    const config = join(home, "gateway.json");
    writeFileSync(
      config,
      JSON.stringify({
        chain: {
          rpcUrl: "http://127.0.0.1:8545",
          chainId: 31337,
          registry: `0x${"1".repeat(40)}`,
          settlement: `0x${"2".repeat(40)}`,
        },
        gatewayKey: `0x${"3".repeat(64)}`,
        applications: [`0x${"4".repeat(40)}`],
        store: "keys.sqlite",
      }),
    );
    const created = aviary([
      "gateway",
      "keys",
      "create",
      "my-app",
      "--config",
      config,
      "--rpm",
      "60",
      "--budget",
      "1000",
      "--json",
    ]);
    expect(created.stderr).toBe("");
    const { key, prefix } = JSON.parse(created.stdout) as { key: string; prefix: string };
    expect(key).toMatch(/^avy_[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(join(home, "keys.sqlite")).includes(Buffer.from(key))).toBe(false);

    const listed = JSON.parse(aviary(["gateway", "keys", "list", "--config", config, "--json"]).stdout) as {
      prefix: string;
      requestsPerMinute: number;
      budgetWei: string;
      revokedAt: number | null;
    }[];
    expect(listed).toMatchObject([{ prefix, requestsPerMinute: 60, budgetWei: "1000", revokedAt: null }]);

    const revoked = aviary(["gateway", "keys", "revoke", prefix, "--config", config]);
    expect(revoked.status).toBe(0);
    const after = JSON.parse(aviary(["gateway", "keys", "list", "--config", config, "--json"]).stdout) as {
      revokedAt: number | null;
    }[];
    expect(after[0]?.revokedAt).not.toBeNull();
  });

  it("refuses bad limits and unknown actions with a clear message", () => {
    const home = mkdtempSync(join(tmpdir(), "aviary-keys-"));
    const config = join(home, "gateway.json");
    writeFileSync(config, JSON.stringify({ gatewayKey: "nope" }));
    const invalid = aviary(["gateway", "keys", "list", "--config", config]);
    expect(invalid.status).not.toBe(0);
    expect(invalid.stderr).toMatch(/gatewayKey: must be an 0x-prefixed 32-byte private key/);
    expect(invalid.stderr).toMatch(/applications/);
  });
});
