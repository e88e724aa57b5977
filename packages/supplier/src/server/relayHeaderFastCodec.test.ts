// The fast header codec against the protocol's: equal on random canonical values, and on random byte
// mutations of them it either declines (undefined) or agrees with `decodeRelayHeader`.
import { randomBytes } from "node:crypto";
import {
  decodeRelayHeader,
  encodeReceiptHeader,
  encodeRelayHeader,
  type RelayReceipt,
  type RelayRequest,
} from "@aviary/protocol";
import { type Address, bytesToHex, getAddress, type Hex } from "viem";
import { describe, expect, test } from "vitest";
import { fastDecodeRelayHeader, fastEncodeReceiptHeader } from "./relayHeaderFastCodec.ts";

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

const slow = (header: string) => {
  try {
    return decodeRelayHeader(header);
  } catch {
    return "refused";
  }
};

describe("relay header fast codec", () => {
  test("test_fastDecodeRelayHeader_randomCanonical_equalsDecodeRelayHeader", () => {
    for (let round = 0; round < 500; round += 1) {
      const header = encodeRelayHeader({ request: randomRequest(), signature: hex(65) });
      const fast = fastDecodeRelayHeader(header);
      expect(fast).toBeDefined();
      expect(fast).toStrictEqual(decodeRelayHeader(header));
    }
  });

  test("test_fastDecodeRelayHeader_mutated_declinesOrAgrees", () => {
    let declined = 0;
    for (let round = 0; round < 2000; round += 1) {
      const header = encodeRelayHeader({ request: randomRequest(), signature: hex(65) });
      const bytes = Buffer.from(header, "base64url");
      const index = Math.floor(Math.random() * bytes.length);
      bytes[index] = Math.floor(Math.random() * 256);
      let mutated = bytes.toString("base64url");
      const pick = Math.random();
      if (pick < 0.05) mutated = ` ${mutated}`;
      else if (pick < 0.1) mutated = `${mutated}AA`;
      else if (pick < 0.15) mutated = mutated.replace(/[A-Z]/, "+");
      const fast = fastDecodeRelayHeader(mutated);
      if (fast === undefined) declined += 1;
      else expect(fast).toStrictEqual(slow(mutated));
    }
    expect(declined).toBeGreaterThan(0);
  });

  test("test_fastEncodeReceiptHeader_random_equalsEncodeReceiptHeader", () => {
    for (let round = 0; round < 500; round += 1) {
      const receipt: RelayReceipt = {
        request: hex(32),
        responseHash: hex(32),
        inputUnits: uint(64),
        outputUnits: uint(64),
      };
      const signature = hex(65);
      expect(fastEncodeReceiptHeader({ receipt, signature })).toBe(
        encodeReceiptHeader({ receipt, signature }),
      );
    }
    const receipt = { request: hex(32), responseHash: hex(32), inputUnits: 1n << 64n, outputUnits: 0n };
    expect(fastEncodeReceiptHeader({ receipt, signature: hex(65) })).toBeUndefined();
  });
});
