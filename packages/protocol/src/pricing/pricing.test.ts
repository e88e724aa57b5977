import { describe, expect, test } from "vitest";
import { WAD } from "../constants.ts";
import { ProbabilityInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { seededRandom as seeded } from "../random/seededRandom.ts";
import { claimAmount } from "./claimAmount.ts";
import { claimCollateral } from "./claimCollateral.ts";
import { isRelayCostValid } from "./isRelayCostValid.ts";
import { relayCost } from "./relayCost.ts";
import { sessionBudget } from "./sessionBudget.ts";
import { settlementPayout } from "./settlementPayout.ts";
import { splitPayment } from "./splitPayment.ts";

const random = seeded(21);
const randomUint = (bits: number): bigint => {
  let value = 0n;
  for (let i = 0; i < bits; i += 16) value = (value << 16n) | BigInt(Math.floor(random() * 65536));
  return value & ((1n << BigInt(bits)) - 1n);
};

describe("relay cost", () => {
  test("test_relayCost_formulaAndBound", () => {
    const request = { inputPrice: 2n, outputPrice: 5n, maxCost: 40n };
    const receipt = { inputUnits: 10n, outputUnits: 4n };
    expect(relayCost({ request, receipt })).toBe(40n);
    expect(isRelayCostValid({ request, receipt })).toBe(true);
    expect(isRelayCostValid({ request: { ...request, maxCost: 39n }, receipt })).toBe(false);
    expect(() => relayCost({ request: { ...request, inputPrice: -1n }, receipt })).toThrow(
      ValueOutOfRangeError,
    );
    expect(() => relayCost({ request, receipt: { ...receipt, outputUnits: 1n << 64n } })).toThrow(
      ValueOutOfRangeError,
    );
  });

  test("test_relayCost_maxInputs_exceedUint128ButStayExact", () => {
    const max = (bits: number) => (1n << BigInt(bits)) - 1n;
    const cost = relayCost({
      request: { inputPrice: max(128), outputPrice: max(128) },
      receipt: { inputUnits: max(64), outputUnits: max(64) },
    });
    expect(cost).toBe(2n * max(64) * max(128));
  });
});

describe("money", () => {
  test("test_claimAmount_floorsAndRejectsZeroProbability", () => {
    expect(claimAmount(1_000n, WAD / 4n)).toBe(4_000n);
    expect(claimAmount(1_000n, WAD)).toBe(1_000n);
    expect(claimAmount(10n, 3n * 10n ** 17n)).toBe(33n);
    expect(() => claimAmount(1n, 0n)).toThrow(ProbabilityInvalidError);
  });

  test("test_sessionBudget_floor", () => {
    expect(sessionBudget(1_001n, 2n)).toBe(500n);
    expect(() => sessionBudget(1n, 0n)).toThrow(ValueOutOfRangeError);
  });

  test("test_fuzz_splitPayment_conservesExactly", () => {
    for (let i = 0; i < 2000; i++) {
      const pay = randomUint(1 + Math.floor(random() * 200));
      const sourceShareBps = BigInt(Math.floor(random() * 2001));
      const protocolShareBps = BigInt(Math.floor(random() * 1001));
      const split = splitPayment({ pay, sourceShareBps, protocolShareBps });
      expect(split.toSource + split.toTreasury + split.toSupplier).toBe(pay);
      expect(split.toSource).toBe((pay * sourceShareBps) / 10_000n);
      expect(split.toTreasury).toBe((pay * protocolShareBps) / 10_000n);
      expect(split.toSupplier >= 0n).toBe(true);
    }
    expect(splitPayment({ pay: 10_001n, sourceShareBps: 1000, protocolShareBps: 500 })).toEqual({
      toSource: 1000n,
      toTreasury: 500n,
      toSupplier: 8501n,
    });
    expect(() => splitPayment({ pay: 1n, sourceShareBps: 9000, protocolShareBps: 1001 })).toThrow(
      ValueOutOfRangeError,
    );
  });

  test("test_fuzz_settlementPayout_neverExceedsBudgetInTotal", () => {
    for (let round = 0; round < 300; round++) {
      const amounts = Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
        randomUint(1 + Math.floor(random() * 100)),
      );
      const total = amounts.reduce((sum, amount) => sum + amount, 0n);
      const budget = randomUint(1 + Math.floor(random() * 100));
      const paid = amounts.map((amount) => settlementPayout({ amount, total, budget }));
      const sum = paid.reduce((a, b) => a + b, 0n);
      if (total <= budget) expect(paid).toEqual(amounts);
      else {
        expect(sum <= budget).toBe(true);
        // Floors lose at most one unit per claim.
        expect(budget - sum < BigInt(amounts.length)).toBe(true);
      }
      for (const [index, value] of paid.entries()) expect(value <= (amounts[index] as bigint)).toBe(true);
    }
    expect(settlementPayout({ amount: 300n, total: 1_000n, budget: 500n })).toBe(150n);
  });
});

describe("claim collateral", () => {
  test("test_claimCollateral_isMaxOfPenaltyAndAmount", () => {
    const missingProofPenalty = 1_000n * 10n ** 18n; // devnet: 10 × proofThreshold (100 AVY)
    expect(claimCollateral({ amount: 1n, missingProofPenalty })).toBe(missingProofPenalty);
    expect(claimCollateral({ amount: missingProofPenalty, missingProofPenalty })).toBe(missingProofPenalty);
    expect(claimCollateral({ amount: missingProofPenalty + 1n, missingProofPenalty })).toBe(
      missingProofPenalty + 1n,
    );
    expect(claimCollateral({ amount: 0n, missingProofPenalty: 0n })).toBe(0n);
    for (let i = 0; i < 200; i++) {
      const amount = randomUint(200);
      const penalty = randomUint(200);
      expect(claimCollateral({ amount, missingProofPenalty: penalty })).toBe(
        amount > penalty ? amount : penalty,
      );
    }
    expect(() => claimCollateral({ amount: -1n, missingProofPenalty })).toThrow(ValueOutOfRangeError);
    expect(() => claimCollateral({ amount: 1n, missingProofPenalty: 1n << 256n })).toThrow(
      ValueOutOfRangeError,
    );
  });
});
