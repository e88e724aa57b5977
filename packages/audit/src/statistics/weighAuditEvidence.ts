import type { AuditThresholds } from "./auditThresholds.ts";
import { logStandardNormalCdf } from "./logStandardNormalCdf.ts";
import type { AuditPositionScore } from "./scoreAuditPosition.ts";
import type { AuditSampling } from "./types.ts";

export type WeighAuditEvidenceParameters = {
  /** The audit's scored positions (`scoreAuditPosition`, with `alternativeLogProbs`). */
  positions: readonly AuditPositionScore[];
  sampling: AuditSampling;
  /**
   * The log-probabilities the supplier reported for the same tokens (OpenAI `logprobs`), one per position,
   * `null` where a position cannot be compared (another tokenization, a floored value). Absent: none reported.
   */
  reportedLogProbs?: readonly (number | null)[];
  /**
   * The seeded replay of a sampled answer: positions replayed, and those where the supplier's token is not the
   * one its runtime's sampler picks with the position's draw. Absent: not replayed (greedy, or another runtime).
   */
  replay?: { comparedTokens: number; divergences: number };
  thresholds: AuditThresholds["evidence"];
};

/** What one audit adds to a supplier's accumulated evidence ({@link weighAuditEvidence}). */
export type AuditEvidenceWeight = {
  /**
   * ln of the likelihood ratio of the audit's data: supplier log-probabilities = the reference's + noise of
   * standard deviation `alternativeNoise` per logit, against `nullNoise`. Positive: evidence of a cheat.
   */
  logLikelihoodRatio: number;
  /** Greedy positions weighed. */
  greedyPositions: number;
  /** Greedy tokens that were not the reference's argmax (exact ties aside). */
  flips: number;
  /** Reported log-probabilities weighed. */
  logProbTokens: number;
  /** Root mean square of reported − reference log-probability over those, nats (0 when none). */
  logProbRms: number;
  /** Positions checked by a seeded replay (0: not replayed). */
  replayedTokens: number;
  /** Of those, positions where the supplier's token was not the replayed one. */
  replayDivergences: number;
};

/**
 * Weighs one audit as evidence for the sequential test of a supplier (`updateSequentialTest`): a
 * log-likelihood ratio under a model of runtime noise. A supplier's log-probabilities are taken as the
 * reference's plus independent Gaussian noise of standard deviation σ per logit: σ ≤ `nullNoise` for an honest
 * supplier (another runtime build, other kernels, other batch sizes), σ = `alternativeNoise` for the cheat the
 * test is tuned to (a lower-precision copy: Q8_0 moves the test model's log-probabilities by 0.037 nats RMS,
 * F32 against F16 by 0.0015).
 *
 * - Greedy positions: the served token wins the argmax against each competitor `j` with probability
 *   Φ((ln p(served) − ln p(j)) / (σ√2)); the ratio of these under both σ weighs every near-tie, kept or lost.
 *   A token flipped far from a tie is all but impossible under `nullNoise`.
 * - Reported log-probabilities: the difference to the reference's, on the logits' scale, is N(0, σ²), weighed as
 *   such. Runtimes report different distributions above temperature 0 (the model's own, the sampler's, or after
 *   llama.cpp's top-k and `top_p`): the convention that fits the audit best is taken.
 * - Sampled tokens add nothing by themselves: at these noise levels one drawn token tells σ apart by
 *   O(σ⁴/T⁴) nats. Replayed with the draws of the supplier's seed they do: each position's token either is the
 *   one the supplier's sampler picks from the reference's distribution with that draw or not, a Bernoulli
 *   draw at rate `replayNullRate` (honest: another build) against `replayAlternativeRate` (the cheat); one
 *   audit's replay adds at most `maxPositionWeight`.
 *
 * @param parameters - the positions, the sampling, the reported log-probabilities, the noise levels.
 * @returns the audit's log-likelihood ratio and what it was computed from.
 * @example
 * ```ts
 * const weight = weighAuditEvidence({ positions, sampling, thresholds: DEFAULT_AUDIT_THRESHOLDS.evidence });
 * const test = updateSequentialTest({ statistic, increment: weight.logLikelihoodRatio, threshold: 14 });
 * ```
 */
