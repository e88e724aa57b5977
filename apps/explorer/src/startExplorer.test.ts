import pino from "pino";
import { describe, expect, it } from "vitest";
import { closedPort } from "../test/utils/closedPort.ts";
import { ExplorerStartError } from "./errors.ts";
import { startExplorer } from "./startExplorer.ts";

const contracts = {
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  registry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  settlement: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
};
const logger = pino({ level: "silent" });

describe("startExplorer", () => {
  it("rejects invalid parameters with ExplorerStartError", async () => {
    await expect(
      startExplorer({ rpcUrl: "not a url", chainId: 31337, contracts, logger }),
    ).rejects.toBeInstanceOf(ExplorerStartError);
    await expect(
      startExplorer({
        rpcUrl: "http://127.0.0.1:9",
        chainId: 31337,
        contracts: { ...contracts, registry: "0x12" },
        logger,
      }),
    ).rejects.toThrow(/contracts.registry/);
  });

  it("serves while the chain is unreachable, showing it so instead of failing", async () => {
    const explorer = await startExplorer({
      rpcUrl: `http://127.0.0.1:${await closedPort()}`,
      chainId: 31337,
      contracts,
      pollIntervalMs: 100,
      logger,
    });
    try {
      const overview = await fetch(`${explorer.url}/api/overview`);
      expect(overview.status).toBe(200);
      const body = (await overview.json()) as { chain: { head: string | null; error: string | null } };
      expect(body.chain.head).toBeNull();
      expect(body.chain.error).toEqual(expect.any(String));
      const page = await fetch(`${explorer.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("chain unreachable");
      const health = (await (await fetch(`${explorer.url}/health`)).json()) as { status: string };
      expect(health.status).toBe("degraded");
    } finally {
      await explorer.stop();
    }
  });
});
