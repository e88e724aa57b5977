import { EMBEDDED_SAMPLER_CHAIN } from "@aviary/protocol";
import { AuditParameterInvalidError } from "./errors.ts";

/** How the reference judges one served token (or, without `token`, the end of the output). */
export type AuditPositionScore = {
  /** The served token, or −1 for the position after the last output token. */
  token: number;
  /** 1-based rank of `token` under the reference (1 = its top choice); 0 for the end position. */
  rank: number;
  /** `ln p(token)` under the reference at temperature 1 (`-Infinity` when it gives it no mass). */
  logProb: number;
  /** `ln p` of the reference's top choice. */
  topLogProb: number;
  /** `ln Σ p(stop tokens)`: how likely the reference was to end here. */
  stopLogProb: number;
  /** Sampled audits only (else `null`): `ln q(token)` with `q ∝ p^(1/T)`, the sampler's distribution. */
  sampledLogProb: number | null;
  /** Sampled audits only: `E_q[ln p]`, what `logProb` averages to when the token is drawn from `q`. */
  expectedLogProb: number | null;
  /** Sampled audits only: `Var_q[ln p]`. */
  logProbVariance: number | null;
  /**
   * Sampled audits only: the `q`-mass of every token no likelier than `token`. A p-value: an honest sampler
   * draws a token with tail mass below ε with probability at most ε.
   */
  tailMass: number | null;
  /** Sampled audits only: `q(stop tokens)`. */
  stopSampledProbability: number | null;
  /** Whether `token` is inside the `top_p` nucleus (the larger of the nuclei of `p` and of `q`); true for `top_p = 1`. */
  inNucleus: boolean;
  /**
   * `ln p` of the likeliest tokens other than `token` (at most {@link ALTERNATIVE_LOG_PROBS}, likeliest first):
   * how close the served token came to losing (or how far it was from winning) an argmax. Optional so that
   * hand-built scores stay valid; `accumulateAuditEvidence` treats a missing list as no near-ties.
   */
  alternativeLogProbs?: number[];
  /**
   * Sampled audits: `ln` of the token's probability as a runtime may report it in `logprobs`, one value per
   * convention: as llama.cpp samples (top-k 40, then `top_p` on the renormalized `p`, then temperature), for
   * the cut-offs as computed and one token either way (other numerics can swap the tokens at an edge). The
   * model's own `ln p` and the whole-vocabulary sampler's are `logProb` and `sampledLogProb`.
   */
  truncatedLogProbs?: number[];
  /**
   * Seeded replay (sampled audits of a supplier on the embedded runtime): the token that runtime's sampler picks
   * here with this position's draw of the supplier's seed (`replaySampledToken`). Absent: not replayed.
   */
  replayedToken?: number;
};

/** The top-k of llama.cpp's (and node-llama-cpp's) default sampler chain: the embedded runtime's. */
export const RUNTIME_TOP_K = EMBEDDED_SAMPLER_CHAIN.topK;

/** How many competitors' log-probabilities a score keeps (`AuditPositionScore.alternativeLogProbs`). */
export const ALTERNATIVE_LOG_PROBS = 4;

export type ScoreAuditPositionParameters = {
  /** The reference's next-token distribution: token ids, sorted by probability, highest first. */
  tokens: ArrayLike<number>;
  /** The probabilities of `tokens`, same order (they sum to 1 over the whole vocabulary). */
  probabilities: ArrayLike<number>;
  /** How many entries of `tokens`/`probabilities` are used. @default tokens.length */
  count?: number;
  /** The served token; `undefined` for the end position. */
  token?: number;
  /** The request's temperature; 0 is greedy (no sampler distribution). */
  temperature: number;
  /** The request's `top_p`. @default 1 */
  topP?: number;
  /** Tokens that end generation (end-of-generation and the chat template's stop tokens). */
  stopTokens: ReadonlySet<number>;
};

