import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSupplierConfig, SupplierConfigError } from "./supplierConfig.ts";

const folder = mkdtempSync(join(tmpdir(), "aviary-supplier-deployment-"));
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
  supplier: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  operatorKey: `0x${"11".repeat(32)}`,
  dataDir: "data",
  models: [
    {
      name: "m",
      inputPrice: 1,
      outputPrice: 1,
      backend: { type: "openai", baseUrl: "http://127.0.0.1:1/v1", model: "m" },
    },
  ],
};

describe("supplier config with chain.deployment", () => {
  it("test_deployment_fillsChainIdAndContracts", () => {
    const config = parseSupplierConfig(
      { ...base, chain: { rpcUrl: "http://127.0.0.1:8545", deployment: "deployment.json" } },
      { baseDirectory: folder, environment: {} },
    );
    expect(config.chain).toMatchObject({ chainId: 84532, registry, settlement });
    expect(config.chain.deployment).toBe(join(folder, "deployment.json"));
  });

  it("test_deployment_disagreementAndMissingFileAreNamed", () => {
    expect(() =>
      parseSupplierConfig(
        { ...base, chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 1, deployment: "deployment.json" } },
        { baseDirectory: folder, environment: {} },
      ),
    ).toThrow(/chain\.chainId: 1 disagrees with the deployment file \(84532\)/);
    expect(() =>
      parseSupplierConfig(
        { ...base, chain: { rpcUrl: "http://127.0.0.1:8545" } },
        { baseDirectory: folder, environment: { AVIARY_DEPLOYMENT: "missing.json" } },
      ),
    ).toThrow(SupplierConfigError);
  });
});
