import { describe, expect, test } from "vitest";
import { randomNonce } from "./randomNonce.ts";

describe("randomNonce", () => {
  test("test_randomNonce_acrossBatches_distinctAnd64Bit", () => {
    const seen = new Set<bigint>();
    for (let index = 0; index < 2_000; index += 1) {
      const nonce = randomNonce();
      expect(nonce >= 0n && nonce < 1n << 64n).toBe(true);
      seen.add(nonce);
    }
    // 2,000 draws from 2^64 values collide with probability ~1e-13: a repeat means a reused batch.
    expect(seen.size).toBe(2_000);
  });
});
