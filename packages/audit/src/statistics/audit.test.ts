import { seededRandom } from "@aviary/protocol";
import { describe, expect, test } from "vitest";
import { drawAuditPrompt } from "./auditPromptPool.ts";
import { auditRate } from "./auditRate.ts";
import { DEFAULT_AUDIT_THRESHOLDS, resolveAuditThresholds } from "./auditThresholds.ts";
import { AuditParameterInvalidError } from "./errors.ts";
import { AVIARY_EVALUATION_SET } from "./evaluationSet.ts";
import { findRepeatedPhrase } from "./findRepeatedPhrase.ts";
import { type AuditPositionScore, judgeAudit } from "./index.ts";
import { judgeBilling } from "./judgeBilling.ts";
import { mannWhitneyU } from "./mannWhitneyU.ts";
import { nextAuditDelay } from "./nextAuditDelay.ts";
import { outputTokenBound } from "./outputTokenBound.ts";
import { scoreAuditPosition } from "./scoreAuditPosition.ts";
import { standardNormalCdf } from "./standardNormalCdf.ts";
import { buildTokenPieceIndex, longestMatchTokens, matchTokenPieces } from "./tokenPieceIndex.ts";

const encoder = new TextEncoder();
const noStops = new Set<number>();

/** A distribution over tokens 0..n−1 with probabilities ∝ weights, sorted descending. */
function distribution(weights: number[]): { tokens: number[]; probabilities: number[] } {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const entries = weights
    .map((weight, token) => [token, weight / total] as const)
    .sort((a, b) => b[1] - a[1]);
  return {
    tokens: entries.map(([token]) => token),
    probabilities: entries.map(([, probability]) => probability),
  };
}

describe("scoreAuditPosition", () => {
  test("test_scoreAuditPosition_greedy_rankAndLogProbs", () => {
    const score = scoreAuditPosition({
      ...distribution([1, 6, 3]),
      token: 2,
      temperature: 0,
      stopTokens: new Set([0]),
    });
    expect(score.rank).toBe(2);
    expect(score.logProb).toBeCloseTo(Math.log(0.3));
    expect(score.topLogProb).toBeCloseTo(Math.log(0.6));
    expect(score.stopLogProb).toBeCloseTo(Math.log(0.1));
    expect(score.expectedLogProb).toBeNull();
    expect(score.inNucleus).toBe(true);
  });

  test("test_scoreAuditPosition_sampled_matchesTemperedDistribution", () => {
    const weights = [5, 3, 1, 1];
    const temperature = 0.5;
    const score = scoreAuditPosition({
      ...distribution(weights),
      token: 2,
      temperature,
      stopTokens: new Set([3]),
    });
    // q ∝ p^(1/T) = p²: 25, 9, 1, 1 of 36.
    const p = weights.map((weight) => weight / 10);
    const q = p.map((value) => value ** 2 / p.reduce((sum, x) => sum + x ** 2, 0));
    const expected = q.reduce((sum, qi, i) => sum + qi * Math.log(p[i] as number), 0);
    expect(score.expectedLogProb).toBeCloseTo(expected, 10);
    expect(score.sampledLogProb).toBeCloseTo(Math.log(q[2] as number), 10);
    // Tail mass of token 2: tokens no likelier than it (2 and its tie 3).
    expect(score.tailMass).toBeCloseTo((q[2] as number) + (q[3] as number), 10);
    expect(score.stopSampledProbability).toBeCloseTo(q[3] as number, 10);
  });

  test("test_scoreAuditPosition_topP_nucleusIsGenerous", () => {
    const dist = distribution([50, 30, 15, 5]);
    // p-nucleus for 0.8 = {0, 1}; at T = 2, q is flatter and its nucleus larger: the union is taken.
    expect(
      scoreAuditPosition({ ...dist, token: 2, temperature: 0.5, topP: 0.8, stopTokens: noStops }).inNucleus,
    ).toBe(false);
    expect(
      scoreAuditPosition({ ...dist, token: 2, temperature: 2, topP: 0.8, stopTokens: noStops }).inNucleus,
    ).toBe(true);
    expect(
      scoreAuditPosition({ ...dist, token: 3, temperature: 1, topP: 1, stopTokens: noStops }).inNucleus,
    ).toBe(true);
  });

  test("test_scoreAuditPosition_invalidParameters_throw", () => {
    expect(() => scoreAuditPosition({ ...distribution([1]), temperature: -1, stopTokens: noStops })).toThrow(
      AuditParameterInvalidError,
    );
    expect(() =>
      scoreAuditPosition({ ...distribution([1]), temperature: 1, topP: 0, stopTokens: noStops }),
    ).toThrow(AuditParameterInvalidError);
  });
});

