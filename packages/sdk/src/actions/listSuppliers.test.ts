import { aviaryRegistryAbi } from "@aviary/protocol";
import {
  type Address,
  createPublicClient,
  custom,
  decodeFunctionData,
  encodeFunctionResult,
  type Hex,
} from "viem";
import { describe, expect, it } from "vitest";
import { listSuppliers } from "./listSuppliers.ts";

const registry: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const suppliers: Address[] = [
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
];

/** A client whose registry has `list` as its suppliers; `calls` records each function called. */
function clientWith(list: Address[]) {
  const calls: string[] = [];
  const client = createPublicClient({
    transport: custom({
      request: async ({ method, params }) => {
        if (method !== "eth_call") throw new Error(`unexpected ${method}`);
        const call = decodeFunctionData({
          abi: aviaryRegistryAbi,
          data: (params as [{ data: Hex }])[0].data,
        });
        calls.push(call.functionName);
        if (call.functionName === "supplierCount")
          return encodeFunctionResult({
            abi: aviaryRegistryAbi,
            functionName: "supplierCount",
            result: BigInt(list.length),
          });
        if (call.functionName === "suppliers") {
          const [offset, limit] = call.args;
          return encodeFunctionResult({
            abi: aviaryRegistryAbi,
            functionName: "suppliers",
            result: list.slice(Number(offset), Number(offset + limit)),
          });
        }
        throw new Error(`unexpected ${call.functionName}`);
      },
    }),
  });
  return { client, calls };
}

describe("listSuppliers", () => {
  it("reads the count, then every supplier in one page", async () => {
    const { client, calls } = clientWith(suppliers);
    expect(await listSuppliers(client, { registry })).toEqual(suppliers);
    expect(calls).toEqual(["supplierCount", "suppliers"]);
  });

  it("reads nothing more when there is no supplier", async () => {
    const { client, calls } = clientWith([]);
    expect(await listSuppliers(client, { registry })).toEqual([]);
    expect(calls).toEqual(["supplierCount"]);
  });
});
