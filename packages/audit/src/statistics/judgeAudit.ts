import type { AuditThresholds } from "./auditThresholds.ts";
import { findRepeatedPhrase } from "./findRepeatedPhrase.ts";
import type { AuditPositionScore } from "./scoreAuditPosition.ts";
import { AUDIT_CHECKS, type AuditCheckResult, type AuditSampling } from "./types.ts";

export type JudgeAuditParameters = {
  /** One score per output token, in order (`scoreAuditPosition`). */
  positions: readonly AuditPositionScore[];
  /** The score of the position after the last output token (`token` omitted): how likely stopping was there. */
  end: AuditPositionScore;
  /** The response's `finish_reason`. */
  finishReason: string | null;
  sampling: AuditSampling;
  /** The most tokens the supplier could generate: `min(max_tokens, context room)`. */
  maxOutputTokens: number;
  /** UTF-8 bytes of the output text. */
  outputBytes: number;
  /** Billing results to include (`judgeBilling`); they come first in the verdict. */
  billing?: readonly AuditCheckResult[];
  thresholds: AuditThresholds;
};

/** Summary numbers of an audited output (also what the two-sample test compares). */
export type AuditMetrics = {
  mode: "greedy" | "sampled";
  /** Output tokens scored. */
  tokens: number;
  /** Share of tokens that were not the reference's top choice (beyond the tie tolerance). */
  offTopShare: number;
  /** Mean of `ln p(top) − ln p(served)`, nats. */
  meanLogProbGap: number;
  /** Mean `ln p(served)`, nats. */
  meanLogProb: number;
  /** Sampled audits: the z-score of the output's log-likelihood under the sampler's distribution (variance floored, each token's deviation clipped); else null. */
  z: number | null;
};

/** An audit's verdict: passed, or the first failed check (in {@link AUDIT_CHECKS} order) with its numbers. */
export type AuditVerdict = {
  passed: boolean;
  failed: AuditCheckResult | null;
  checks: AuditCheckResult[];
  metrics: AuditMetrics;
};

const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

/**
 * Judges a teacher-forced audit: the supplier's output tokens scored by the reference model, against the
 * thresholds. Greedy audits (`temperature: 0`) expect the reference's argmax at every position; sampled audits
 * expect tokens the sampler could plausibly draw. Also checks stopping (premature or missing), the length
 * against `finish_reason`, and repetition; billing results passed in are part of the verdict.
 *
 * @param parameters - the scores, how the output ended, the sampling parameters, the thresholds.
 * @returns the verdict: `passed`, the first `failed` check (or null), every check, summary metrics.
 * @example
 * ```ts
 * const verdict = judgeAudit({ positions, end, finishReason: "length", sampling: { temperature: 0, topP: 1, maxTokens: 32 },
 *   maxOutputTokens: 32, outputBytes: 90, thresholds: DEFAULT_AUDIT_THRESHOLDS });
 * if (!verdict.passed) console.log(verdict.failed?.check, verdict.failed?.detail);
 * ```
 */
