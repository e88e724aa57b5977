import { describe, expect, it } from "vitest";
import { ProviderOptionsInvalidError } from "./errors.ts";
import { isPriceWithin } from "./isPriceWithin.ts";
import { parseProviderOptions, providerOptionsSchema } from "./providerOptions.ts";
import { normalizeSupplierId } from "./supplierId.ts";

const address = "0xAbCdEf0000000000000000000000000000000001";

describe("parseProviderOptions", () => {
  it("test_parse_valid_fillsAllowFallbacks", () => {
    const parsed = parseProviderOptions({
      order: [address, "https://node.example/aviary"],
      ignore: ["http://bad.example"],
      sort: "latency",
      max_price: { prompt: 12, completion: "0.5" },
      data_collection: "deny",
    });
    expect(parsed).toEqual({
      order: [address, "https://node.example/aviary"],
      ignore: ["http://bad.example"],
      sort: "latency",
      max_price: { prompt: 12, completion: "0.5" },
      allow_fallbacks: true,
      require_parameters: true,
      data_collection: "deny",
    });
    expect(parseProviderOptions({})).toEqual({
      allow_fallbacks: true,
      require_parameters: true,
      data_collection: "allow",
    });
    expect(parseProviderOptions({ require_parameters: true }).require_parameters).toBe(true);
    expect(parseProviderOptions({ allow_fallbacks: false }).allow_fallbacks).toBe(false);
  });

  it.each([
    [{ only: [address, "not-a-supplier"] }, "provider.only.1", /supplier address/],
    [{ only: [] }, "provider.only", /at least one/],
    [{ order: "0x1" }, "provider.order", /array/],
    [{ sort: "cheapest" }, "provider.sort", /price/],
    [{ max_price: { prompt: -1 } }, "provider.max_price.prompt", /non-negative decimal/],
    [{ max_price: { completion: "1,5" } }, "provider.max_price.completion", /non-negative decimal/],
    [{ max_price: 5 }, "provider.max_price", /object/],
    [{ allow_fallbacks: "no" }, "provider.allow_fallbacks", /boolean/],
    [{ ignore: [42] }, "provider.ignore.0", /string/],
    ["fast", "provider", /object/],
    [{ require_parameters: false }, "provider.require_parameters", /never drops a field/],
    [{ data_collection: "maybe" }, "provider.data_collection", /"deny"/],
    [{ quantizations: ["fp8"] }, "provider.quantizations", /not implemented by Aviary/],
    [{ zdr: true }, "provider.zdr", /not implemented by Aviary.*data_collection/],
    [{ sort: { by: "price" } }, "provider.sort", /object.*not implemented by Aviary/],
    [{ max_price: { request: 1 } }, "provider.max_price.request", /not implemented by Aviary/],
    [{ colour: "blue" }, "provider.colour", /not a provider option/],
  ])("test_parse_invalid_namesField %#", (input, field, message) => {
    let caught: unknown;
    try {
      parseProviderOptions(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProviderOptionsInvalidError);
    const error = caught as ProviderOptionsInvalidError;
    expect(error.field).toBe(field);
    expect(error.shortMessage).toContain(`\`${field}\``);
    expect(error.shortMessage).toMatch(message);
    expect(error.isRetryable).toBe(false);
  });

  it("test_schema_safeParse_isUsableDirectly", () => {
    expect(providerOptionsSchema.safeParse({ sort: "price" }).success).toBe(true);
  });
});

describe("isPriceWithin", () => {
  it("test_isPriceWithin_exactDecimals", () => {
    expect(isPriceWithin(1n, "1.5")).toBe(true);
    expect(isPriceWithin(2n, "1.5")).toBe(false);
    expect(isPriceWithin(15n, "1.5e1")).toBe(true);
    expect(isPriceWithin(16n, "1.5e1")).toBe(false);
    expect(isPriceWithin(0n, 0)).toBe(true);
    expect(isPriceWithin(1n, 0)).toBe(false);
    expect(isPriceWithin(10n ** 30n, "1000000000000000000000000000000")).toBe(true);
    expect(isPriceWithin(10n ** 30n + 1n, "1000000000000000000000000000000")).toBe(false);
    expect(isPriceWithin(0n, 1e-7)).toBe(true);
    expect(isPriceWithin(1n, "garbage")).toBe(false);
  });
});

describe("normalizeSupplierId", () => {
  it("test_normalize_addressAndUrlForms_compareEqual", () => {
    expect(normalizeSupplierId(address)).toBe(address.toLowerCase());
    expect(normalizeSupplierId("HTTPS://Node.Example.com/Aviary/")).toBe("https://node.example.com/Aviary");
    expect(normalizeSupplierId("https://node.example.com:443")).toBe("https://node.example.com");
  });
});
