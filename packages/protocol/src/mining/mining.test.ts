import { type Address, encodeAbiParameters, type Hex, keccak256, toHex } from "viem";
import { describe, expect, test } from "vitest";
import { HASH_UNIT_PER_WAD, WAD } from "../constants.ts";
import { HexInvalidError, ProbabilityInvalidError } from "../errors/values.ts";
import { seededRandom as seeded } from "../random/seededRandom.ts";
import { claimKey } from "./claimKey.ts";
import { isBelow } from "./isBelow.ts";
import { isMined } from "./isMined.ts";
import { isProofRequired } from "./isProofRequired.ts";
import { proofDraws } from "./proofDraws.ts";

const random = seeded(9);
const randomHex = (bytes: number): Hex =>
  toHex(Uint8Array.from({ length: bytes }, () => Math.floor(random() * 256)));
const ZERO = `0x${"00".repeat(32)}` as Hex;
const MAX = `0x${"ff".repeat(32)}` as Hex;

describe("isBelow", () => {
  test("test_isBelow_edges", () => {
    expect(HASH_UNIT_PER_WAD).toBe(((1n << 256n) - 1n) / 10n ** 18n);
    expect(isBelow(MAX, WAD)).toBe(true);
    expect(isBelow(MAX, WAD * 5n)).toBe(true);
    expect(isBelow(MAX, WAD - 1n)).toBe(false);
    expect(isBelow(ZERO, 0n)).toBe(false);
    expect(isBelow(ZERO, 1n)).toBe(true);
    expect(isBelow(HASH_UNIT_PER_WAD - 1n, 1n)).toBe(true);
    expect(isBelow(HASH_UNIT_PER_WAD, 1n)).toBe(false);
    expect(() => isBelow(ZERO, -1n)).toThrow(ProbabilityInvalidError);
  });
});

describe("isMined", () => {
  test("test_isMined_matchesAbiEncodedDraw", () => {
    for (let i = 0; i < 300; i++) {
      const relayKey = randomHex(32);
      const miningSeed = randomHex(32);
      const probabilityWad = BigInt(Math.floor(random() * 1e18));
      const draw = keccak256(
        encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [relayKey, miningSeed]),
      );
      expect(isMined({ relayKey, miningSeed, probabilityWad })).toBe(
        BigInt(draw) < probabilityWad * HASH_UNIT_PER_WAD,
      );
    }
  });

  test("test_isMined_fraction_tracksProbability", () => {
    const miningSeed = randomHex(32);
    let mined = 0;
    const draws = 20_000;
    for (let i = 0; i < draws; i++)
      if (isMined({ relayKey: randomHex(32), miningSeed, probabilityWad: WAD / 4n })) mined++;
    expect(mined / draws).toBeGreaterThan(0.23);
    expect(mined / draws).toBeLessThan(0.27);
  });

  test("test_isMined_pOne_alwaysAndBadInputThrows", () => {
    expect(isMined({ relayKey: MAX, miningSeed: MAX, probabilityWad: WAD })).toBe(true);
    expect(() => isMined({ relayKey: "0x12", miningSeed: MAX, probabilityWad: WAD })).toThrow(
      HexInvalidError,
    );
  });
});

describe("claim keys and proof draws", () => {
  const supplier = randomHex(20) as Address;
  const application = randomHex(20) as Address;
  const model = randomHex(32);

  test("test_claimKey_matchesHandEncoding", () => {
    const word = (hex: Hex) => hex.slice(2).padStart(64, "0");
    const manual = keccak256(
      `0x${word(supplier)}${word(application)}${word(model)}${7n.toString(16).padStart(64, "0")}`,
    );
    expect(claimKey({ supplier, application, model, session: 7n })).toBe(manual);
  });

  test("test_proofDraws_andRequiredDraw_useIndexes1And2And0", () => {
    const key = claimKey({ supplier, application, model, session: 3n });
    const seed = randomHex(32);
    const words = (index: bigint) =>
      keccak256(`0x${seed.slice(2)}${key.slice(2)}${index.toString(16).padStart(64, "0")}`);
    const root = { sum: 1_000_003n, count: 17n };
    expect(proofDraws({ proofSeed: seed, claimKey: key, root })).toEqual({
      sumDraw: BigInt(words(1n)) % root.sum,
      countDraw: BigInt(words(2n)) % root.count,
    });
    for (const probability of [0n, WAD / 4n, WAD / 2n, WAD - 1n, WAD]) {
      expect(
        isProofRequired({
          amount: 1n,
          proofThreshold: 100n,
          proofSeed: seed,
          claimKey: key,
          proofProbabilityWad: probability,
        }),
      ).toBe(isBelow(words(0n), probability));
    }
  });

  test("test_isProofRequired_thresholdAndMissingSeed", () => {
    const key = claimKey({ supplier, application, model, session: 3n });
    const base = { claimKey: key, proofThreshold: 100n, proofProbabilityWad: 0n };
    expect(isProofRequired({ ...base, amount: 100n, proofSeed: randomHex(32) })).toBe(true);
    expect(isProofRequired({ ...base, amount: 99n, proofSeed: randomHex(32) })).toBe(false);
    expect(isProofRequired({ ...base, amount: 0n, proofSeed: undefined })).toBe(true);
    expect(isProofRequired({ ...base, amount: 0n, proofSeed: ZERO })).toBe(true);
  });

  test("test_isProofRequired_fraction_tracksProbability", () => {
    const seed = randomHex(32);
    let required = 0;
    for (let session = 0n; session < 4000n; session++) {
      const key = claimKey({ supplier, application, model, session });
      if (
        isProofRequired({
          amount: 0n,
          proofThreshold: 1n,
          proofSeed: seed,
          claimKey: key,
          proofProbabilityWad: WAD / 4n,
        })
      )
        required++;
    }
    expect(required / 4000).toBeGreaterThan(0.21);
    expect(required / 4000).toBeLessThan(0.29);
  });
});
