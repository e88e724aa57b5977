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
  });
});
