import { describe, expect, it } from "vitest";
import { parseSupplierConfig, SupplierConfigError } from "./supplierConfig.ts";

const config = (backend: Record<string, unknown>) => ({
  chain: {
    rpcUrl: "http://127.0.0.1:8545",
    chainId: 31337,
    registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    settlement: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  },
  supplier: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  operatorKey: `0x${"11".repeat(32)}`,
  dataDir: "data",
  models: [{ name: "aviary-test-image", inputPrice: 0, outputPrice: 1000, backend }],
});

const problems = (input: unknown): string[] => {
  try {
    parseSupplierConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(SupplierConfigError);
    return [...(error as SupplierConfigError).metaMessages];
  }
  return [];
};

describe("supplier config: image models", () => {
  it("test_embeddedImageBackend_pathResolvedAgainstTheConfigFile_threadsDefaultOne", () => {
    const parsed = parseSupplierConfig(config({ type: "embedded-image", path: "models/aviary-test-image" }), {
      baseDirectory: "/etc/aviary",
    });
    expect(parsed.models[0]?.backend).toEqual({
      type: "embedded-image",
      path: "/etc/aviary/models/aviary-test-image",
      threads: 1,
    });
    expect(problems(config({ type: "embedded-image", path: "x", contextSize: 2048 }))).not.toEqual([]);
  });

  it("test_openAiBackend_imagesRoute_needsDeclaredImageCapabilities", () => {
    const backend = {
      type: "openai",
      baseUrl: "http://127.0.0.1:7860/v1",
      model: "sd",
      routes: ["images/generations"],
    };
    expect(problems(config(backend))).toEqual([
      expect.stringContaining("models.0.backend.capabilities.image"),
    ]);
    const image = { sizes: ["512x512"], maxSteps: 50, maxPromptCharacters: 2000 };
    const parsed = parseSupplierConfig(config({ ...backend, capabilities: { image } }));
    expect(parsed.models[0]?.backend).toMatchObject({
      routes: ["images/generations"],
      capabilities: { image },
    });
    expect(
      problems(config({ ...backend, capabilities: { image: { ...image, sizes: ["big"] } } })),
    ).not.toEqual([]);
  });
});