export function weighAuditEvidence({
  positions,
  sampling,
  reportedLogProbs,
  replay,
  thresholds,
}: WeighAuditEvidenceParameters): AuditEvidenceWeight {
  const { nullNoise, alternativeNoise, maxPositionWeight } = thresholds;
  const nullScale = nullNoise * Math.SQRT2;
  const alternativeScale = alternativeNoise * Math.SQRT2;
  let logLikelihoodRatio = 0;
  let greedyPositions = 0;
  let flips = 0;
  const greedy = sampling.temperature === 0;
  for (const position of positions) {
    if (!greedy || !Number.isFinite(position.logProb)) continue;
    greedyPositions++;
    if (position.logProb < position.topLogProb) flips++;
    let weight = 0;
    for (const alternative of position.alternativeLogProbs ?? []) {
      const margin = position.logProb - alternative;
      weight += logStandardNormalCdf(margin / alternativeScale) - logStandardNormalCdf(margin / nullScale);
    }
    logLikelihoodRatio += Math.min(weight, maxPositionWeight);
  }
  // Reported log-probabilities: differences to the reference's under the convention that fits them best.
  const differences = reportedLogProbs ? reportedDifferences(positions, reportedLogProbs, sampling) : [];
  let squares = 0;
  for (const difference of differences) {
    // On the logits' scale: a runtime that reports after temperature divides the noise by T.
    squares += difference * difference;
    const logProbWeight =
      Math.log(nullNoise / alternativeNoise) +
      ((difference * difference) / 2) * (1 / nullNoise ** 2 - 1 / alternativeNoise ** 2);
    logLikelihoodRatio += Math.min(logProbWeight, maxPositionWeight);
  }
  const logProbTokens = differences.length;
  let replayedTokens = 0;
  let replayDivergences = 0;
  if (replay && replay.comparedTokens > 0) {
    const { replayNullRate, replayAlternativeRate } = thresholds;
    replayedTokens = replay.comparedTokens;
    replayDivergences = Math.min(replay.divergences, replay.comparedTokens);
    const matched = replayedTokens - replayDivergences;
    const replayWeight =
      matched * Math.log((1 - replayAlternativeRate) / (1 - replayNullRate)) +
      replayDivergences * Math.min(Math.log(replayAlternativeRate / replayNullRate), maxPositionWeight);
    // One output adds at most `maxPositionWeight`: an odd output (a text split unlike the supplier's) cannot
    // flag alone.
    logLikelihoodRatio += Math.min(replayWeight, maxPositionWeight);
  }
  return {
    replayedTokens,
    replayDivergences,
    logLikelihoodRatio,
    greedyPositions,
    flips,
    logProbTokens,
    logProbRms: logProbTokens > 0 ? Math.sqrt(squares / logProbTokens) : 0,
  };
}

/**
 * Reported − reference log-probability per comparable position, on the logits' scale (× T for conventions
 * after temperature), under the convention that fits the audit best: the model's own `ln p` (greedy requests,
 * and runtimes that report it whatever the temperature), the sampler's `ln q` over the whole vocabulary, or
 * llama.cpp's truncated chain (`truncatedLogProbs`, the nucleus edge taken either way).
 */
function reportedDifferences(
  positions: readonly AuditPositionScore[],
  reported: readonly (number | null)[],
  sampling: AuditSampling,
): number[] {
  const temperature = sampling.temperature;
  const conventions: Array<(position: AuditPositionScore, value: number) => number> = [
    (position, value) => value - position.logProb,
  ];
  if (temperature > 0) {
    conventions.push((position, value) =>
      position.sampledLogProb === null
        ? Number.POSITIVE_INFINITY
        : (value - position.sampledLogProb) * temperature,
    );
    conventions.push((position, value) => {
      let closest = Number.POSITIVE_INFINITY;
      for (const candidate of position.truncatedLogProbs ?? [])
        if (Math.abs(value - candidate) < Math.abs(closest)) closest = value - candidate;
      return closest * temperature;
    });
  }
  let best: number[] = [];
  let bestSquares = Number.POSITIVE_INFINITY;
  for (const convention of conventions) {
    const differences: number[] = [];
    let squares = 0;
    for (const [index, position] of positions.entries()) {
      const value = reported[index];
      if (
        value === null ||
        value === undefined ||
        !Number.isFinite(value) ||
        !Number.isFinite(position.logProb)
      )
        continue;
      const difference = convention(position, value);
      differences.push(difference);
      squares += difference * difference;
    }
    if (squares < bestSquares) {
      best = differences;
      bestSquares = squares;
    }
  }
  return best;
}
