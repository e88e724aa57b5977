import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { decodeReceiptHeader, encodeReceiptHeader } from "./receiptHeader.ts";
import { decodeRelayHeader, encodeRelayHeader } from "./relayHeader.ts";

const request = {
  application: "0x1111111111111111111111111111111111111111",
  supplier: "0x2222222222222222222222222222222222222222",
  model: keccak256(toHex("m")),
  session: 7n,
  nonce: 2n ** 64n - 1n,
  bodyHash: keccak256(toHex("body")),
  inputPrice: 10n,
  outputPrice: 2n ** 128n - 1n,
  maxCost: 5n,
} as const;
const signature = `0x${"ab".repeat(64)}1b` as const;

describe("Aviary-Relay header", () => {
  it("round-trips a request and its signature", () => {
    const header = encodeRelayHeader({ request, signature });
    expect(header).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = decodeRelayHeader(header);
    expect(decoded.signature).toBe(signature);
    expect(decoded.request).toEqual(request);
  });

  it.each([
    ["missing", undefined, /missing/],
    ["not base64url", "a+b/", /not base64url/],
    ["truncated", () => encodeRelayHeader({ request, signature }).slice(0, 100), /not abi\.encode/],
    ["too long", "A".repeat(5000), /longer than/],
    ["short signature", () => encodeRelayHeader({ request, signature: `0x${"ab".repeat(64)}` }), /65 bytes/],
  ])("rejects a %s header", (_name, value, message) => {
    const header = typeof value === "function" ? value() : value;
    expect(() => decodeRelayHeader(header)).toThrow(message);
  });
});

describe("Aviary-Receipt header", () => {
  it("round-trips a receipt and its signature", () => {
    const receipt = {
      request: keccak256(toHex("r")),
      responseHash: keccak256(toHex("s")),
      inputUnits: 3n,
      outputUnits: 9n,
    };
    const decoded = decodeReceiptHeader(encodeReceiptHeader({ receipt, signature }));
    expect(decoded).toEqual({ receipt, signature });
  });

  it("rejects garbage", () => {
    expect(() => decodeReceiptHeader("!!")).toThrow(/Aviary-Receipt header is invalid/);
    expect(() => decodeReceiptHeader("")).toThrow(/missing/);
  });
});
