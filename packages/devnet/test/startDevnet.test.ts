import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aviaryRegistryAbi, aviarySettlementAbi, aviaryTokenAbi, pendingSessions } from "@aviary/protocol";
import { type Address, createPublicClient, http } from "viem";
import { describe, expect, it } from "vitest";
import {
  devnetStateSchema,
  readDevnetState,
  startAnvil,
  startDevnet,
  token,
  writeDevnetState,
} from "../src/index.ts";

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("startAnvil", () => {
  it("listens on a free port with the pinned hardfork and stops what it started", async () => {
    const [first, second] = await Promise.all([startAnvil(), startAnvil()]);
    expect(first.port).not.toBe(second.port);
    const client = createPublicClient({ transport: http(first.rpcUrl) });
    const info = (await client.request({ method: "anvil_nodeInfo" as "eth_chainId" })) as unknown as {
      hardFork: string;
    };
    expect(info.hardFork.toLowerCase()).toBe("cancun");
    await Promise.all([first.stop(), second.stop()]);
    await first.stop(); // idempotent
    expect(first.process.exitCode !== null || first.process.signalCode !== null).toBe(true);
    expect(await portIsClosed(first.port)).toBe(true);
    expect(await portIsClosed(second.port)).toBe(true);
  });
});

describe("startDevnet", () => {
  it("deploys, funds the dev accounts, writes devnet.json, and resumes the same chain after a restart", async () => {
    const home = mkdtempSync(join(tmpdir(), "aviary-devnet-"));
    const first = await startDevnet({ home });
    try {
      expect(first.deployed).toBe(true);
      const written = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
      expect(written.contracts).toEqual(first.contracts);
      const client = createPublicClient({ transport: http(first.rpcUrl) });
      const registry = first.contracts.registry as Address;
      expect(
        await client.readContract({ address: registry, abi: aviaryRegistryAbi, functionName: "settlement" }),
      ).toBe(first.contracts.settlement);
      for (const account of first.accounts) {
        const balance = await client.readContract({
          address: first.contracts.token as Address,
          abi: aviaryTokenAbi,
          functionName: "balanceOf",
          args: [account.address as Address],
        });
        expect(balance).toBe(token(1_000_000));
      }
      const params = await client.readContract({
        address: registry,
        abi: aviaryRegistryAbi,
        functionName: "params",
      });
      expect(params.sessionBlocks).toBe(20n);
      // A session's claims settle D = g + 1 + c + pf = 21 blocks after it ends: 3 sessions can be unsettled at
      // once, and an application's stake stays bonded one session longer than that.
      const pending = await client.readContract({
        address: first.contracts.settlement as Address,
        abi: aviarySettlementAbi,
        functionName: "pendingSessions",
      });
      expect(pending).toBe(pendingSessions(params));
      expect(pending).toBe(3n);
      expect(params.applicationUnbondingSessions).toBe(pending + 1n);
      // Something to find again after the restart.
      await client.request({
        method: "anvil_mine" as "eth_chainId",
        params: ["0x20"] as unknown as undefined,
      });
    } finally {
      await first.stop();
    }
    expect(await portIsClosed(first.anvil.port)).toBe(true);

    const second = await startDevnet({ home });
    try {
      expect(second.deployed).toBe(false);
      expect(second.contracts).toEqual(first.contracts);
      const blockNumber = await createPublicClient({ transport: http(second.rpcUrl) }).getBlockNumber();
      expect(blockNumber).toBeGreaterThanOrEqual(32n);
      expect(readDevnetState(home)?.rpcUrl).toBe(second.rpcUrl);
    } finally {
      await second.stop();
    }

    const third = await startDevnet({ home, fresh: true });
    try {
      expect(third.deployed).toBe(true);
    } finally {
      await third.stop();
    }
  });

  it("refuses a corrupt devnet.json with an error that names the file and the problem", () => {
    const home = mkdtempSync(join(tmpdir(), "aviary-devnet-"));
    writeDevnetState(home, {
      rpcUrl: "http://127.0.0.1:1",
      chainId: 31337,
      contracts: {
        token: `0x${"1".repeat(40)}`,
        registry: `0x${"2".repeat(40)}`,
        settlement: `0x${"3".repeat(40)}`,
      },
      deployBlock: "1",
      accounts: [],
      anvilStatePath: join(home, "anvil-state.json"),
      updatedAt: new Date().toISOString(),
    });
    const path = join(home, "devnet.json");
    const state = JSON.parse(readFileSync(path, "utf8"));
    state.contracts.registry = "0x1234";
    // Written directly, not through writeDevnetState (which validates): a hand-edited file.
    writeFileSync(path, JSON.stringify(state));
    expect(() => readDevnetState(home)).toThrow(/devnet\.json is unusable: .*contracts\.registry/s);
  });
});
