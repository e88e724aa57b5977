import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { ChainReadError, NoSupplierError, RelayFailedError, UnsupportedParameterError } from "../errors.ts";
import type { ParsedRelayBody } from "./parseRelayBody.ts";
import { relayWithModelFallback } from "./relayWithModelFallback.ts";

const parsed = (fallbackModels: string[]): ParsedRelayBody => ({
  route: "chat/completions",
  body: { model: "a", messages: [{ role: "user", content: "hi" }] },
  model: "a",
  fallbackModels,
  stream: false,
  provider: undefined,
});
const noSupplier = (model: string) => new NoSupplierError({ model: keccak256(toHex(model)), session: 1n });
const allFailed = () =>
  new RelayFailedError({ status: 502, code: "x", message: "every attempt failed", attempts: [] });

describe("relayWithModelFallback", () => {
  it("test_relayWithModelFallback_primaryFails_nextModelTriedWithTheBodyRewritten", async () => {
    const tried: { model: string; bodyModel: unknown }[] = [];
    const result = await relayWithModelFallback({
      parsed: parsed(["b", "c"]),
      relay: async (forModel) => {
        tried.push({ model: forModel.model, bodyModel: forModel.body.model });
        expect(forModel.fallbackModels).toEqual([]);
        if (forModel.model === "a") throw noSupplier("a");
        if (forModel.model === "b") throw allFailed();
        return forModel.model;
      },
    });
    expect(result).toBe("c");
    expect(tried).toEqual([
      { model: "a", bodyModel: "a" },
      { model: "b", bodyModel: "b" },
      { model: "c", bodyModel: "c" },
    ]);
  });

  it("test_relayWithModelFallback_everyModelFails_throwsTheLastError", async () => {
    const last = new UnsupportedParameterError({
      modelName: "b",
      param: "tools",
      reason: "no tools.",
      suppliers: 1,
    });
    await expect(
      relayWithModelFallback({
        parsed: parsed(["b"]),
        relay: async (forModel) => {
          throw forModel.model === "a" ? noSupplier("a") : last;
        },
      }),
    ).rejects.toBe(last);
  });

  it("test_relayWithModelFallback_errorNoModelChanges_notFallenBackFrom", async () => {
    let calls = 0;
    await expect(
      relayWithModelFallback({
        parsed: parsed(["b"]),
        relay: async () => {
          calls += 1;
          throw new ChainReadError({ what: "x" });
        },
      }),
    ).rejects.toBeInstanceOf(ChainReadError);
    expect(calls).toBe(1);
  });
});
