import { describe, expect, test } from "vitest";
import { WAD } from "../constants.ts";
import { ProbabilityInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { type DifficultyState, foldDifficulty, initialDifficultyState } from "./foldDifficulty.ts";

const alphaWad = WAD / 10n;
const target = 1_000n;
const E36 = WAD * WAD;
const base = { targetMinedPerSession: target, alphaWad };
/** The contract's pending count saturates at uint64. */
const saturate = (count: bigint) => (count > (1n << 64n) - 1n ? (1n << 64n) - 1n : count);
const state = (emaRelays: bigint, lastFoldedSession = 9n): DifficultyState => ({
  initialized: true,
  emaWad: emaRelays * WAD,
  lastFoldedSession,
});

describe("foldDifficulty (the settlement's _fold)", () => {
  test("test_fold_first_priorFromTheCurrentProbability_observationClamped", () => {
    // Uninitialized: prior = target / p_cur = 1000 relays; 50 000 observed is clamped to 2 × prior.
    const next = foldDifficulty({
      ...base,
      state: initialDifficultyState,
      dataSession: 4n,
      minedCount: 50_000n,
      probabilityWad: WAD,
      currentProbabilityWad: WAD,
    });
    const ema = (alphaWad * 2_000n * WAD + (WAD - alphaWad) * 1_000n * WAD) / WAD;
    expect(ema).toBe(1_100n * WAD);
    expect(next).toEqual({
      state: { initialized: true, emaWad: ema, lastFoldedSession: 4n },
      probabilityWad: (target * E36) / ema,
      idleSessions: 0n,
    });
    // With p_cur = 0.5 the prior is 2000 relays.
    const half = foldDifficulty({
      ...base,
      state: initialDifficultyState,
      dataSession: 4n,
      minedCount: 1_000n,
      probabilityWad: WAD / 2n,
      currentProbabilityWad: WAD / 2n,
    });
    expect(half.state.emaWad).toBe(2_000n * WAD);
    expect(half.probabilityWad).toBe(WAD / 2n);
  });

  test("test_fold_emaFormula_exactFloors_insideTheClamps", () => {
    const probabilityWad = 3n * 10n ** 16n; // 0.03, the p the data session used
    const current = 25_000_000_000_000_001n; // the latest pushed p
    const prior = state(40_000n);
    const next = foldDifficulty({
      ...base,
      state: prior,
      dataSession: 10n,
      minedCount: 1_234n,
      probabilityWad,
      currentProbabilityWad: current,
    });
    const estimate = (1_234n * E36) / probabilityWad; // ≈ 41 133 relays: inside [20 000, 80 000]
    const ema = (alphaWad * estimate + (WAD - alphaWad) * prior.emaWad) / WAD;
    expect(next.state).toEqual({ initialized: true, emaWad: ema, lastFoldedSession: 10n });
    expect(next.probabilityWad).toBe((target * E36) / ema);
    expect(next.idleSessions).toBe(0n);
  });

  test("test_fold_observationClampedToHalfAndTwiceThePrior", () => {
    const fold = (minedCount: bigint) =>
      foldDifficulty({
        ...base,
        state: state(10_000n),
        dataSession: 10n,
        minedCount,
        probabilityWad: WAD,
        currentProbabilityWad: WAD / 10n,
      }).state.emaWad;
    // Above 2 × prior: counts as 20 000; below prior / 2: counts as 5 000.
    expect(fold(10n ** 12n)).toBe(11_000n * WAD);
    expect(fold(20_000n)).toBe(11_000n * WAD);
    expect(fold(0n)).toBe(9_500n * WAD);
    expect(fold(5_000n)).toBe(9_500n * WAD);
    expect(fold(6_000n)).toBe(9_600n * WAD);
  });

  test("test_fold_probabilityClampedToHalfAndTwiceTheCurrent_thenToOne", () => {
    // ema 10 000 asks p = 0.1; a current p of 0.01 lets it rise to 0.02 only.
    const rise = foldDifficulty({
      ...base,
      alphaWad: WAD,
      state: state(10_000n),
      dataSession: 10n,
      minedCount: 10_000n,
      probabilityWad: WAD,
      currentProbabilityWad: WAD / 100n,
    });
    expect(rise.state.emaWad).toBe(10_000n * WAD);
    expect(rise.probabilityWad).toBe(WAD / 50n);
    // …and a current p of 0.8 lets it fall to 0.4 only.
    const fall = foldDifficulty({
      ...base,
      alphaWad: WAD,
      state: state(10_000n),
      dataSession: 10n,
      minedCount: 10_000n,
      probabilityWad: WAD,
      currentProbabilityWad: (WAD * 8n) / 10n,
    });
    expect(fall.probabilityWad).toBe((WAD * 4n) / 10n);
    // Tiny traffic at p = 1: p would exceed 1.
    expect(
      foldDifficulty({
        ...base,
        state: state(10n),
        dataSession: 10n,
        minedCount: 10n,
        probabilityWad: WAD,
        currentProbabilityWad: WAD,
      }).probabilityWad,
    ).toBe(WAD);
    // The floor: p = 1 wei of wad.
    expect(
      foldDifficulty({
        ...base,
        targetMinedPerSession: 1n,
        state: state(10n ** 30n),
        dataSession: 10n,
        minedCount: 10n ** 12n,
        probabilityWad: 1n,
        currentProbabilityWad: 1n,
      }).probabilityWad,
    ).toBe(1n);
    // An EMA of zero: the prior is what the current p implies (target / p_cur = 8000), like a new model's.
    const zero = foldDifficulty({
      ...base,
      state: { initialized: true, emaWad: 0n, lastFoldedSession: 9n },
      dataSession: 10n,
      minedCount: 0n,
      probabilityWad: WAD,
      currentProbabilityWad: WAD / 8n,
    });
    // The observation 0 is clamped to 4000: ema = 0.1 · 4000 + 0.9 · 8000.
    expect(zero.state.emaWad).toBe(7_600n * WAD);
    expect(zero.probabilityWad).toBe((target * E36) / (7_600n * WAD));
  });

  test("test_fold_idleSessions_recoverPAndDecayTheEma_neverBelowTheRecoveredPrior", () => {
    // Last folded 9, now 13: three sessions without claims. p_cur 0.01 → 0.08, ema 800 000 → 100 000
    // (above target / 0.08 = 12 500).
    const next = foldDifficulty({
      ...base,
      state: state(800_000n, 9n),
      dataSession: 13n,
      minedCount: 1_000n,
      probabilityWad: WAD / 100n, // 100 000 relays estimated: exactly the decayed prior
      currentProbabilityWad: WAD / 100n,
    });
    expect(next.idleSessions).toBe(3n);
    expect(next.state.emaWad).toBe(100_000n * WAD);
    // target / ema = 0.01, clamped to half the recovered 0.08.
    expect(next.probabilityWad).toBe(WAD / 25n);
    // An EMA that decays below target / p_cur is floored there: 80 000 → 10 000 < 12 500.
    const floored = foldDifficulty({
      ...base,
      state: state(80_000n, 9n),
      dataSession: 13n,
      minedCount: 100n,
      probabilityWad: WAD / 100n, // 10 000 relays: inside [6 250, 25 000]
      currentProbabilityWad: WAD / 100n,
    });
    const flooredEma = (alphaWad * 10_000n * WAD + (WAD - alphaWad) * 12_500n * WAD) / WAD;
    expect(floored.state.emaWad).toBe(flooredEma);
    expect(floored.probabilityWad).toBe((target * E36) / flooredEma);
    // Without idle sessions the clamp around 0.01 holds p at 0.02.
    expect(
      foldDifficulty({
        ...base,
        state: state(10_000n, 12n),
        dataSession: 13n,
        minedCount: 100n,
        probabilityWad: WAD / 100n,
        currentProbabilityWad: WAD / 100n,
      }).probabilityWad,
    ).toBe(WAD / 50n);
    // Recovery caps p at 1 and the idle count at 64; the prior is then target / 1 = 1000 relays.
    const long = foldDifficulty({
      ...base,
      state: { initialized: true, emaWad: 1n << 100n, lastFoldedSession: 0n },
      dataSession: 1_000n,
      minedCount: 1n,
      probabilityWad: WAD,
      currentProbabilityWad: 1n,
    });
    expect(long.idleSessions).toBe(64n);
    // The observation (1 relay) is clamped to 500: ema = 0.1 · 500 + 0.9 · 1000.
    expect(long.state.emaWad).toBe(950n * WAD);
    expect(long.probabilityWad).toBe(WAD);
    // Uninitialized: no idle recovery whatever the session.
    expect(
      foldDifficulty({
        ...base,
        state: initialDifficultyState,
        dataSession: 500n,
        minedCount: 1_000n,
        probabilityWad: WAD,
        currentProbabilityWad: WAD / 4n,
      }).idleSessions,
    ).toBe(0n);
  });

  test("test_fold_oneSessionInflatedBy2Pow60_movesPByAtMostTwofold", () => {
    // Steady state: the honest count is the target, at p_cur = 1, 0.02 and 1e-6.
    for (const [honest, current] of [
      [target, WAD],
      [target, WAD / 50n],
      [target, 10n ** 12n],
    ] as const) {
      const steady = state((honest * WAD) / current);
      const honestFold = foldDifficulty({
        ...base,
        state: steady,
        dataSession: 10n,
        minedCount: honest,
        probabilityWad: current,
        currentProbabilityWad: current,
      });
      const attacked = foldDifficulty({
        ...base,
        state: steady,
        dataSession: 10n,
        minedCount: saturate(honest << 60n),
        probabilityWad: current,
        currentProbabilityWad: current,
      });
      expect(attacked.probabilityWad * 2n).toBeGreaterThanOrEqual(current);
      expect(attacked.probabilityWad).toBeLessThanOrEqual(current * 2n);
      // The clamped observation moves the EMA by (1 + α) at most: p by 1 / 1.1, not 2.
      expect(attacked.state.emaWad).toBeLessThanOrEqual((steady.emaWad * 11n) / 10n + 1n);
      expect(honestFold.probabilityWad).toBe(current);
      expect(attacked.probabilityWad * 11n).toBeGreaterThanOrEqual(honestFold.probabilityWad * 10n - 11n);
    }
  });

  test("test_fold_invalidInputs_throw", () => {
    const valid = {
      ...base,
      state: state(10n, 9n),
      dataSession: 10n,
      minedCount: 1n,
      probabilityWad: WAD,
      currentProbabilityWad: WAD,
    };
    expect(() => foldDifficulty(valid)).not.toThrow();
    expect(() => foldDifficulty({ ...valid, probabilityWad: 0n })).toThrow(ProbabilityInvalidError);
    expect(() => foldDifficulty({ ...valid, currentProbabilityWad: 0n })).toThrow(ProbabilityInvalidError);
    expect(() => foldDifficulty({ ...valid, currentProbabilityWad: WAD + 1n })).toThrow(
      ProbabilityInvalidError,
    );
    expect(() => foldDifficulty({ ...valid, dataSession: 9n })).toThrow(ValueOutOfRangeError);
    expect(() => foldDifficulty({ ...valid, minedCount: 1n << 64n })).toThrow(ValueOutOfRangeError);
    expect(() => foldDifficulty({ ...valid, alphaWad: WAD + 1n })).toThrow(ValueOutOfRangeError);
  });
});
