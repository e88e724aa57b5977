import { aviaryRegistryAbi } from "@aviary/protocol";
import {
  type Address,
  createPublicClient,
  custom,
  decodeFunctionData,
  encodeFunctionResult,
  type Hex,
  keccak256,
  stringToBytes,
} from "viem";
import { describe, expect, it } from "vitest";
import { getModel } from "./getModel.ts";

const registry: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const source: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const modelId = keccak256(stringToBytes("my-model-q4"));
const empty = {
  name: "",
  weightsDigest: `0x${"00".repeat(32)}` as Hex,
  uri: "",
  kind: 0,
  source: "0x0000000000000000000000000000000000000000" as Address,
  sourceShareBps: 0,
  registeredAt: 0n,
};

/** A client whose chain answers `getModel(id)` from `models` (an unknown id: the registry's empty record). */
function clientWith(models: Record<Hex, typeof empty>) {
  return createPublicClient({
    transport: custom({
      request: async ({ method, params }) => {
        if (method !== "eth_call") throw new Error(`unexpected ${method}`);
        const { data, to } = (params as [{ data: Hex; to: Address }])[0];
        expect(to.toLowerCase()).toBe(registry.toLowerCase());
        const call = decodeFunctionData({ abi: aviaryRegistryAbi, data });
        if (call.functionName !== "getModel") throw new Error(`unexpected ${call.functionName}`);
        const [id] = call.args;
        return encodeFunctionResult({
          abi: aviaryRegistryAbi,
          functionName: "getModel",
          result: models[id] ?? empty,
        });
      },
    }),
  });
}

describe("getModel", () => {
  it("reads a registered model with its id and kind by name", async () => {
    const stored = {
      name: "my-model-q4",
      weightsDigest: `0x${"ab".repeat(32)}` as Hex,
      uri: "https://example.com/my-model-q4.gguf",
      kind: 3,
      source,
      sourceShareBps: 1000,
      registeredAt: 42n,
    };
    expect(await getModel(clientWith({ [modelId]: stored }), { registry, model: modelId })).toEqual({
      ...stored,
      modelId,
      kind: "image",
    });
  });

  it("answers undefined for an id nobody registered (the registry's empty record)", async () => {
    expect(await getModel(clientWith({}), { registry, model: modelId })).toBeUndefined();
  });
});