function greedyPosition(overrides: Partial<AuditPositionScore> = {}): AuditPositionScore {
  return {
    token: 5,
    rank: 1,
    logProb: Math.log(0.5),
    topLogProb: Math.log(0.5),
    stopLogProb: Math.log(1e-5),
    sampledLogProb: null,
    expectedLogProb: null,
    logProbVariance: null,
    tailMass: null,
    stopSampledProbability: null,
    inNucleus: true,
    ...overrides,
  };
}

describe("judgeAudit", () => {
  const greedy = { temperature: 0, topP: 1, maxTokens: 10 };
  const end = greedyPosition({ token: -1, rank: 0 });
  const base = {
    end,
    sampling: greedy,
    maxOutputTokens: 10,
    outputBytes: 40,
    thresholds: DEFAULT_AUDIT_THRESHOLDS,
  };

  test("test_judgeAudit_honestGreedy_passes", () => {
    const positions = Array.from({ length: 10 }, (_, token) => greedyPosition({ token }));
    const verdict = judgeAudit({ ...base, positions, finishReason: "length" });
    expect(verdict.passed).toBe(true);
    expect(verdict.metrics).toMatchObject({ mode: "greedy", tokens: 10, offTopShare: 0, meanLogProbGap: 0 });
  });

  test("test_judgeAudit_otherModel_failsTokenRank", () => {
    const positions = Array.from({ length: 10 }, (_, token) =>
      token % 3 === 0
        ? greedyPosition({ token })
        : greedyPosition({ token, rank: 7, logProb: Math.log(0.01) }),
    );
    const verdict = judgeAudit({ ...base, positions, finishReason: "length" });
    expect(verdict.passed).toBe(false);
    expect(verdict.failed?.check).toBe("token-rank");
    expect(verdict.failed?.detail).toContain("6 of 10 tokens");
  });

  test("test_judgeAudit_tiesWithinTolerance_notCounted", () => {
    const positions = Array.from({ length: 10 }, (_, token) =>
      greedyPosition({
        token,
        rank: token === 0 ? 2 : 1,
        logProb: token === 0 ? Math.log(0.499) : Math.log(0.5),
      }),
    );
    expect(judgeAudit({ ...base, positions, finishReason: "length" }).passed).toBe(true);
  });

  test("test_judgeAudit_truncated_failsLengthOrPrematureStop", () => {
    const positions = Array.from({ length: 5 }, (_, token) => greedyPosition({ token }));
    const asLength = judgeAudit({ ...base, positions, finishReason: "length" });
    expect(asLength.failed?.check).toBe("length-mismatch");
    const asStop = judgeAudit({ ...base, positions, finishReason: "stop" });
    expect(asStop.failed?.check).toBe("premature-stop");
    // Stopping where the reference's top choice IS stopping is fine.
    const natural = judgeAudit({
      ...base,
      positions,
      finishReason: "stop",
      end: greedyPosition({ token: -1, rank: 0, stopLogProb: Math.log(0.5) }),
    });
    expect(natural.passed).toBe(true);
  });

  test("test_judgeAudit_missingStop_fails", () => {
    const positions = [greedyPosition({ rank: 2, logProb: Math.log(0.01), stopLogProb: Math.log(0.9) })];
    const verdict = judgeAudit({ ...base, positions, finishReason: "length", maxOutputTokens: 1 });
    expect(verdict.failed?.check).toBe("missing-stop");
  });

  test("test_judgeAudit_billingFailure_comesFirst", () => {
    const positions = Array.from({ length: 10 }, (_, token) =>
      greedyPosition({ token, rank: 9, logProb: -9 }),
    );
    const billing = judgeBilling({
      receipt: { inputUnits: 20n, outputUnits: 13n },
      promptTokens: 20,
      outputTokens: 10,
    });
    const verdict = judgeAudit({ ...base, positions, finishReason: "length", billing });
    expect(verdict.failed?.check).toBe("billing-output");
  });

  // A sampled position (T = 1) expected at ln p = −1 with variance 1; 20 of them make an output.
  const sampled = (logProb: number, token: number): AuditPositionScore =>
    greedyPosition({
      token,
      logProb,
      expectedLogProb: -1,
      logProbVariance: 1,
      tailMass: 0.3,
      stopSampledProbability: 1e-3,
      sampledLogProb: logProb,
    });
  const judgeSampled = (positions: AuditPositionScore[]) =>
    judgeAudit({
      ...base,
      sampling: { temperature: 1, topP: 1, maxTokens: 20 },
      maxOutputTokens: 20,
      positions,
      finishReason: "length",
      outputBytes: 60,
    });

  test("test_judgeAudit_sampled_zScore", () => {
    const honest = Array.from({ length: 20 }, (_, index) => sampled(index % 2 ? -0.5 : -1.5, index));
    const ok = judgeSampled(honest);
    expect(ok.passed).toBe(true);
    expect(ok.metrics.z).toBeCloseTo(0);
    const unlikely = Array.from({ length: 20 }, (_, index) => sampled(-9, index));
    const bad = judgeSampled(unlikely);
    expect(bad.failed?.check).toBe("logprob-gap");
    // Each token 8σ below its expectation, clipped at maxTokenDeviation (6σ): still far below minZ (−12).
    expect(bad.metrics.z).toBeCloseTo(-6 * Math.sqrt(20));
  });

  test("test_judgeAudit_sampled_oneTokenFarOff_clippedAndPasses_manyFail", () => {
    // One token of a rebuilt tokenization at ln p = −60 (59σ off) in an otherwise typical output: unclipped,
    // z = −59/√20 = −13.2 would fail it.
    const oneOff = Array.from({ length: 20 }, (_, index) =>
      sampled(index === 7 ? -60 : index % 2 ? -0.5 : -1.5, index),
    );
    const honest = judgeSampled(oneOff);
    expect(honest.passed).toBe(true);
    // The other 19 deviate by −0.5 in all; the far one counts −6.
    expect(honest.metrics.z).toBeCloseTo((-6 - 0.5) / Math.sqrt(20));
    // Many tokens far off (another model): the clip does not save it.
    const many = judgeSampled(Array.from({ length: 20 }, (_, index) => sampled(index % 2 ? -11 : -1, index)));
    expect(many.failed?.check).toBe("logprob-gap");
  });

  test("test_judgeAudit_sampledRepetition_fails", () => {
    const sampling = { temperature: 1, topP: 1, maxTokens: 20 };
    const positions = Array.from({ length: 20 }, (_, index) =>
      greedyPosition({
        token: index % 4,
        expectedLogProb: -0.7,
        logProbVariance: 0.2,
        tailMass: 0.5,
        stopSampledProbability: 0,
        logProb: -0.7,
      }),
    );
    const thresholds = resolveAuditThresholds({ repetition: { maxRepeats: 3 } });
    expect(
      judgeAudit({
        ...base,
        sampling,
        maxOutputTokens: 20,
        positions,
        finishReason: "length",
        outputBytes: 60,
      }).passed,
    ).toBe(true);
    const verdict = judgeAudit({
      ...base,
      thresholds,
      sampling,
      maxOutputTokens: 20,
      positions,
      finishReason: "length",
      outputBytes: 60,
    });
    expect(verdict.failed?.check).toBe("repetition");
  });
});

