import { describe, expect, it } from "vitest";
import { parseSupplierConfig, SupplierConfigError } from "./supplierConfig.ts";

const config = (extra: Record<string, unknown> = {}, backend: Record<string, unknown> = {}) => ({
  chain: {
    rpcUrl: "http://127.0.0.1:8545",
    chainId: 31337,
    registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    settlement: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  },
  supplier: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  operatorKey: `0x${"11".repeat(32)}`,
  dataDir: "data",
  models: [
    {
      name: "m",
      inputPrice: 1,
      outputPrice: 1,
      backend: { type: "openai", baseUrl: "http://127.0.0.1:1/v1", model: "m", ...backend },
    },
  ],
  ...extra,
});

describe("supplier config: data policy and declared capabilities", () => {
  it("test_dataRetention_defaultsToUnspecified_perModelWins", () => {
    expect(parseSupplierConfig(config()).dataRetention).toBe("unspecified");
    const parsed = parseSupplierConfig(config({ dataRetention: "none" }));
    expect(parsed.dataRetention).toBe("none");
    const [model] = config().models;
    const perModel = parseSupplierConfig(
      config({ dataRetention: "none", models: [{ ...model, dataRetention: "unspecified" }] }),
    );
    expect(perModel.models[0]?.dataRetention).toBe("unspecified");
    expect(() => parseSupplierConfig(config({ dataRetention: "forever" }))).toThrow(SupplierConfigError);
  });

  it("test_openAiBackend_capabilitiesAndRoutes_areOptional_andStrict", () => {
    const parsed = parseSupplierConfig(
      config({}, { capabilities: { tools: true, contextLength: 8192 }, routes: ["chat/completions"] }),
    );
    expect(parsed.models[0]?.backend).toMatchObject({
      capabilities: { tools: true, contextLength: 8192 },
      routes: ["chat/completions"],
    });
    expect(() => parseSupplierConfig(config({}, { capabilities: { vision: true } }))).toThrow(
      SupplierConfigError,
    );
  });
});
