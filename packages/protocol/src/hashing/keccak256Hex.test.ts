import { randomBytes } from "node:crypto";
import { keccak256 } from "viem";
import { describe, expect, test } from "vitest";
import { keccak256Hex } from "./keccak256Hex.ts";

describe("keccak256Hex", () => {
  test("test_keccak256Hex_randomBodies_matchViem", () => {
    for (const length of [0, 1, 135, 136, 137, 271, 272, 1000, 4096, 65_537]) {
      const bytes = randomBytes(length);
      expect(keccak256Hex(bytes)).toBe(keccak256(bytes));
    }
  });

  test("test_keccak256Hex_subarray_hashesOnlyItsBytes", () => {
    const whole = randomBytes(500);
    const part = whole.subarray(100, 300);
    expect(keccak256Hex(part)).toBe(keccak256(Uint8Array.from(part)));
    // Long enough for the native binding: a view into a larger buffer, and a plain Uint8Array.
    const large = randomBytes(200_000);
    const view = large.subarray(1_000, 171_000);
    expect(keccak256Hex(view)).toBe(keccak256(Uint8Array.from(view)));
    expect(keccak256Hex(Uint8Array.from(view))).toBe(keccak256(Uint8Array.from(view)));
  });

  test("test_keccak256Hex_aroundTheNativeThreshold_matchViem", () => {
    for (const length of [510, 511, 512, 513, 170_706]) {
      const bytes = new Uint8Array(randomBytes(length));
      expect(keccak256Hex(bytes), `${length} bytes`).toBe(keccak256(bytes));
    }
  });
});