describe("billing", () => {
  test("test_outputTokenBound_bytesPlusStop", () => {
    expect(outputTokenBound({ outputBytes: 10, finishReason: "length" })).toBe(10);
    expect(outputTokenBound({ outputBytes: 10, finishReason: "stop", stopStringBytes: 3 })).toBe(14);
  });
  test("test_judgeBilling_flagsOverbilling", () => {
    const [input, output] = judgeBilling({
      receipt: { inputUnits: 12, outputUnits: 9 },
      promptTokens: 12,
      outputTokens: 8,
    });
    expect(input.passed).toBe(true);
    expect(output).toMatchObject({ passed: false, value: 9, limit: 8 });
  });
});

describe("statistics", () => {
  test("test_standardNormalCdf_knownValues", () => {
    expect(standardNormalCdf(0)).toBeCloseTo(0.5, 7);
    expect(standardNormalCdf(1.959963985)).toBeCloseTo(0.975, 7);
    expect(standardNormalCdf(-4.753424)).toBeCloseTo(1e-6, 8);
    expect(standardNormalCdf(-4.753424) / 1e-6).toBeCloseTo(1, 3);
  });

  test("test_mannWhitneyU_matchesReference", () => {
    // scipy.stats.mannwhitneyu([1,2,3,4],[5,6,7,8], alternative="less", method="asymptotic") → p ≈ 0.0152
    const result = mannWhitneyU({ x: [1, 2, 3, 4], y: [5, 6, 7, 8], alternative: "less" });
    expect(result.u).toBe(0);
    expect(result.pValue).toBeCloseTo(0.0152, 3);
    expect(mannWhitneyU({ x: [1, 2, 3, 4], y: [5, 6, 7, 8], alternative: "greater" }).pValue).toBeGreaterThan(
      0.98,
    );
    // Ties get midranks; identical samples are not significant.
    expect(mannWhitneyU({ x: [1, 1, 1], y: [1, 1, 1] }).pValue).toBe(1);
  });

  test("test_fuzz_mannWhitneyU_nullIsUniform", () => {
    const random = seededRandom(3);
    let rejections = 0;
    const trials = 2000;
    for (let trial = 0; trial < trials; trial++) {
      const x = Array.from({ length: 15 }, random);
      const y = Array.from({ length: 15 }, random);
      if (mannWhitneyU({ x, y, alternative: "less" }).pValue < 0.05) rejections++;
    }
    expect(rejections / trials).toBeGreaterThan(0.03);
    expect(rejections / trials).toBeLessThan(0.07);
  });

  test("test_mannWhitneyU_emptySample_throws", () => {
    expect(() => mannWhitneyU({ x: [], y: [1] })).toThrow(AuditParameterInvalidError);
  });

  test("test_findRepeatedPhrase_countsOverlapping", () => {
    expect(findRepeatedPhrase([1, 2, 1, 2, 1, 2], 2)).toEqual({ phrase: [1, 2], count: 3 });
    expect(findRepeatedPhrase([1], 2)).toEqual({ phrase: [], count: 0 });
  });
});

