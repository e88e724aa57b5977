import { describe, expect, test } from "vitest";
import { WAD } from "../constants.ts";
import { ProbabilityInvalidError } from "../errors/values.ts";
import { foldDifficulty, initialDifficultyState } from "./foldDifficulty.ts";

const alphaWad = WAD / 10n;

describe("foldDifficulty", () => {
  test("test_fold_first_setsEmaToEstimate", () => {
    const next = foldDifficulty({
      state: initialDifficultyState,
      minedCount: 50_000n,
      probabilityWad: WAD,
      targetMinedPerSession: 1_000n,
      alphaWad,
    });
    expect(next.state).toEqual({ initialized: true, emaWad: 50_000n * WAD });
    expect(next.probabilityWad).toBe(WAD / 50n);
  });

  test("test_fold_emaFormula_exactFloors", () => {
    const state = { initialized: true, emaWad: 40_000n * WAD };
    const probabilityWad = 3n * 10n ** 16n; // 0.03
    const next = foldDifficulty({
      state,
      minedCount: 1_234n,
      probabilityWad,
      targetMinedPerSession: 1_000n,
      alphaWad,
    });
    const estimate = (1_234n * 10n ** 36n) / probabilityWad;
    const ema = (alphaWad * estimate + (WAD - alphaWad) * state.emaWad) / WAD;
    expect(next.state.emaWad).toBe(ema);
    expect(next.probabilityWad).toBe((1_000n * 10n ** 36n) / ema);
  });

  test("test_fold_clampsAndZero", () => {
    // Tiny traffic: p would exceed 1.
    expect(
      foldDifficulty({
        state: initialDifficultyState,
        minedCount: 10n,
        probabilityWad: WAD,
        targetMinedPerSession: 1_000n,
        alphaWad,
      }).probabilityWad,
    ).toBe(WAD);
    // No traffic at all: ema 0 → p = 1.
    expect(
      foldDifficulty({
        state: initialDifficultyState,
        minedCount: 0n,
        probabilityWad: WAD,
        targetMinedPerSession: 1_000n,
        alphaWad,
      }),
    ).toEqual({
      state: { initialized: true, emaWad: 0n },
      probabilityWad: WAD,
    });
    // Huge traffic: p floors at 1 wei of wad.
    expect(
      foldDifficulty({
        state: initialDifficultyState,
        minedCount: 10n ** 12n,
        probabilityWad: 1n,
        targetMinedPerSession: 1n,
        alphaWad,
      }).probabilityWad,
    ).toBe(1n);
    expect(() =>
      foldDifficulty({
        state: initialDifficultyState,
        minedCount: 1n,
        probabilityWad: 0n,
        targetMinedPerSession: 1n,
        alphaWad,
      }),
    ).toThrow(ProbabilityInvalidError);
  });
});