/**
 * Scores one position of a teacher-forced pass: where the served token ranks under the reference, its
 * log-probability, the log-probability of stopping and, for sampled audits, the statistics of the sampler's
 * distribution `q ∝ p^(1/T)` the token was supposedly drawn from. One pass over the distribution.
 *
 * The sampler is taken as OpenAI's (temperature, then `top_p`); truncations a runtime adds (top-k, min-p)
 * only make honest tokens likelier, so judging against the untruncated `q` errs toward the supplier.
 *
 * @param parameters - the distribution (sorted), the served token, the sampling parameters, the stop tokens.
 * @throws {AuditParameterInvalidError} for a negative temperature or a `top_p` outside (0, 1].
 * @example
 * ```ts
 * const score = scoreAuditPosition({
 *   tokens: [7, 3, 9], probabilities: [0.7, 0.2, 0.1], token: 3, temperature: 0, stopTokens: new Set([9]),
 * });
 * score.rank; // 2
 * ```
 */
export function scoreAuditPosition({
  tokens,
  probabilities,
  count = tokens.length,
  token,
  temperature,
  topP = 1,
  stopTokens,
}: ScoreAuditPositionParameters): AuditPositionScore {
  if (!(temperature >= 0))
    throw new AuditParameterInvalidError({ name: "temperature", value: temperature, reason: "must be ≥ 0" });
  if (!(topP > 0 && topP <= 1))
    throw new AuditParameterInvalidError({ name: "topP", value: topP, reason: "must be in (0, 1]" });
  const target = token ?? -1;
  const sampled = temperature > 0;
  const topProbability = count > 0 ? (probabilities[0] as number) : 0;
  const topLog = Math.log(topProbability);
  let stopMass = 0;
  let index = -1;
  let probability = 0;
  // Sampler distribution: weights w = (p / p_top)^(1/T), accumulated in one pass.
  let weightSum = 0;
  let weightedLog = 0;
  let weightedLogSquare = 0;
  let weightAbove = 0;
  let weightTarget = 0;
  for (let position = 0; position < count; position++) {
    const candidate = tokens[position] as number;
    const p = probabilities[position] as number;
    if (stopTokens.has(candidate)) stopMass += p;
    if (candidate === target) {
      index = position;
      probability = p;
    }
    if (sampled && p > 0) {
      const logP = Math.log(p);
      const weight = Math.exp((logP - topLog) / temperature);
      weightSum += weight;
      weightedLog += weight * logP;
      weightedLogSquare += weight * logP * logP;
      if (index < 0 && candidate !== target) weightAbove += weight;
      if (candidate === target) weightTarget = weight;
    }
  }
  // Tokens tied with the target but listed before it are not "likelier": give their weight back.
  if (sampled && index > 0) {
    for (let position = index - 1; position >= 0 && probabilities[position] === probability; position--) {
      const p = probabilities[position] as number;
      if (p > 0) weightAbove -= Math.exp((Math.log(p) - topLog) / temperature);
    }
  }
  const alternativeLogProbs: number[] = [];
  for (let position = 0; position < count && alternativeLogProbs.length < ALTERNATIVE_LOG_PROBS; position++) {
    if (position !== index) alternativeLogProbs.push(Math.log(probabilities[position] as number));
  }
  let inNucleus = true;
  if (index >= 0 && topP < 1)
    inNucleus = index < nucleusSize(probabilities, count, topP, temperature, topLog);
  let sampledLogProb: number | null = null;
  let expectedLogProb: number | null = null;
  let logProbVariance: number | null = null;
  let tailMass: number | null = null;
  let stopSampledProbability: number | null = null;
  if (sampled && weightSum > 0) {
    expectedLogProb = weightedLog / weightSum;
    logProbVariance = Math.max(0, weightedLogSquare / weightSum - expectedLogProb * expectedLogProb);
    sampledLogProb = weightTarget > 0 ? Math.log(weightTarget / weightSum) : Number.NEGATIVE_INFINITY;
    tailMass = index >= 0 ? Math.max(0, Math.min(1, 1 - Math.max(0, weightAbove) / weightSum)) : 0;
    let stopWeight = 0;
    for (let position = 0; position < count; position++) {
      const candidate = tokens[position] as number;
      const p = probabilities[position] as number;
      if (p > 0 && stopTokens.has(candidate)) stopWeight += Math.exp((Math.log(p) - topLog) / temperature);
    }
    stopSampledProbability = stopWeight / weightSum;
  }
  const truncatedLogProbs =
    sampled && index >= 0 ? truncatedLogProbsOf(probabilities, count, index, topP, temperature) : undefined;
  return {
    token: target,
    rank: index >= 0 ? index + 1 : token === undefined ? 0 : count + 1,
    logProb: index >= 0 ? Math.log(probability) : Number.NEGATIVE_INFINITY,
    topLogProb: topLog,
    stopLogProb: Math.log(stopMass),
    sampledLogProb,
    expectedLogProb,
    logProbVariance,
    tailMass,
    stopSampledProbability,
    inNucleus,
    alternativeLogProbs,
    ...(truncatedLogProbs ? { truncatedLogProbs } : {}),
  };
}

