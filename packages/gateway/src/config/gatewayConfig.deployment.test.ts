import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GatewayConfigError, parseGatewayConfig } from "./gatewayConfig.ts";

const folder = mkdtempSync(join(tmpdir(), "aviary-gateway-deployment-"));
const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const settlement = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
writeFileSync(
  join(folder, "deployment.json"),
  JSON.stringify({
    version: 1,
    chainId: 84532,
    contracts: {
      token: { address: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0" },
      registry: { address: registry },
      settlement: { address: settlement },
    },
    deployBlock: "7",
    parameters: { registry: {}, settlement: {} },
  }),
);
const base = {
  gatewayKey: `0x${"22".repeat(32)}`,
  applications: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
  store: ":memory:",
};

describe("gateway config with chain.deployment", () => {
  it("test_deployment_fillsChainIdAndContracts", () => {
    const config = parseGatewayConfig(
      { ...base, chain: { rpcUrl: "http://127.0.0.1:8545", deployment: "deployment.json" } },
      { baseDirectory: folder, environment: {} },
    );
    expect(config.chain).toMatchObject({ chainId: 84532, registry, settlement });
  });

  it("test_deployment_badFileIsNamed", () => {
    writeFileSync(join(folder, "bad.json"), JSON.stringify({ version: 1, chainId: 1 }));
    expect(() =>
      parseGatewayConfig(
        { ...base, chain: { rpcUrl: "http://127.0.0.1:8545", deployment: "bad.json" } },
        { baseDirectory: folder, environment: {} },
      ),
    ).toThrow(GatewayConfigError);
    try {
      parseGatewayConfig(
        { ...base, chain: { rpcUrl: "http://127.0.0.1:8545", deployment: "bad.json" } },
        { baseDirectory: folder, environment: {} },
      );
    } catch (error) {
      expect((error as GatewayConfigError).metaMessages.join("\n")).toContain("contracts");
    }
  });
});
