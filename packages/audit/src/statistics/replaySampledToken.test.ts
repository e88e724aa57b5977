import { seededRandom } from "@aviary/protocol";
import { describe, expect, test } from "vitest";
import { replaySampledToken, samplerDraws } from "./replaySampledToken.ts";

describe("samplerDraws", () => {
  test("test_samplerDraws_matchLibstdcxx_mt19937_uniformRealDistribution", () => {
    // Printed by g++ 14 (libstdc++): std::mt19937 rng(seed); std::uniform_real_distribution<double> d(0, 1).
    const expected: Record<number, number[]> = {
      0: [
        0.59284461651668263, 0.84426574425659828, 0.85794561998982988, 0.84725173738433124,
        0.62356369649610832,
      ],
      42: [
        0.79654298428784598, 0.18343478789336848, 0.77969099761266125, 0.59685016158005655,
        0.44583275754843343,
      ],
      1234: [
        0.49766366630595166, 0.81783844288953322, 0.61211189358442275, 0.77135991905474999,
        0.86066977348643725,
      ],
      4294967294: [
        0.10184899170898529, 0.94789751258733013, 0.82893340139475558, 0.37232930669741121,
        0.5176980985702806,
      ],
    };
    for (const [seed, draws] of Object.entries(expected)) {
      const draw = samplerDraws(Number(seed));
      expect(draws.map(() => draw())).toEqual(draws);
    }
  });

  test("test_samplerDraws_stayInTheUnitInterval_pastTheStateRefill", () => {
    const draw = samplerDraws(7);
    for (let index = 0; index < 2000; index++) {
      const value = draw();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe("replaySampledToken", () => {
  const distribution = (weights: number[]) => {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    return {
      tokens: weights.map((_, index) => 100 + index),
      probabilities: weights.map((weight) => weight / total),
      count: weights.length,
    };
  };

  test("test_replaySampledToken_picksByTheDrawsCumulativeSum", () => {
    const { tokens, probabilities, count } = distribution([5, 3, 2]);
    const pick = (draw: number) =>
      replaySampledToken({ tokens, probabilities, count, temperature: 1, topP: 1, draw });
    expect(pick(0)).toBe(100);
    expect(pick(0.49)).toBe(100);
    expect(pick(0.51)).toBe(101);
    expect(pick(0.79)).toBe(101);
    expect(pick(0.81)).toBe(102);
    expect(pick(0.999_999)).toBe(102);
  });

  test("test_replaySampledToken_topP_cutsTheNucleus_temperatureSharpens", () => {
    const { tokens, probabilities, count } = distribution([5, 3, 2]);
    // top_p 0.7: the nucleus is the first two (0.5 + 0.3 ≥ 0.7); renormalized, 0.625 / 0.375.
    expect(replaySampledToken({ tokens, probabilities, count, temperature: 1, topP: 0.7, draw: 0.6 })).toBe(
      100,
    );
    expect(replaySampledToken({ tokens, probabilities, count, temperature: 1, topP: 0.7, draw: 0.99 })).toBe(
      101,
    );
    // A low temperature all but picks the top token.
    expect(replaySampledToken({ tokens, probabilities, count, temperature: 0.05, topP: 1, draw: 0.99 })).toBe(
      100,
    );
    // A nucleus of one token always picks it.
    expect(replaySampledToken({ tokens, probabilities, count, temperature: 1, topP: 0.1, draw: 0.99 })).toBe(
      100,
    );
  });

  test("test_replaySampledToken_keepsTheTop40Only", () => {
    const { tokens, probabilities, count } = distribution(Array.from({ length: 100 }, () => 1));
    // Uniform over 100 tokens: after top-k 40 the last draw picks the 40th, never beyond.
    expect(replaySampledToken({ tokens, probabilities, count, temperature: 1, topP: 1, draw: 0.999 })).toBe(
      139,
    );
  });

  test("test_fuzz_replaySampledToken_drawsFollowTheTruncatedTemperedDistribution", () => {
    const random = seededRandom(21);
    const { tokens, probabilities, count } = distribution([8, 4, 2, 1, 1]);
    const temperature = 0.7;
    const weights = probabilities.map((probability) => probability ** (1 / temperature));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const counts = new Map<number, number>();
    const draws = 20_000;
    for (let index = 0; index < draws; index++) {
      const token = replaySampledToken({
        tokens,
        probabilities,
        count,
        temperature,
        topP: 1,
        draw: random(),
      });
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    for (const [index, weight] of weights.entries())
      expect((counts.get(100 + index) ?? 0) / draws).toBeCloseTo(weight / total, 1);
    expect(
      replaySampledToken({ tokens: [], probabilities: [], count: 0, temperature, topP: 1, draw: 0.5 }),
    ).toBe(-1);
  });
});
