import { keccak256, toBytes } from "viem";
import { describe, expect, it } from "vitest";
import { HexInvalidError } from "../errors/values.ts";
import { RANDOM_SEED, relaySamplingSeed, samplerSeed } from "./relaySamplingSeed.ts";
import { seededRandom } from "./seededRandom.ts";

describe("relaySamplingSeed", () => {
  it("is the first four bytes of keccak256('aviary.sampling-seed' ‖ relayKey), as viem computes it", () => {
    const random = seededRandom(3);
    for (let index = 0; index < 50; index++) {
      const key =
        `0x${Array.from({ length: 64 }, () => Math.floor(random() * 16).toString(16)).join("")}` as const;
      const first = Number.parseInt(
        keccak256(new Uint8Array([...toBytes("aviary.sampling-seed"), ...toBytes(key)])).slice(2, 10),
        16,
      );
      expect(relaySamplingSeed(key)).toBe(first === RANDOM_SEED ? RANDOM_SEED - 1 : first);
    }
  });

  it("differs per relay key and stays in uint32", () => {
    const seeds = new Set<number>();
    for (let index = 0; index < 200; index++) {
      const seed = relaySamplingSeed(`0x${index.toString(16).padStart(64, "0")}`);
      expect(seed).toBeGreaterThanOrEqual(0);
      expect(seed).toBeLessThan(RANDOM_SEED);
      seeds.add(seed);
    }
    expect(seeds.size).toBe(200);
  });

  it("refuses what is not a 32-byte key", () => {
    expect(() => relaySamplingSeed("0x1234")).toThrow(HexInvalidError);
    expect(() => relaySamplingSeed(`0x${"g".repeat(64)}` as `0x${string}`)).toThrow(HexInvalidError);
  });
});

describe("samplerSeed", () => {
  it("wraps into uint32 like the runtime", () => {
    expect(samplerSeed(0)).toBe(0);
    expect(samplerSeed(42)).toBe(42);
    expect(samplerSeed(-1)).toBe(2 ** 32 - 1);
    expect(samplerSeed(2 ** 32 + 5)).toBe(5);
    expect(samplerSeed(7.9)).toBe(7);
  });
});