export function judgeAudit({
  positions,
  end,
  finishReason,
  sampling,
  maxOutputTokens,
  outputBytes,
  billing = [],
  thresholds,
}: JudgeAuditParameters): AuditVerdict {
  const greedy = sampling.temperature === 0;
  const count = positions.length;
  const checks: AuditCheckResult[] = [...billing];
  const logRatio = Math.log(thresholds.stopRatio);

  let offTop = 0;
  let gapSum = 0;
  let logSum = 0;
  let deviation = 0;
  let variance = 0;
  let minLogProb = Number.POSITIVE_INFINITY;
  let maxRank = 0;
  let minTail = Number.POSITIVE_INFINITY;
  // The second-lowest tail: a sampled output is judged on a rebuilt tokenization, which can split one place of
  // an honest output into a token the runtime never drew (about once in 10⁴ audits of code-like text, measured
  // in honest.test.ts); two such tokens in one output are what another model produces.
  let secondTail = Number.POSITIVE_INFINITY;
  let outsideNucleus = 0;
  let worstContinue = Number.NEGATIVE_INFINITY; // greedy: max ln(p_stop / p_served)
  let minContinue = Number.POSITIVE_INFINITY; // sampled: min q(continue)
  for (const position of positions) {
    const gap = position.topLogProb - position.logProb;
    if (position.rank > 1 && gap > thresholds.greedy.tieLogProb) offTop++;
    gapSum += gap;
    logSum += position.logProb;
    minLogProb = Math.min(minLogProb, position.logProb);
    maxRank = Math.max(maxRank, position.rank);
    if (!position.inNucleus) outsideNucleus++;
    worstContinue = Math.max(worstContinue, position.stopLogProb - position.logProb);
    if (position.expectedLogProb !== null && position.logProbVariance !== null) {
      const tokenVariance = Math.max(position.logProbVariance, thresholds.sampled.varianceFloor);
      // Clipped: one token of a rebuilt tokenization must not fail an honest output alone.
      deviation += Math.max(
        position.logProb - position.expectedLogProb,
        -thresholds.sampled.maxTokenDeviation * Math.sqrt(tokenVariance),
      );
      variance += tokenVariance;
    }
    if (position.tailMass !== null) {
      if (position.tailMass < minTail) [secondTail, minTail] = [minTail, position.tailMass];
      else secondTail = Math.min(secondTail, position.tailMass);
    }
    if (position.stopSampledProbability !== null)
      minContinue = Math.min(minContinue, 1 - position.stopSampledProbability);
  }
  const offTopShare = count > 0 ? offTop / count : 0;
  const meanGap = count > 0 ? gapSum / count : 0;
  const z = greedy
    ? null
    : variance > 0
      ? deviation / Math.sqrt(variance)
      : deviation < -1e-9
        ? Number.NEGATIVE_INFINITY
        : 0;

  // Length against finish_reason.
  if (finishReason === "length") {
    if (greedy) {
      checks.push({
        check: "length-mismatch",
        passed: count >= maxOutputTokens,
        value: count,
        limit: maxOutputTokens,
        detail: `finish_reason "length" after ${count} tokens; max_tokens allowed ${maxOutputTokens}`,
      });
    } else {
      const limit = Math.ceil((1 - thresholds.sampled.lengthSlack) * maxOutputTokens);
      const passed = count >= limit && outputBytes >= maxOutputTokens;
      checks.push({
        check: "length-mismatch",
        passed,
        value: count,
        limit,
        detail: `finish_reason "length" on ${count} tokens (${outputBytes} bytes); max_tokens ${maxOutputTokens} needs at least ${limit}`,
      });
    }
  }
  // Stopping.
  if (finishReason === "stop") {
    if (greedy) {
      const ratio = end.topLogProb - end.stopLogProb;
      checks.push({
        check: "premature-stop",
        passed: ratio <= logRatio,
        value: Math.exp(ratio),
        limit: thresholds.stopRatio,
        detail: `stopped after ${count} tokens where the reference's top choice was ${fixed(Math.exp(ratio), 0)}× likelier than stopping; limit ${thresholds.stopRatio}×`,
      });
    } else {
      const probability = end.stopSampledProbability ?? 0;
      checks.push({
        check: "premature-stop",
        passed: probability >= thresholds.sampled.minStopProbability,
        value: probability,
        limit: thresholds.sampled.minStopProbability,
        detail: `stopped after ${count} tokens where the sampler stops with probability ${probability.toExponential(2)}; limit ${thresholds.sampled.minStopProbability}`,
      });
    }
  }
  if (count > 0) {
    if (greedy) {
      checks.push({
        check: "missing-stop",
        passed: worstContinue <= logRatio,
        value: Math.exp(worstContinue),
        limit: thresholds.stopRatio,
        detail: `went on where stopping was ${fixed(Math.exp(worstContinue), 1)}× likelier than the served token; limit ${thresholds.stopRatio}×`,
      });
    } else {
      checks.push({
        check: "missing-stop",
        passed: minContinue >= thresholds.sampled.minStopProbability,
        value: minContinue,
        limit: thresholds.sampled.minStopProbability,
        detail: `went on where the sampler continues with probability ${minContinue.toExponential(2)}; limit ${thresholds.sampled.minStopProbability}`,
      });
    }
    // Implausible tokens.
    if (greedy) {
      const passed = minLogProb >= thresholds.greedy.minLogProb && maxRank <= thresholds.greedy.maxRank;
      checks.push({
        check: "implausible-token",
        passed,
        value: minLogProb,
        limit: thresholds.greedy.minLogProb,
        detail: `least likely token: ln p = ${fixed(minLogProb)} (limit ${thresholds.greedy.minLogProb}); worst rank ${maxRank} (limit ${thresholds.greedy.maxRank})`,
      });
    } else {
      checks.push({
        check: "implausible-token",
        passed: secondTail >= thresholds.sampled.minTailMass,
        value: secondTail,
        limit: thresholds.sampled.minTailMass,
        detail: `two tokens the sampler draws with tail probability at most ${secondTail.toExponential(2)} (the lowest ${minTail.toExponential(2)}); limit ${thresholds.sampled.minTailMass}`,
      });
    }
    // Rank.
    if (greedy) {
      checks.push({
        check: "token-rank",
        passed: offTopShare <= thresholds.greedy.maxOffTopShare,
        value: offTopShare,
        limit: thresholds.greedy.maxOffTopShare,
        detail: `${offTop} of ${count} tokens (${percent(offTopShare)}) were not the reference's top choice; limit ${percent(thresholds.greedy.maxOffTopShare)}`,
      });
    } else if (thresholds.sampled.maxOutsideNucleus !== null) {
      checks.push({
        check: "token-rank",
        passed: outsideNucleus <= thresholds.sampled.maxOutsideNucleus,
        value: outsideNucleus,
        limit: thresholds.sampled.maxOutsideNucleus,
        detail: `${outsideNucleus} of ${count} tokens lie outside the top_p ${sampling.topP} nucleus; limit ${thresholds.sampled.maxOutsideNucleus}`,
      });
    }
    // Log-probability.
    if (greedy) {
      checks.push({
        check: "logprob-gap",
        passed: meanGap <= thresholds.greedy.maxMeanLogProbGap,
        value: meanGap,
        limit: thresholds.greedy.maxMeanLogProbGap,
        detail: `mean ln p(top) − ln p(served) = ${fixed(meanGap, 3)} nats; limit ${thresholds.greedy.maxMeanLogProbGap}`,
      });
    } else {
      checks.push({
        check: "logprob-gap",
        passed: (z ?? 0) >= thresholds.sampled.minZ,
        value: z ?? 0,
        limit: thresholds.sampled.minZ,
        detail: `log-likelihood z-score ${fixed(z ?? 0)} under the sampler's distribution (T = ${sampling.temperature}); limit ${thresholds.sampled.minZ}`,
      });
    }
    // Repetition (sampled, warm enough; off unless configured).
    const { maxRepeats, ngram, minTemperature } = thresholds.repetition;
    if (!greedy && maxRepeats !== null && sampling.temperature >= minTemperature) {
      const repeated = findRepeatedPhrase(
        positions.map((position) => position.token),
        ngram,
      );
      checks.push({
        check: "repetition",
        passed: repeated.count <= maxRepeats,
        value: repeated.count,
        limit: maxRepeats,
        detail: `a ${ngram}-token phrase occurs ${repeated.count} times; limit ${maxRepeats}`,
      });
    }
  }

  const failed =
    AUDIT_CHECKS.map((name) => checks.find((check) => check.check === name && !check.passed)).find(
      (check) => check !== undefined,
    ) ?? null;
  return {
    passed: failed === null,
    failed,
    checks,
    metrics: {
      mode: greedy ? "greedy" : "sampled",
      tokens: count,
      offTopShare,
      meanLogProbGap: meanGap,
      meanLogProb: count > 0 ? logSum / count : 0,
      z,
    },
  };
}
