import { seededRandom } from "@aviary/protocol";
import { describe, expect, test } from "vitest";
import { DEFAULT_AUDIT_THRESHOLDS, resolveAuditThresholds } from "./auditThresholds.ts";
import { logStandardNormalCdf } from "./logStandardNormalCdf.ts";
import { requestLogprobs } from "./requestLogprobs.ts";
import { type AuditPositionScore, scoreAuditPosition } from "./scoreAuditPosition.ts";
import { standardNormalCdf } from "./standardNormalCdf.ts";
import { updateSequentialTest } from "./updateSequentialTest.ts";
import { weighAuditEvidence } from "./weighAuditEvidence.ts";

const evidence = DEFAULT_AUDIT_THRESHOLDS.evidence;
const greedy = { temperature: 0, topP: 1, maxTokens: 32 };

/** A greedy position: the served token's log-prob and its competitors'. */
function position(logProb: number, alternatives: number[]): AuditPositionScore {
  const topLogProb = Math.max(logProb, ...alternatives);
  return {
    token: 1,
    rank: 1 + alternatives.filter((alternative) => alternative > logProb).length,
    logProb,
    topLogProb,
    stopLogProb: -20,
    sampledLogProb: null,
    expectedLogProb: null,
    logProbVariance: null,
    tailMass: null,
    stopSampledProbability: null,
    inNucleus: true,
    alternativeLogProbs: alternatives,
  };
}

/** Standard normal draws (Box–Muller) from a seeded stream. */
function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

