// `aviary gateway stake | unstake | status`: what an operator runs to put a new gateway on the network, each a
// real `aviary` process against a real devnet.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, startDevnet } from "@aviary/devnet";
import { createTestClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, inBatches, runCli } from "./utils/runCli.ts";

const slow = { timeout: 300_000 };
let devnet: Devnet;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "aviary-cli-gateway-"));
  devnet = await startDevnet({ home, persist: false });
}, 120_000);
afterAll(async () => {
  await devnet?.stop();
});

const account = (role: string) => {
  const found = devnet.accounts.find((candidate) => candidate.role === role);
  if (!found) throw new Error(role);
  return found;
};

/** A gateway.json as an operator writes it (no key in it: the key comes from AVIARY_GATEWAY_KEY). */
function writeGatewayConfig(name: string, chain: Partial<Record<string, unknown>> = {}, port = 8199): string {
  const path = join(home, name);
  writeFileSync(
    path,
    JSON.stringify({
      chain: {
        rpcUrl: devnet.rpcUrl,
        chainId: devnet.chainId,
        registry: devnet.contracts.registry,
        settlement: devnet.contracts.settlement,
        ...chain,
      },
      applications: [account("application").address],
      server: { host: "127.0.0.1", port },
    }),
  );
  return path;
}

type Status = {
  gateway: string;
  stake: string;
  unbonding: string;
  releaseSession: string;
  metadataUrl: string;
  applications: { application: string; thisSession: boolean; nextSession: boolean }[];
  node: { answering: boolean };
};

