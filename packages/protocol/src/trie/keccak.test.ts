import { keccak_256 } from "@noble/hashes/sha3";
import { describe, expect, test } from "vitest";
import { seededRandom as seeded } from "../random/seededRandom.ts";
import { keccak256Bytes, keccak256Into } from "./keccak.ts";

describe("keccak256 (unrolled)", () => {
  test("test_keccak_matchesNoble_everyLengthUpTo600", () => {
    const random = seeded(1);
    for (let length = 0; length <= 600; length++) {
      const input = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      expect(Buffer.from(keccak256Bytes(input)).toString("hex")).toBe(
        Buffer.from(keccak_256(input)).toString("hex"),
      );
    }
  });

  test("test_keccak_knownVector_empty", () => {
    expect(Buffer.from(keccak256Bytes(new Uint8Array(0))).toString("hex")).toBe(
      "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
  });

  test("test_keccakInto_respectsOffsets", () => {
    const input = Uint8Array.from({ length: 200 }, (_, i) => i);
    const out = new Uint8Array(40).fill(7);
    keccak256Into(input, 13, 150, out, 5);
    expect(out.subarray(0, 5)).toEqual(new Uint8Array(5).fill(7));
    expect(out.subarray(37)).toEqual(new Uint8Array(3).fill(7));
    expect(Buffer.from(out.subarray(5, 37)).toString("hex")).toBe(
      Buffer.from(keccak_256(input.subarray(13, 163))).toString("hex"),
    );
  });
});
