import { z } from "zod";

/**
 * The thresholds of a reference audit (`judgeAudit` of `@aviary/audit`), per audited model: the schema of
 * `audit.models[].thresholds` in the gateway's configuration, here so that the whole file is validated when it
 * is read. Every field has a default; a configuration overrides any subset (`resolveAuditThresholds`).
 *
 * The defaults were calibrated on the project's generated test model (random weights, 912-token vocabulary)
 * against honest suppliers on the same runtime and against the adversaries of the integrity tests; they follow
 * the spirit of Bittensor subnet 19's checks (see `docs/integrity.md` for the measured rates).
 */
export const auditThresholdsSchema = z
  .object({
    /** Greedy audits (`temperature: 0`): an honest supplier serves the reference's argmax at every position. */
    greedy: z
      .object({
        /**
         * Largest share of output tokens that are not the reference's top choice (beyond `tieLogProb`). Default
         * 0: on the same runtime an honest greedy output replays exactly (0 off-top tokens in every honest audit
         * measured); raise it when suppliers run other runtimes whose numerics differ more.
         */
        maxOffTopShare: z.number().min(0).max(1).default(0),
        /** Off-top tokens within this many nats of the top are ties (numerical noise), not counted. Default 0.02. */
        tieLogProb: z.number().min(0).default(0.02),
        /** Largest mean of `ln p(top) − ln p(served)` over the output, nats. Default 0.1. */
        maxMeanLogProbGap: z.number().min(0).default(0.1),
        /** Any served token with `ln p` below this is implausible. Default −15 (subnet 19). */
        minLogProb: z.number().max(0).default(-15),
        /** Any served token ranked beyond this is implausible. Default 1000 (subnet 19). */
        maxRank: z.number().int().min(1).default(1000),
      })
      .strict()
      .default({
        maxOffTopShare: 0,
        tieLogProb: 0.02,
        maxMeanLogProbGap: 0.1,
        minLogProb: -15,
        maxRank: 1000,
      }),
    /** Sampled audits (`temperature > 0`), judged against the sampler's distribution `q ∝ p^(1/T)`. */
    sampled: z
      .object({
        /**
         * Fail when `z = Σ max(ln p(tᵢ) − E_q[ln p], −maxTokenDeviation·σᵢ) / √Σ σᵢ²`, with `σᵢ² = max(Var_q[ln p], varianceFloor)`, is below this: the output
         * is far less likely under the reference than the sampler's own draws. Default −12 (honest outputs of
         * the test model stayed above −5.3 in every run measured; a different model's median is −32).
         */
        minZ: z.number().max(0).default(-12),
        /**
         * Per-token variance floor, nats², of the z-score. The gateway sees text, not token ids, and rebuilds
         * the tokens; where the text has several tokenizations the rebuilt one can differ from the sampled one
         * by about a nat, which a near-greedy sampler's tiny variance would blow up. Default 1.
         */
        varianceFloor: z.number().min(0).default(1),
        /**
         * Most one token may pull the z-score's sum below its expectation, in that token's standard deviations
         * (its variance floored as above). A rebuilt tokenization can put a token the runtime never drew into an
         * honest output; unclipped, one such token took an honest audit to z = −16.5 (honest.test.ts, once in
         * a few thousand sampled audits). Another model is far off on many tokens and stays caught. Default 6.
         */
        maxTokenDeviation: z.number().positive().default(6),
        /**
         * Any token whose tail mass under `q` (the q-probability of drawing a token no likelier than it) is
         * below this is implausible: an honest sampler does that with at most this probability (per token, more
         * where the rebuilt tokenization differs). Default 1e-12.
         */
        minTailMass: z.number().min(0).max(1).default(1e-12),
        /**
         * Tokens outside the `top_p` nucleus (computed generously) allowed; `null` disables the check (the
         * default: a rebuilt tokenization may pass through tokens the sampler never drew).
         */
        maxOutsideNucleus: z.number().int().min(0).nullable().default(null),
        /** With `finish_reason: "length"`, fail when fewer tokens than `(1 − slack) · max_tokens` make the text. Default 0.4. */
        lengthSlack: z.number().min(0).max(1).default(0.4),
        /** Stopping (or continuing) is implausible when the sampler would have done so with less than this probability. Default 1e-6. */
        minStopProbability: z.number().min(0).max(1).default(1e-6),
      })
      .strict()
      .default({
        minZ: -12,
        varianceFloor: 1,
        maxTokenDeviation: 6,
        minTailMass: 1e-12,
        maxOutsideNucleus: null,
        lengthSlack: 0.4,
        minStopProbability: 1e-6,
      }),
    /**
     * Greedy stopping: a stop is premature when the reference's top choice there was at least `ratio` times
     * likelier than stopping; continuing is wrong when stopping was at least `ratio` times likelier than the
     * served token. Default 50 (subnet 19).
     */
    stopRatio: z.number().min(1).default(50),
    /**
     * Phrase repetition, checked on sampled audits at or above `minTemperature` (greedy loops are the model's
     * own). Off by default: the generated test model loops by itself (an honest 256-token sample repeated an
     * 8-token phrase 43 times); subnet 19's setting for real chat models is `{ ngram: 4, maxRepeats: 3 }`.
     */
    repetition: z
      .object({
        /** Phrase length in tokens. Default 4. */
        ngram: z.number().int().min(1).default(4),
        /** Most occurrences of one phrase; null: the check is off (default). */
        maxRepeats: z.number().int().min(1).nullable().default(null),
        /** Default 0.7. */
        minTemperature: z.number().min(0).default(0.7),
      })
      .strict()
      .default({ ngram: 4, maxRepeats: null, minTemperature: 0.7 }),
    /** The two-sample test of sampled outputs against reference samples (per supplier and model). */
    distribution: z
      .object({
        /** Most recent samples kept on each side. Default 40. */
        window: z.number().int().min(2).default(40),
        /** No verdict before this many samples on each side. Default 12. */
        minSamples: z.number().int().min(2).default(12),
        /** One-sided Mann–Whitney p-value below which the supplier is flagged. Default 1e-5. */
        alpha: z.number().min(0).max(1).default(1e-5),
      })
      .strict()
      .default({ window: 40, minSamples: 12, alpha: 1e-5 }),
    /**
     * The sequential test that accumulates evidence across a supplier's covert audits (`weighAuditEvidence`,
     * `updateSequentialTest`): a CUSUM of log-likelihood ratios of "runtime noise `alternativeNoise`" against
     * "runtime noise `nullNoise`" (standard deviations per logit, nats).
     */
    evidence: z
      .object({
        /**
         * Runtime noise an honest supplier may have (another build, other kernels, F32 against F16 weights).
         * Default 0.005: 3× what F32 weights give against the test model's F16 ones (0.0015 RMS, 0.0067 at
         * most); a copy within it is not told apart (the tolerance's cost in power).
         */
        nullNoise: z.number().positive().default(0.005),
        /** The noise the test is tuned to detect. Default 0.03 (a Q8_0 copy of the test model: 0.037 RMS). */
        alternativeNoise: z.number().positive().default(0.03),
        /** Flag when the statistic reaches this, nats: e^threshold audits expected before a false flag. Default 14. */
        threshold: z.number().positive().default(14),
        /** Most evidence one position may add, nats (one odd token cannot flag alone). Default 8. */
        maxPositionWeight: z.number().positive().default(8),
        /**
         * Seeded replay of sampled answers (suppliers on the embedded runtime): the share of replayed positions at
         * which an honest supplier's token may differ from the one its sampler picks from the reference's
         * distribution with that position's draw. Default 0.03: the tolerance of `nullNoise` (σ 0.005) on the
         * test model, from a rate ∝ σ^0.86 fitted to F32 weights against its F16 ones (σ 0.0015: 0.0087 per
         * position) and a Q8_0 copy (σ 0.037: 0.139), 0.025 at σ 0.005, rounded up (`bench:audit`).
         */
        replayNullRate: z.number().gt(0).lt(1).default(0.03),
        /** The rate the replay term is tuned to detect. Default 0.11 (a Q8_0 copy of the test model: 0.139). */
        replayAlternativeRate: z.number().gt(0).lt(1).default(0.11),
      })
      .strict()
      .refine((value) => value.alternativeNoise > value.nullNoise, "alternativeNoise must exceed nullNoise")
      .refine(
        (value) => value.replayAlternativeRate > value.replayNullRate,
        "replayAlternativeRate must exceed replayNullRate",
      )
      .default({
        nullNoise: 0.005,
        alternativeNoise: 0.03,
        threshold: 14,
        maxPositionWeight: 8,
        replayNullRate: 0.03,
        replayAlternativeRate: 0.11,
      }),
    /** Reported log-probabilities (audits that ask for `logprobs`), compared token by token with the reference's. */
    logprobs: z
      .object({
        /**
         * Fail an audit when the root mean square of reported − reference log-probability exceeds this, nats.
         * Default 0.015: 10× an F32 runtime against F16 weights (0.0015); a Q8_0 copy gives 0.03–0.04.
         */
        maxRms: z.number().positive().default(0.015),
        /** Compare only outputs with at least this many comparable tokens. Default 4. */
        minTokens: z.number().int().min(1).default(4),
      })
      .strict()
      .default({ maxRms: 0.015, minTokens: 4 }),
  })
  .strict();

/** Resolved thresholds (every field present). */
export type AuditThresholds = z.output<typeof auditThresholdsSchema>;
/** Overrides, as written in a configuration: any subset, nested. */
export type AuditThresholdsInput = z.input<typeof auditThresholdsSchema>;