describe("logStandardNormalCdf", () => {
  test("test_logStandardNormalCdf_matchesCdf_andStaysFiniteInTheTail", () => {
    for (const x of [-4.9, -3, -1, 0, 1, 3])
      expect(logStandardNormalCdf(x)).toBeCloseTo(Math.log(standardNormalCdf(x)), 5);
    // Across the switch at −10 the two forms agree.
    expect(logStandardNormalCdf(-10.0001)).toBeCloseTo(Math.log(standardNormalCdf(-10.0001)), 4);
    expect(logStandardNormalCdf(-40)).toBeCloseTo(-804.608, 2);
    expect(Number.isFinite(logStandardNormalCdf(-1e4))).toBe(true);
    expect(logStandardNormalCdf(Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe("scoreAuditPosition", () => {
  test("test_scoreAuditPosition_keepsTheLikeliestCompetitors", () => {
    const score = scoreAuditPosition({
      tokens: [4, 2, 7, 1, 0, 3],
      probabilities: [0.4, 0.3, 0.1, 0.1, 0.06, 0.04],
      token: 2,
      temperature: 0,
      stopTokens: new Set(),
    });
    expect(score.alternativeLogProbs?.map(Math.exp)).toEqual(
      [0.4, 0.1, 0.1, 0.06].map((p) => expect.closeTo(p, 12)),
    );
  });
});

describe("truncatedLogProbs", () => {
  test("test_scoreAuditPosition_truncatedLogProbs_coverTheTopKEdge", () => {
    // 50 tokens, p ∝ 50 − rank: the token ranked 41 is outside llama.cpp's top-k 40 here, inside it where
    // other numerics swap ranks 40 and 41, so it keeps a value for k = 41.
    const weights = Array.from({ length: 50 }, (_, rank) => 50 - rank);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const score = (rank: number) =>
      scoreAuditPosition({
        tokens: weights.map((_, token) => token),
        probabilities: weights.map((weight) => weight / total),
        token: rank - 1,
        temperature: 1,
        stopTokens: new Set(),
      });
    const kept41 = weights.slice(0, 41).reduce((sum, weight) => sum + weight, 0);
    expect(score(41).truncatedLogProbs).toEqual([expect.closeTo(Math.log(10 / kept41), 12)]);
    expect(score(42).truncatedLogProbs).toEqual([]);
    expect(score(1).truncatedLogProbs?.length).toBe(6); // k ∈ {39, 40, 41}, each nucleus as computed and one smaller
  });
});

describe("weighAuditEvidence", () => {
  test("test_weighAuditEvidence_argmaxFarFromTies_weighsNothing", () => {
    const weight = weighAuditEvidence({
      positions: [position(-0.5, [-1.5, -2]), position(-0.2, [-3])],
      sampling: greedy,
      thresholds: evidence,
    });
    expect(weight).toMatchObject({ greedyPositions: 2, flips: 0, logProbTokens: 0 });
    expect(Math.abs(weight.logLikelihoodRatio)).toBeLessThan(1e-9);
  });

  test("test_weighAuditEvidence_keptNearTie_countsAgainstTheCheat", () => {
    const weight = weighAuditEvidence({
      positions: [position(-1, [-1.01])],
      sampling: greedy,
      thresholds: evidence,
    });
    expect(weight.logLikelihoodRatio).toBeLessThan(0);
  });

  test("test_weighAuditEvidence_flipBeyondTheTolerance_isEvidence", () => {
    const flip = (gap: number) =>
      weighAuditEvidence({ positions: [position(-1 - gap, [-1])], sampling: greedy, thresholds: evidence });
    expect(flip(0.0005).logLikelihoodRatio).toBeLessThan(0.1); // a tie: either runtime flips it
    expect(flip(0.02).logLikelihoodRatio).toBeGreaterThan(3);
    expect(flip(0.05).logLikelihoodRatio).toBe(evidence.maxPositionWeight); // capped: one token cannot flag
    expect(flip(0.05).flips).toBe(1);
  });

  test("test_weighAuditEvidence_reportedLogProbs_comparedTokenByToken", () => {
    const positions = Array.from({ length: 8 }, () => position(-1, [-2]));
    const reported = (difference: number) =>
      weighAuditEvidence({
        positions,
        sampling: greedy,
        reportedLogProbs: positions.map((entry, index) => (index === 7 ? null : entry.logProb + difference)),
        thresholds: evidence,
      });
    expect(reported(0.0015)).toMatchObject({ logProbTokens: 7, logProbRms: expect.closeTo(0.0015, 9) });
    expect(reported(0.0015).logLikelihoodRatio).toBeLessThan(0);
    expect(reported(0.03).logLikelihoodRatio).toBeGreaterThan(evidence.threshold);
  });

  test("test_weighAuditEvidence_sampledTokens_weighOnlyWhatWasReported", () => {
    const sampled = { temperature: 0.5, topP: 1, maxTokens: 32 };
    const score = scoreAuditPosition({
      tokens: [3, 1, 2],
      probabilities: [0.5, 0.3, 0.2],
      token: 1,
      temperature: 0.5,
      stopTokens: new Set(),
    });
    const weigh = (reportedLogProbs?: number[]) =>
      weighAuditEvidence({
        positions: Array.from({ length: 6 }, () => score),
        sampling: sampled,
        ...(reportedLogProbs ? { reportedLogProbs } : {}),
        thresholds: evidence,
      });
    expect(weigh()).toEqual({
      logLikelihoodRatio: 0,
      greedyPositions: 0,
      flips: 0,
      logProbTokens: 0,
      logProbRms: 0,
      replayedTokens: 0,
      replayDivergences: 0,
    });
    // A runtime reporting after temperature (ln q = ln(0.3²/0.38)), with honest noise: matched, no evidence.
    const tempered = Math.log(0.09 / 0.38);
    const honest = weigh(Array.from({ length: 6 }, (_, index) => tempered + (index % 2 ? 0.002 : -0.002)));
    expect(honest.logProbRms).toBeCloseTo(0.001, 6); // × T: on the logits' scale
    expect(honest.logLikelihoodRatio).toBeLessThan(0);
    // The model's own ln p, reported as such, fits too; a value off every convention is evidence.
    expect(weigh(Array.from({ length: 6 }, () => Math.log(0.3))).logLikelihoodRatio).toBeLessThan(0);
    expect(weigh(Array.from({ length: 6 }, () => tempered + 0.08)).logLikelihoodRatio).toBeGreaterThan(
      evidence.threshold,
    );
  });

  test("test_fuzz_weighAuditEvidence_honestNoise_neverReachesTheThreshold", () => {
    // 20,000 greedy positions of a supplier whose logits carry noise at the tolerance (σ = nullNoise): the
    // CUSUM of their ratios must stay far below the threshold; the same with σ = alternativeNoise flags.
    const random = seededRandom(31);
    const normal = gaussian(random);
    const run = (sigma: number) => {
      let statistic = 0;
      let highest = 0;
      let flags = 0;
      for (let audit = 0; audit < 500; audit++) {
        const positions: AuditPositionScore[] = [];
        const reported: number[] = [];
        for (let token = 0; token < 40; token++) {
          // The reference's top five logits; gaps spread like the test model's (median 0.6 nats, 1 % below 0.01).
          const logits = [0];
          for (let rank = 1; rank < 5; rank++)
            logits.push((logits[rank - 1] as number) - random() * random() * 1.2);
          const noisy = logits.map((logit) => logit + sigma * normal());
          const served = noisy.indexOf(Math.max(...noisy));
          const others = logits.filter((_, index) => index !== served);
          positions.push(position(logits[served] as number, others));
          reported.push((logits[served] as number) + sigma * normal());
        }
        const weight = weighAuditEvidence({
          positions,
          sampling: greedy,
          reportedLogProbs: reported,
          thresholds: evidence,
        });
        const step = updateSequentialTest({
          statistic,
          increment: weight.logLikelihoodRatio,
          threshold: evidence.threshold,
        });
        highest = Math.max(highest, step.reached);
        if (step.flagged) flags++;
        statistic = step.statistic;
      }
      return { highest, flags };
    };
    expect(run(evidence.nullNoise)).toMatchObject({ flags: 0 });
    expect(run(evidence.nullNoise).highest).toBeLessThan(evidence.threshold / 2);
    expect(run(evidence.alternativeNoise).flags).toBeGreaterThan(100);
  });
});

describe("seeded replay evidence", () => {
  const sampled = { temperature: 0.8, topP: 1, maxTokens: 64 };
  const weigh = (replay: { comparedTokens: number; divergences: number }) =>
    weighAuditEvidence({ positions: [], sampling: sampled, replay, thresholds: evidence });

  test("test_weighAuditEvidence_replay_matchesWeighAgainst_divergencesFor", () => {
    const { replayNullRate: r0, replayAlternativeRate: r1 } = evidence;
    const identical = weigh({ comparedTokens: 40, divergences: 0 });
    expect(identical.logLikelihoodRatio).toBeCloseTo(40 * Math.log((1 - r1) / (1 - r0)), 10);
    expect(identical).toMatchObject({ replayedTokens: 40, replayDivergences: 0 });
    const cheap = weigh({ comparedTokens: 40, divergences: 5 });
    expect(cheap.logLikelihoodRatio).toBeCloseTo(
      35 * Math.log((1 - r1) / (1 - r0)) + 5 * Math.log(r1 / r0),
      10,
    );
    expect(cheap.logLikelihoodRatio).toBeGreaterThan(0);
    expect(cheap).toMatchObject({ replayedTokens: 40, replayDivergences: 5 });
    // One divergence in 40 is what another build does: no evidence of a cheat.
    expect(weigh({ comparedTokens: 40, divergences: 1 }).logLikelihoodRatio).toBeLessThan(0);
    // One output, however odd, adds at most maxPositionWeight.
    expect(weigh({ comparedTokens: 40, divergences: 30 }).logLikelihoodRatio).toBe(
      evidence.maxPositionWeight,
    );
    // More divergences than positions cannot be: counted as all of them.
    expect(weigh({ comparedTokens: 3, divergences: 9 }).replayDivergences).toBe(3);
    // Nothing replayed weighs nothing.
    expect(weigh({ comparedTokens: 0, divergences: 0 }).logLikelihoodRatio).toBe(0);
  });

  test("test_fuzz_replayEvidence_atTheToleratedRate_driftsDown_atTheCheatsRate_up", () => {
    // Replays of outputs of 16–64 tokens, each position diverging at a given rate.
    const drift = (rate: number, seed: number) => {
      const random = seededRandom(seed);
      let total = 0;
      for (let audit = 0; audit < 2000; audit++) {
        const length = 16 + Math.floor(random() * 49);
        let divergences = 0;
        for (let position = 0; position < length; position++) if (random() < rate) divergences++;
        total += weigh({ comparedTokens: length, divergences }).logLikelihoodRatio;
      }
      return total / 2000;
    };
    expect(drift(0, 1)).toBeLessThan(0);
    expect(drift(evidence.replayNullRate, 2)).toBeLessThan(0);
    expect(drift(evidence.replayAlternativeRate, 3)).toBeGreaterThan(0);
  });
});

describe("updateSequentialTest", () => {
  test("test_updateSequentialTest_cusum_floorsAtZero_flagsAndRestarts", () => {
    expect(updateSequentialTest({ statistic: 0, increment: -3, threshold: 14 })).toEqual({
      statistic: 0,
      reached: 0,
      flagged: false,
    });
    expect(updateSequentialTest({ statistic: 9.5, increment: 2, threshold: 14 })).toMatchObject({
      statistic: 11.5,
      flagged: false,
    });
    expect(updateSequentialTest({ statistic: 9.5, increment: 6.1, threshold: 14 })).toEqual({
      statistic: 0,
      reached: 15.6,
      flagged: true,
    });
    expect(updateSequentialTest({ statistic: 2, increment: Number.NaN, threshold: 14 }).statistic).toBe(2);
  });
});

describe("evidence thresholds", () => {
  test("test_resolveAuditThresholds_evidence_defaultsAndChecks", () => {
    expect(evidence).toEqual({
      nullNoise: 0.005,
      alternativeNoise: 0.03,
      threshold: 14,
      maxPositionWeight: 8,
      replayNullRate: 0.03,
      replayAlternativeRate: 0.11,
    });
    expect(() => resolveAuditThresholds({ evidence: { replayNullRate: 0.2 } })).toThrow(
      /replayAlternativeRate/,
    );
    expect(() => resolveAuditThresholds({ evidence: { replayNullRate: 1 } })).toThrow();
    expect(DEFAULT_AUDIT_THRESHOLDS.logprobs).toEqual({ maxRms: 0.015, minTokens: 4 });
    expect(resolveAuditThresholds({ evidence: { threshold: 20 } }).evidence.nullNoise).toBe(0.005);
    expect(() => resolveAuditThresholds({ evidence: { nullNoise: 0.05 } })).toThrow(/alternativeNoise/);
  });
});

describe("requestLogprobs", () => {
  test("test_requestLogprobs_chatAndCompletions", () => {
    const chat = requestLogprobs({
      route: "chat/completions",
      body: { messages: [], max_tokens: 8 },
      stream: false,
    });
    expect(chat.body).toEqual({ messages: [], max_tokens: 8, logprobs: true });
    const completion = requestLogprobs({ route: "completions", body: { prompt: "x" }, stream: true });
    expect(completion).toEqual({ route: "completions", body: { prompt: "x", logprobs: 0 }, stream: true });
  });
});