describe("aviary gateway stake / unstake / status", slow, () => {
  it("stakes a new gateway that an application can then delegate to; unbonds and withdraws it", async () => {
    const gateway = account("spare-2");
    const config = writeGatewayConfig("gateway.json");
    const asGateway = { AVIARY_GATEWAY_KEY: gateway.privateKey };
    const asApplication = { AVIARY_APP_KEY: account("application").privateKey, AVIARY_HOME: home };

    const appStaked = await runCli(["app", "stake", "--amount", "1000"], asApplication);
    expect(appStaked.status, appStaked.stderr).toBe(0);
    const before = await runCli(["gateway", "status", "--config", config, "--json"], asGateway);
    expect(before.status, before.stderr).toBe(0);
    const unstaked = JSON.parse(before.stdout) as Status;
    expect(unstaked).toMatchObject({ gateway: gateway.address, stake: "0", metadataUrl: "" });
    expect(unstaked.node.answering).toBe(false);
    const [refused, tooLittle] = await inBatches([
      () => runCli(["app", "delegate", "--gateway", gateway.address], asApplication),
      () => runCli(["gateway", "stake", "--config", config, "--amount", "50"], asGateway),
    ]);
    expect(refused?.stderr).toMatch(/is not a staked gateway/);
    expect(tooLittle?.status).toBe(2);
    expect(tooLittle?.stderr).toMatch(/leaves the stake below the minimum of 100 AVY/);

    const staked = await runCli(["gateway", "stake", "--config", config, "--amount", "150"], asGateway);
    expect(staked.stderr).toMatch(
      /sending stake transaction \(150 AVY, gateway 0x[0-9a-fA-F]{40}, metadata http:\/\/127\.0\.0\.1:8199\/public\/v1\/suppliers\) … mined in block \d+/,
    );
    expect(staked.status).toBe(0);
    expect(staked.stdout).toContain(`staked 150 AVY as gateway ${gateway.address}`);

    const delegated = await runCli(["app", "delegate", "--gateway", gateway.address], asApplication);
    expect(delegated.stderr).toMatch(/sending delegate transaction .* mined in block/);
    expect(delegated.status).toBe(0);

    const after = JSON.parse(
      (await runCli(["gateway", "status", "--config", config, "--json"], asGateway)).stdout,
    ) as Status;
    expect(after).toMatchObject({
      stake: (150n * 10n ** 18n).toString(),
      unbonding: "0",
      metadataUrl: "http://127.0.0.1:8199/public/v1/suppliers",
      applications: [{ application: account("application").address, thisSession: false, nextSession: true }],
    });
    const human = await runCli(["gateway", "status", "--config", config], asGateway);
    expect(human.stdout).toMatch(/stake {11}150 AVY/);
    expect(human.stdout).toMatch(/delegated from next session/);

    // Checked before sending: below the minimum, more than staked, nothing to withdraw, no choice.
    const [leavesTooLittle, tooMuch, nothing, none] = await inBatches([
      () => runCli(["gateway", "unstake", "--config", config, "--amount", "100"], asGateway),
      () => runCli(["gateway", "unstake", "--config", config, "--amount", "151"], asGateway),
      () => runCli(["gateway", "unstake", "--config", config, "--withdraw"], asGateway),
      () => runCli(["gateway", "unstake", "--config", config], asGateway),
    ]);
    expect(leavesTooLittle?.stderr).toMatch(/would leave 50 AVY staked, below the minimum of 100 AVY/);
    expect(tooMuch?.stderr).toMatch(/is more than the gateway's stake of 150 AVY/);
    expect(nothing?.stderr).toMatch(/has nothing unbonding to withdraw/);
    expect(none?.stderr).toMatch(/exactly one of --amount <AVY>, --all or --withdraw/);
    for (const result of [leavesTooLittle, tooMuch, nothing, none]) expect(result?.status).toBe(2);

    const unbonding = await runCli(["gateway", "unstake", "--config", config, "--all"], asGateway);
    expect(unbonding.stderr).toMatch(/sending unstake transaction \(150 AVY\) … mined/);
    expect(unbonding.status).toBe(0);
    expect(unbonding.stdout).toMatch(/unbonding 150 AVY .*withdraw it from session (\d+)/);
    const early = await runCli(["gateway", "unstake", "--config", config, "--withdraw"], asGateway);
    expect(early.status).toBe(2);
    expect(early.stderr).toMatch(/withdrawable from session \d+; this is session \d+/);

    // Past the release session (devnet: 1 unbonding session of 20 blocks), then withdraw.
    await createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) }).mine({ blocks: 45 });
    const withdrawn = await runCli(["gateway", "unstake", "--config", config, "--withdraw"], asGateway);
    expect(withdrawn.stderr).toMatch(/sending withdraw transaction \(150 AVY\) … mined/);
    expect(withdrawn.status).toBe(0);
    const last = JSON.parse(
      (await runCli(["gateway", "status", "--config", config, "--json"], asGateway)).stdout,
    ) as Status;
    expect(last).toMatchObject({ stake: "0", unbonding: "0" });
  });

  it("exits 2 for a bad config, a missing key, a dead or wrong chain and a bad --metadata-url", async () => {
    const bad = join(home, "bad.json");
    writeFileSync(bad, JSON.stringify({ chain: { rpcUrl: "nope" }, applications: [] }));
    const notJson = join(home, "not.json");
    writeFileSync(notJson, "{");
    const dead = writeGatewayConfig("dead.json", { rpcUrl: "http://127.0.0.1:1" });
    const wrongChain = writeGatewayConfig("wrong-chain.json", { chainId: 1 });
    const good = writeGatewayConfig("good.json");
    const key = { AVIARY_GATEWAY_KEY: account("spare-2").privateKey };
    const cases: { args: string[]; env?: Record<string, string>; message: RegExp }[] = [
      { args: ["gateway", "status", "--config", bad], env: key, message: /chain\.rpcUrl/ },
      { args: ["gateway", "status", "--config", notJson], env: key, message: /is not JSON/ },
      { args: ["gateway", "status", "--config", good], message: /gatewayKey/ },
      {
        args: ["gateway", "stake", "--config", dead, "--amount", "100"],
        env: key,
        message: /does not answer/,
      },
      { args: ["gateway", "status", "--config", wrongChain], env: key, message: /has id 31337, but .* says/ },
      {
        args: ["gateway", "stake", "--config", good, "--amount", "100", "--metadata-url", "ftp://x"],
        env: key,
        message: /--metadata-url must be an http\(s\) URL/,
      },
    ];
    const results = await inBatches(cases.map((item) => () => runCli(item.args, item.env)));
    cases.forEach((item, index) => {
      const label = item.args.join(" ");
      expect(results[index]?.stderr, label).toMatch(item.message);
      expect(results[index]?.status, label).toBe(2);
    });
  });

  it("gateway start stops cleanly, with status 0, when the reader of its output goes away", async () => {
    const config = writeGatewayConfig("serving.json", {}, 0);
    const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, "gateway", "start", "--config", config], {
        env: { ...process.env, AVIARY_GATEWAY_KEY: account("spare-1").privateKey },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.destroy(); // the first line (`ready: …`) finds no reader
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once("exit", (status) => resolve({ status, stderr }));
    });
    expect(stderr).not.toMatch(/EPIPE/);
    expect(status).toBe(0);
  });
});