/**
 * `ln q(token)` after top-k, `top_p` and temperature, as llama.cpp samples, for the cut-offs as computed and one
 * token either way (other numerics can swap the tokens at an edge: k ∈ {K − 1, K, K + 1}, and so the nucleus).
 */
function truncatedLogProbsOf(
  probabilities: ArrayLike<number>,
  count: number,
  index: number,
  topP: number,
  temperature: number,
): number[] {
  const limit = Math.min(count, RUNTIME_TOP_K + 1);
  if (index >= limit) return [];
  const topLog = Math.log(probabilities[0] as number);
  // Prefix sums of p and of the tempered weights (p / p_top)^(1/T).
  const mass = new Float64Array(limit + 1);
  const weights = new Float64Array(limit + 1);
  for (let position = 0; position < limit; position++) {
    const p = probabilities[position] as number;
    mass[position + 1] = (mass[position] as number) + p;
    weights[position + 1] =
      (weights[position] as number) + (p > 0 ? Math.exp((Math.log(p) - topLog) / temperature) : 0);
  }
  const target = Math.log((weights[index + 1] as number) - (weights[index] as number));
  const values: number[] = [];
  for (const kept of [RUNTIME_TOP_K, RUNTIME_TOP_K + 1, RUNTIME_TOP_K - 1]) {
    if (kept > limit || kept <= index) continue;
    let size = kept;
    for (let position = 0; position < kept; position++) {
      if ((mass[position + 1] as number) / (mass[kept] as number) >= topP) {
        size = position + 1;
        break;
      }
    }
    for (const nucleus of [size, size + 1, size - 1]) {
      if (nucleus < 1 || nucleus > kept || index >= nucleus) continue;
      values.push(target - Math.log(weights[nucleus] as number));
    }
  }
  return values;
}

/** Size of the `top_p` nucleus: the larger of those of `p` and of `q ∝ p^(1/T)`, plus ties at its edge. */
function nucleusSize(
  probabilities: ArrayLike<number>,
  count: number,
  topP: number,
  temperature: number,
  topLog: number,
): number {
  // Float sums are not exact: a nucleus boundary within 1e-6 of top_p is taken generously.
  const target = topP - 1e-6;
  let cumulative = 0;
  let sizeP = count;
  for (let position = 0; position < count; position++) {
    cumulative += probabilities[position] as number;
    if (cumulative >= target) {
      sizeP = position + 1;
      break;
    }
  }
  let sizeQ = sizeP;
  if (temperature > 0) {
    let weightSum = 0;
    const weights = new Float64Array(count);
    for (let position = 0; position < count; position++) {
      const p = probabilities[position] as number;
      const weight = p > 0 ? Math.exp((Math.log(p) - topLog) / temperature) : 0;
      weights[position] = weight;
      weightSum += weight;
    }
    cumulative = 0;
    for (let position = 0; position < count; position++) {
      cumulative += (weights[position] as number) / weightSum;
      if (cumulative >= target) {
        sizeQ = position + 1;
        break;
      }
    }
  }
  let size = Math.max(sizeP, sizeQ);
  while (size < count && probabilities[size] === probabilities[size - 1]) size++;
  return size;
}
