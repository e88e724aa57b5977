// The hand-written canonical header coder against viem's ABI coder (differential): equal on random values,
// and on random byte mutations of encoded headers either declining (the ABI path then decides) or agreeing.
import { randomBytes } from "node:crypto";
import { type Address, bytesToHex, getAddress, type Hex } from "viem";
import { describe, expect, test } from "vitest";
import type { RelayReceipt, RelayRequest } from "../eip712/schemas.ts";
import {
  decodeCanonicalReceiptHeader,
  decodeCanonicalRelayHeader,
  encodeCanonicalReceiptHeader,
  encodeCanonicalRelayHeader,
} from "./canonicalHeaders.ts";
import { decodeReceiptHeaderByAbi, encodeReceiptHeaderByAbi } from "./receiptHeader.ts";
import { decodeRelayHeaderByAbi, encodeRelayHeaderByAbi } from "./relayHeader.ts";

const hex = (bytes: number): Hex => bytesToHex(randomBytes(bytes));
const uint = (bits: number): bigint => {
  const pick = Math.random();
  if (pick < 0.1) return 0n;
  if (pick < 0.2) return (1n << BigInt(bits)) - 1n;
  return BigInt(hex(bits / 8)) >> BigInt(Math.floor(Math.random() * bits));
};
const address = (): Address => (Math.random() < 0.5 ? getAddress(hex(20)) : (hex(20) as Address));

function randomRequest(): RelayRequest {
  return {
    application: address(),
    supplier: address(),
    model: hex(32),
    session: uint(64),
    nonce: uint(64),
    bodyHash: hex(32),
    inputPrice: uint(128),
    outputPrice: uint(128),
    maxCost: uint(128),
  };
}

function randomReceipt(): RelayReceipt {
  return { request: hex(32), responseHash: hex(32), inputUnits: uint(64), outputUnits: uint(64) };
}

/** The ABI path's verdict: the decoded value, or "refused". */
const byAbi =
  <T>(decode: (value: string) => T) =>
  (value: string) => {
    try {
      return decode(value);
    } catch {
      return "refused";
    }
  };

/** One random byte changed, and sometimes a space, extra characters or a foreign character. */
function mutate(encoded: string): string {
  const bytes = Buffer.from(encoded, "base64url");
  const index = Math.floor(Math.random() * bytes.length);
  bytes[index] = Math.floor(Math.random() * 256);
  const mutated = bytes.toString("base64url");
  const pick = Math.random();
  if (pick < 0.05) return ` ${mutated}`;
  if (pick < 0.1) return `${mutated}AA`;
  if (pick < 0.15) return mutated.replace(/[A-Z]/, "+");
  return mutated;
}

describe("canonical relay transport headers", () => {
  test("test_relayHeader_random_canonicalEqualsAbi", () => {
    for (let round = 0; round < 500; round += 1) {
      const signed = { request: randomRequest(), signature: hex(65) };
      const encoded = encodeRelayHeaderByAbi(signed);
      expect(encodeCanonicalRelayHeader(signed)).toBe(encoded);
      expect(decodeCanonicalRelayHeader(encoded)).toStrictEqual(decodeRelayHeaderByAbi(encoded));
    }
  });

  test("test_relayHeader_mutated_canonicalDeclinesOrAgrees", () => {
    let declined = 0;
    for (let round = 0; round < 2000; round += 1) {
      const mutated = mutate(encodeRelayHeaderByAbi({ request: randomRequest(), signature: hex(65) }));
      const canonical = decodeCanonicalRelayHeader(mutated);
      if (canonical === undefined) declined += 1;
      else expect(canonical).toStrictEqual(byAbi(decodeRelayHeaderByAbi)(mutated));
    }
    expect(declined).toBeGreaterThan(0);
  });

  test("test_receiptHeader_random_canonicalEqualsAbi", () => {
    for (let round = 0; round < 500; round += 1) {
      const signed = { receipt: randomReceipt(), signature: hex(65) };
      const encoded = encodeReceiptHeaderByAbi(signed);
      expect(encodeCanonicalReceiptHeader(signed)).toBe(encoded);
      expect(decodeCanonicalReceiptHeader(encoded)).toStrictEqual(decodeReceiptHeaderByAbi(encoded));
    }
  });

  test("test_receiptHeader_mutated_canonicalDeclinesOrAgrees", () => {
    let declined = 0;
    for (let round = 0; round < 2000; round += 1) {
      const mutated = mutate(encodeReceiptHeaderByAbi({ receipt: randomReceipt(), signature: hex(65) }));
      const canonical = decodeCanonicalReceiptHeader(mutated);
      if (canonical === undefined) declined += 1;
      else expect(canonical).toStrictEqual(byAbi(decodeReceiptHeaderByAbi)(mutated));
    }
    expect(declined).toBeGreaterThan(0);
  });

  test("test_encode_outOfRange_declines", () => {
    const signature = hex(65);
    const receipt = { ...randomReceipt(), inputUnits: 1n << 64n };
    expect(encodeCanonicalReceiptHeader({ receipt, signature })).toBeUndefined();
    const request = { ...randomRequest(), maxCost: 1n << 128n };
    expect(encodeCanonicalRelayHeader({ request, signature })).toBeUndefined();
    expect(encodeCanonicalRelayHeader({ request: randomRequest(), signature: hex(64) })).toBeUndefined();
  });
});