describe("scheduling", () => {
  test("test_auditRate_newAndLowReputationAreBoosted", () => {
    const options = { baseRatePerMinute: 1 };
    expect(auditRate({ reputation: 100, auditsSoFar: 100 }, options)).toBe(1);
    expect(auditRate({ reputation: 80, auditsSoFar: 0 }, options)).toBe(4);
    expect(auditRate({ reputation: 80, auditsSoFar: 10 }, options)).toBe(2.5);
    expect(auditRate({ reputation: 0, auditsSoFar: 100 }, options)).toBe(4);
    expect(auditRate({ reputation: 40, auditsSoFar: 100 }, options)).toBe(2.5);
    expect(auditRate({ reputation: 20, auditsSoFar: 0 }, options)).toBeGreaterThan(
      auditRate({ reputation: 90, auditsSoFar: 0 }, options),
    );
    expect(() => auditRate({ reputation: 1, auditsSoFar: 1 }, { baseRatePerMinute: -1 })).toThrow(
      AuditParameterInvalidError,
    );
  });

  test("test_fuzz_nextAuditDelay_isExponentialWithTheRate", () => {
    const random = seededRandom(11);
    const draws = Array.from({ length: 20_000 }, () => nextAuditDelay(2, random));
    const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
    expect(mean).toBeGreaterThan(28_500);
    expect(mean).toBeLessThan(31_500);
    expect(nextAuditDelay(0, random)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("prompt pool", () => {
  test("test_drawAuditPrompt_shapedLikeTraffic", () => {
    const random = seededRandom(5);
    const prompts = Array.from({ length: 2000 }, () =>
      drawAuditPrompt(random, { maxTokens: { min: 16, max: 64 } }),
    );
    const share = (predicate: (prompt: (typeof prompts)[number]) => boolean) =>
      prompts.filter(predicate).length / prompts.length;
    expect(share((prompt) => prompt.stream)).toBeGreaterThan(0.45);
    expect(share((prompt) => prompt.stream)).toBeLessThan(0.55);
    expect(share((prompt) => prompt.body.temperature === 0)).toBeGreaterThan(0.3);
    expect(share((prompt) => prompt.route === "completions")).toBeGreaterThan(0.1);
    for (const prompt of prompts) {
      expect(prompt.body.max_tokens).toBeGreaterThanOrEqual(16);
      expect(prompt.body.max_tokens).toBeLessThanOrEqual(64);
      expect(prompt.body.stream === true).toBe(prompt.stream);
      expect(prompt.body).not.toHaveProperty("model");
    }
    const distinct = new Set(
      prompts.map((prompt) => JSON.stringify(prompt.body.messages ?? prompt.body.prompt)),
    );
    expect(distinct.size).toBeGreaterThan(500);
  });

  test("test_drawAuditPrompt_invalidOptions_throw", () => {
    expect(() => drawAuditPrompt(Math.random, { maxTokens: { min: 0, max: 5 } })).toThrow(
      AuditParameterInvalidError,
    );
    expect(() => drawAuditPrompt(Math.random, { streamShare: 2 })).toThrow(AuditParameterInvalidError);
  });

  test("test_evaluationSet_isGreedyAndFixed", () => {
    expect(AVIARY_EVALUATION_SET.name).toBe("aviary-eval-v1");
    expect(AVIARY_EVALUATION_SET.items.every((item) => item.body.temperature === 0)).toBe(true);
  });
});

describe("token pieces", () => {
  const index = buildTokenPieceIndex([
    [1, encoder.encode(" th")],
    [2, encoder.encode(" the")],
    [3, encoder.encode("e")],
    [4, encoder.encode(" ")],
    [5, encoder.encode("t")],
    [6, encoder.encode("h")],
    [7, encoder.encode("e")],
    [8, null],
  ]);

  test("test_matchTokenPieces_everyPrefixToken", () => {
    expect(matchTokenPieces(index, encoder.encode(" then"), 0)).toEqual([
      { token: 4, bytes: 1 },
      { token: 1, bytes: 3 },
      { token: 2, bytes: 4 },
    ]);
    expect(matchTokenPieces(index, encoder.encode("e"), 0)).toEqual([
      { token: 3, bytes: 1 },
      { token: 7, bytes: 1 },
    ]);
  });

  test("test_longestMatchTokens_greedyLongest", () => {
    expect(longestMatchTokens(index, encoder.encode(" the the"), 0, 10)).toEqual([2, 2]);
    expect(longestMatchTokens(index, encoder.encode(" the the"), 0, 1)).toEqual([2]);
    expect(longestMatchTokens(index, encoder.encode("x"), 0, 3)).toEqual([]);
  });

  test("test_resolveAuditThresholds_mergesGroups", () => {
    const thresholds = resolveAuditThresholds({ greedy: { maxOffTopShare: 0.2 } });
    expect(thresholds.greedy.maxOffTopShare).toBe(0.2);
    expect(thresholds.greedy.tieLogProb).toBe(DEFAULT_AUDIT_THRESHOLDS.greedy.tieLogProb);
    expect(() => resolveAuditThresholds({ greedy: { maxOffTopShare: 2 } })).toThrow();
  });
});
