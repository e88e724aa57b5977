// The operator's path on the command line: generate the test model, publish it, stake, check status.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Devnet, startDevnet } from "@aviary/devnet";
import { aviaryRegistryAbi } from "@aviary/protocol";
import { devnetChainConfig } from "@aviary/testkit";
import { type Address, createPublicClient, http, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "aviary.js");

function aviary(
  args: string[],
  environment: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...environment } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

// Every step is a real `aviary` process (about a second each, several under load on two shared cores).
const slow = { timeout: 300_000 };
let devnet: Devnet;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "aviary-cli-supplier-"));
  devnet = await startDevnet({ home, persist: false });
});
afterAll(async () => {
  await devnet?.stop();
});

const account = (role: string) => {
  const found = devnet.accounts.find((candidate) => candidate.role === role);
  if (!found) throw new Error(role);
  return found;
};

describe("aviary model / supplier commands", slow, () => {
  it("test-model → publish → supplier stake → supplier status", async () => {
    const generated = await aviary(["model", "test-model", "--out", join(home, "models"), "--json"]);
    expect(generated.status).toBe(0);
    const model = JSON.parse(generated.stdout) as { path: string; sha256: string };
    expect(model.sha256).toMatch(/^0x[0-9a-f]{64}$/);

    const published = await aviary(
      [
        "model",
        "publish",
        "--file",
        model.path,
        "--name",
        "aviary-test-model",
        "--share-bps",
        "1200",
        "--home",
        home,
      ],
      { AVIARY_KEY: account("model-source").privateKey },
    );
    expect(published.stderr).toMatch(
      /registering aviary-test-model \(fee and transaction\) … mined in block \d+/,
    );
    expect(published.status).toBe(0);
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    const registered = await client.readContract({
      address: devnet.contracts.registry as Address,
      abi: aviaryRegistryAbi,
      functionName: "getModel",
      args: [keccak256(toHex("aviary-test-model"))],
    });
    expect(registered.weightsDigest).toBe(model.sha256);
    expect(registered.sourceShareBps).toBe(1200);

    const owner = account("supplier-1");
    const configPath = join(home, "supplier.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        chain: devnetChainConfig(devnet),
        supplier: owner.address,
        operatorKey: account("spare-1").privateKey,
        server: { host: "127.0.0.1", port: 8099 },
        dataDir: "data",
        models: [
          {
            name: "aviary-test-model",
            inputPrice: "1000",
            outputPrice: "3000",
            backend: { type: "embedded", path: model.path },
          },
        ],
      }),
    );
    const staked = await aviary(["supplier", "stake", "--config", configPath, "--amount", "2000"], {
      AVIARY_OWNER_KEY: owner.privateKey,
    });
    expect(staked.stderr).toMatch(
      /sending stake transaction \(2000 AVY, operator 0x[0-9a-fA-F]{40}, endpoint http:\/\/127\.0\.0\.1:8099\) … mined in block \d+/,
    );
    expect(staked.stderr).toMatch(
      /offering aviary-test-model at 1000\/3000 wei per input\/output token … mined/,
    );
    expect(staked.status).toBe(0);
    expect(staked.stdout).toMatch(/staked 2000 AVY; offers take effect at the next session/);

    const status = await aviary(["supplier", "status", "--config", configPath, "--json"]);
    expect(status.status).toBe(0);
    const parsed = JSON.parse(status.stdout) as {
      stake: string;
      collateral: { locked: string; unlocked: string };
      offers: { active: boolean }[];
      node: { error?: string };
    };
    expect(parsed.stake).toBe((2000n * 10n ** 18n).toString());
    // No claims yet: all of the stake can back claims.
    expect(parsed.collateral).toEqual({ locked: "0", unlocked: (2000n * 10n ** 18n).toString() });
    expect(parsed.offers[0]?.active).toBe(false); // effective next session
    expect(parsed.node.error).toMatch(/not reachable/);
    const session = await client.readContract({
      address: devnet.contracts.registry as Address,
      abi: aviaryRegistryAbi,
      functionName: "currentSession",
    });
    const [active, inputPrice, outputPrice] = await client.readContract({
      address: devnet.contracts.registry as Address,
      abi: aviaryRegistryAbi,
      functionName: "offerAt",
      args: [owner.address as Address, keccak256(toHex("aviary-test-model")), session + 1n],
    });
    expect([active, inputPrice, outputPrice]).toEqual([true, 1000n, 3000n]);

    // supplier offer: one model at new prices, then removed, then the config's offers again.
    const offerAt = async () =>
      client.readContract({
        address: devnet.contracts.registry as Address,
        abi: aviaryRegistryAbi,
        functionName: "offerAt",
        args: [
          owner.address as Address,
          keccak256(toHex("aviary-test-model")),
          (await client.readContract({
            address: devnet.contracts.registry as Address,
            abi: aviaryRegistryAbi,
            functionName: "currentSession",
          })) + 1n,
        ],
      });
    const ownerKey = { AVIARY_OWNER_KEY: owner.privateKey };
    const single = await aviary(
      [
        "supplier",
        "offer",
        "--config",
        configPath,
        "--model",
        "aviary-test-model",
        "--input-price",
        "2000",
        "--output-price",
        "5000",
      ],
      ownerKey,
    );
    expect(single.stderr).toMatch(
      /offering aviary-test-model at 2000\/5000 wei per input\/output token … mined/,
    );
    expect(single.status).toBe(0);
    expect(single.stdout).toMatch(/1 offer set; effective from session \d+/);
    expect(await offerAt()).toEqual([true, 2000n, 5000n]);
    const removed = await aviary(
      ["supplier", "offer", "--config", configPath, "--remove", "aviary-test-model"],
      ownerKey,
    );
    expect(removed.status).toBe(0);
    expect((await offerAt())[0]).toBe(false);
    // Refused before anything is sent (so these two may run side by side).
    const [again, unknown] = await Promise.all([
      aviary(["supplier", "offer", "--config", configPath, "--remove", "aviary-test-model"], ownerKey),
      aviary(
        [
          "supplier",
          "offer",
          "--config",
          configPath,
          "--model",
          "no-such-model",
          "--input-price",
          "1",
          "--output-price",
          "1",
        ],
        ownerKey,
      ),
    ]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/has no offer for aviary-test-model to remove/);
    const all = await aviary(["supplier", "offer", "--config", configPath], ownerKey);
    expect(all.status).toBe(0);
    expect(await offerAt()).toEqual([true, 1000n, 3000n]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown model "no-such-model"/);
  });

  it("refuses a bad configuration, naming each problem, and a missing owner key", async () => {
    const configPath = join(home, "bad.json");
    writeFileSync(configPath, JSON.stringify({ chain: { rpcUrl: "nope" }, supplier: "0x12", models: [] }));
    const result = await aviary(["supplier", "status", "--config", configPath]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/chain\.rpcUrl/);
    expect(result.stderr).toMatch(/supplier: must be an 0x-prefixed 20-byte address/);
    expect(result.stderr).toMatch(/models: must list at least one model/);
    const missing = await aviary([
      "supplier",
      "stake",
      "--config",
      join(home, "missing.json"),
      "--amount",
      "1",
    ]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/missing\.json.*cannot be read|cannot be read/s);
  });
});
