// npm run bench:audit — what an integrity audit costs and what it catches, on the generated test model
// (tiny preset, F16 registered weights) and the embedded runtime.
//
// 1. Cost: the reference's scoring time against the generation it checks, per output length (16, 64, 256).
// 2. Detection: for each supplier kind (honest; honest on another build (F32 weights); another model; a Q8_0
//    copy; inflated units; cut outputs) a pool of audits drawn from the audit pool (streamed or not, greedy or
//    sampled; a share asking for `logprobs`) is generated and judged once, as the gateway judges a relayed
//    answer (no network: the relay adds the same fixed cost to users and audits). Trials then draw audits from
//    the pool in random order and run the per-audit verdict and the sequential test until the first flag:
//    audits to first flag, median and 95th percentile, and the share flagged within 10 audits.
// 3. False flags: every honest audit (same runtime, and another build) in order through the sequential test,
//    plus resampled sequences; and an F16 copy of F32 registered weights (the tolerance's cost in power).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "@aviary/protocol";
import { ensureTestModel, testModelName } from "@aviary/test-models";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { alignReportedLogprobs } from "../src/alignReportedLogprobs.ts";
import { auditRelayedOutput } from "../src/auditRelayedOutput.ts";
import { ReferenceModel } from "../src/ReferenceModel.ts";
import {
  type AuditPrompt,
  type AuditThresholds,
  DEFAULT_AUDIT_THRESHOLDS,
  drawAuditPrompt,
  requestLogprobs,
  resolveAuditThresholds,
  updateSequentialTest,
  weighAuditEvidence,
} from "../src/statistics/index.ts";
import {
  type AdversaryKind,
  adversaryKinds,
  createAdversaryBackend,
} from "../test/adversaries/createAdversaryBackend.ts";
import { type GeneratedExchange, generateExchange } from "../test/harness.ts";

const poolSize = Number(process.env.BENCH_AUDIT_N ?? 300);
const honestAudits = Number(process.env.BENCH_AUDIT_HONEST_N ?? 1000);
const trials = Number(process.env.BENCH_AUDIT_TRIALS ?? 1000);
const costOutputs = Number(process.env.BENCH_AUDIT_COST_N ?? 20);
const logprobShare = Number(process.env.BENCH_AUDIT_LOGPROB_SHARE ?? 0.3);
const maxTokens = { min: 16, max: Number(process.env.BENCH_AUDIT_MAX_TOKENS ?? 64) };
const trialLength = 200;

const quantile = (values: number[], q: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const percent = (part: number, whole: number) =>
  whole === 0 ? "–" : `${((100 * part) / whole).toFixed(1)}%`;

console.log("# bench:audit");
console.log(
  `node ${process.version}; test model tiny F16 (registered), embedded runtime, threads 1; pool prompts, max_tokens ${maxTokens.min}–${maxTokens.max}; ${poolSize} audits per cheating kind, ${honestAudits} per honest kind; ${(logprobShare * 100).toFixed(0)}% of audits ask for logprobs; ${trials} trials per kind`,
);

const directory = await mkdtemp(join(tmpdir(), "aviary-bench-audit-"));
const registered = await ensureTestModel({ directory, preset: "tiny", seed: 42, type: "f16" });
const reference = await ReferenceModel.load({
  model: testModelName,
  path: registered.path,
  expectedSha256: registered.sha256,
});

// 1. Cost per output length: greedy and sampled prompts with max_tokens fixed, the honest supplier.
console.log("\n## Cost of an audit (reference scoring) vs the generation it checks");
console.log(
  "| output tokens (max_tokens) | outputs | generation median | audit median (scoring, and the replay of sampled answers) | audit / generation (median of ratios) | total ratio |",
);
console.log("|---|---|---|---|---|---|");
{
  const backend = await createAdversaryBackend("honest", directory);
  await backend.start();
  for (const length of [16, 64, 256]) {
    const random = seededRandom(length);
    const generation: number[] = [];
    const scoring: number[] = [];
    const ratios: number[] = [];
    for (let index = 0; index < costOutputs; index++) {
      const prompt = drawAuditPrompt(random, { maxTokens: { min: length, max: length } });
      const relaySeed = Math.floor(random() * 2 ** 32);
      const exchange = await generateExchange(backend, prompt, testModelName, relaySeed);
      const audit = await auditRelayedOutput({
        reference,
        ...exchange,
        thresholds: DEFAULT_AUDIT_THRESHOLDS,
      });
      if (!audit.ok) throw new Error(audit.reason);
      generation.push(exchange.generationMs);
      scoring.push(audit.scoringMs);
      ratios.push(audit.scoringMs / exchange.generationMs);
    }
    console.log(
      `| ${length} | ${costOutputs} | ${quantile(generation, 0.5).toFixed(1)} ms | ${quantile(scoring, 0.5).toFixed(1)} ms | ${quantile(ratios, 0.5).toFixed(2)}× | ${(sum(scoring) / sum(generation)).toFixed(2)}× |`,
    );
  }
  await backend.close();
}

// What the runtime's API allows: one batched teacher-forced decode of prompt + output, reading nothing, the
// top 4 probabilities, or the whole distribution at every output position (node-llama-cpp makes one native
// call per position read), against generating the same tokens.
console.log(
  "\n## One batched teacher-forced pass: what each readout costs (node-llama-cpp, same greedy outputs)",
);
console.log(
  "| output tokens | generation | batched decode, no readout | + top-4 per position | + full distribution per position |",
);
console.log("|---|---|---|---|---|");
{
  const llama = await getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.error,
    progressLogs: false,
  });
  const model = await llama.loadModel({ modelPath: registered.path, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 });
  const sequence = context.getSequence();
  const prompt = model.tokenize(
    "Explain the water cycle in simple terms, with one example.",
    false,
  ) as Token[];
  type Readout = {
    generateNext: {
      probabilities: true;
      options?: { temperature: number; topK: number; topP: number; minP: number };
    };
  };
  const pass = async (tokens: Token[], readout: Readout | null) => {
    await sequence.clearHistory();
    const started = performance.now();
    await sequence.controlledEvaluate(
      tokens.map((token, index) =>
        readout && index >= prompt.length - 1 ? ([token, readout] as [Token, Readout]) : token,
      ),
    );
    return performance.now() - started;
  };
  for (const length of [16, 64, 256]) {
    const rows = {
      generation: [] as number[],
      none: [] as number[],
      top4: [] as number[],
      full: [] as number[],
    };
    for (let round = 0; round < 5; round++) {
      await sequence.clearHistory();
      const started = performance.now();
      const output: Token[] = [];
      for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
        output.push(token);
        if (output.length >= length) break;
      }
      rows.generation.push(performance.now() - started);
      const tokens = [...prompt, ...output];
      rows.none.push(await pass(tokens, null));
      rows.top4.push(
        await pass(tokens, {
          generateNext: { probabilities: true, options: { temperature: 1, topK: 4, topP: 1, minP: 0 } },
        }),
      );
      rows.full.push(await pass(tokens, { generateNext: { probabilities: true } }));
    }
    const generation = quantile(rows.generation, 0.5);
    const cell = (values: number[]) =>
      `${quantile(values, 0.5).toFixed(1)} ms (${(quantile(values, 0.5) / generation).toFixed(2)}×)`;
    console.log(
      `| ${length} | ${generation.toFixed(1)} ms | ${cell(rows.none)} | ${cell(rows.top4)} | ${cell(rows.full)} |`,
    );
  }
  await context.dispose();
  await model.dispose();
}

// 2. Pools of judged audits per kind.
type Judged = {
  passed: boolean;
  check: string | null;
  greedy: boolean;
  logprobs: boolean;
  positions: Parameters<typeof weighAuditEvidence>[0]["positions"];
  sampling: Parameters<typeof weighAuditEvidence>[0]["sampling"];
  reported: (number | null)[] | undefined;
  /** The seeded replay of a sampled answer: positions checked, and those that diverged (null: greedy). */
  replay: { comparedTokens: number; divergences: number } | null;
};
type Pool = { kind: AdversaryKind | "f16-copy-of-f32"; judged: Judged[]; exchanges: GeneratedExchange[] };

const judge = async (model: ReferenceModel, exchange: GeneratedExchange, logprobs: boolean) => {
  const audit = await auditRelayedOutput({
    reference: model,
    ...exchange,
    thresholds: DEFAULT_AUDIT_THRESHOLDS,
  });
  if (!audit.ok) throw new Error(audit.reason);
  const greedy = audit.request.temperature === 0;
  return {
    passed: audit.verdict.passed,
    check: audit.verdict.failed?.check ?? null,
    greedy,
    logprobs,
    positions: audit.scored.positions,
    sampling: {
      temperature: audit.request.temperature,
      topP: audit.request.topP,
      maxTokens: audit.request.maxTokens,
    },
    reported: audit.output.logprobs
      ? alignReportedLogprobs(audit.scored.tokenBytes, audit.output.logprobs)
      : undefined,
    replay: audit.replay,
  } satisfies Judged;
};

const pools: Pool[] = [];
// Each audit's relay seed: what a supplier node's embedded runtime samples with when the body names no seed
// (`relaySamplingSeed` of the relay key; here drawn directly, the harness has no relay).
const prompts: { prompt: AuditPrompt; logprobs: boolean; relaySeed: number }[] = [];
{
  const random = seededRandom(7);
  for (let index = 0; index < Math.max(poolSize, honestAudits); index++) {
    const drawn = drawAuditPrompt(random, { maxTokens });
    const logprobs = random() < logprobShare;
    const relaySeed = Math.floor(random() * 2 ** 32);
    prompts.push({ prompt: logprobs ? requestLogprobs(drawn) : drawn, logprobs, relaySeed });
  }
}

const started = performance.now();
for (const kind of adversaryKinds) {
  const backend = await createAdversaryBackend(kind, directory);
  await backend.start();
  const count = kind === "honest" || kind === "other-build" ? honestAudits : poolSize;
  const pool: Pool = { kind, judged: [], exchanges: [] };
  for (const entry of prompts.slice(0, count)) {
    const exchange = await generateExchange(backend, entry.prompt, testModelName, entry.relaySeed);
    pool.judged.push(await judge(reference, exchange, entry.logprobs));
    if (kind === "honest") pool.exchanges.push(exchange);
  }
  await backend.close();
  pools.push(pool);
  process.stdout.write(
    `  ${kind}: ${count} audits judged (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
  );
}
await reference.close();
// The F16 copy: registered F32 weights, the honest F16 supplier's outputs judged by an F32 reference.
{
  const f32 = await ensureTestModel({ directory, preset: "tiny", seed: 42, type: "f32" });
  const f32Reference = await ReferenceModel.load({
    model: testModelName,
    path: f32.path,
    expectedSha256: f32.sha256,
  });
  const honest = pools.find((pool) => pool.kind === "honest") as Pool;
  const pool: Pool = { kind: "f16-copy-of-f32", judged: [], exchanges: [] };
  for (const [index, exchange] of honest.exchanges.slice(0, poolSize).entries()) {
    const entry = prompts[index] as (typeof prompts)[number];
    pool.judged.push(await judge(f32Reference, exchange, entry.logprobs));
  }
  await f32Reference.close();
  pools.push(pool);
}
await rm(directory, { recursive: true, force: true });

const weight = (
  audit: Judged,
  thresholds: AuditThresholds["evidence"],
  withLogprobs = true,
  withReplay = true,
) =>
  weighAuditEvidence({
    positions: audit.positions,
    sampling: audit.sampling,
    ...(withLogprobs && audit.reported ? { reportedLogProbs: audit.reported } : {}),
    ...(withReplay && audit.replay ? { replay: audit.replay } : {}),
    thresholds,
  }).logLikelihoodRatio;

/** Audits to the first flag of a trial: audits drawn from the pool at random, `null` if none in `trialLength`. */
const trial = (
  judged: readonly Judged[],
  weights: readonly number[],
  random: () => number,
  threshold: number,
  { verdicts = true, logprobs = true } = {},
) => {
  let statistic = 0;
  for (let audit = 1; audit <= trialLength; audit++) {
    let index = Math.floor(random() * judged.length);
    // Without logprobs: a supplier that does not serve them (its audits never ask).
    while (!logprobs && judged[index]?.logprobs) index = Math.floor(random() * judged.length);
    const entry = judged[index] as Judged;
    if (verdicts && !entry.passed) return audit;
    const step = updateSequentialTest({ statistic, increment: weights[index] as number, threshold });
    if (step.flagged) return audit;
    statistic = step.statistic;
  }
  return null;
};
const summarize = (firsts: (number | null)[]) => {
  const flagged = firsts.filter((first): first is number => first !== null);
  const within10 = flagged.filter((first) => first <= 10).length;
  const padded = firsts.map((first) => first ?? Number.POSITIVE_INFINITY);
  const show = (value: number) => (Number.isFinite(value) ? String(value) : `>${trialLength}`);
  return `${show(quantile(padded, 0.5))} | ${show(quantile(padded, 0.95))} | ${percent(within10, firsts.length)}`;
};

const evidence = DEFAULT_AUDIT_THRESHOLDS.evidence;
console.log(
  `\n## Detection (audits to first flag over ${trials} trials; sequential test: runtime noise ${evidence.alternativeNoise} vs ${evidence.nullNoise} nats, replay divergence ${evidence.replayAlternativeRate} vs ${evidence.replayNullRate} per token, threshold ${evidence.threshold}, per position at most ${evidence.maxPositionWeight})`,
);
console.log(
  "| supplier | pool | per-audit flags in pool | greedy audits flipping a token | replayed sampled tokens that diverged | any flag (with logprobs): median / p95 / ≤10 | sequential only (with logprobs): median / p95 / ≤10 | any flag, no logprobs served: median / p95 / ≤10 | the same without replay (the baseline): median / p95 / ≤10 |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const pool of pools) {
  const weights = pool.judged.map((audit) => weight(audit, evidence));
  const noLogprobWeights = pool.judged.map((audit) => weight(audit, evidence, false));
  const noReplayWeights = pool.judged.map((audit) => weight(audit, evidence, false, false));
  const replayed = pool.judged.filter((audit) => audit.replay);
  const replayedTokens = sum(replayed.map((audit) => audit.replay?.comparedTokens ?? 0));
  const diverged = sum(replayed.map((audit) => audit.replay?.divergences ?? 0));
  const flips = pool.judged.filter(
    (audit) => audit.greedy && audit.positions.some((position) => position.logProb < position.topLogProb),
  ).length;
  const greedy = pool.judged.filter((audit) => audit.greedy).length;
  const failed = pool.judged.filter((audit) => !audit.passed);
  const checks = new Map<string, number>();
  for (const audit of failed) checks.set(audit.check ?? "?", (checks.get(audit.check ?? "?") ?? 0) + 1);
  const runWithout = (weights: number[]) => run(weights, { logprobs: false });
  const run = (weights: number[], options: { verdicts?: boolean; logprobs?: boolean }) => {
    const random = seededRandom(99);
    return summarize(
      Array.from({ length: trials }, () => trial(pool.judged, weights, random, evidence.threshold, options)),
    );
  };
  console.log(
    `| ${pool.kind} | ${pool.judged.length} | ${failed.length} (${[...checks].map(([check, count]) => `${check} ${count}`).join(", ") || "–"}) | ${flips}/${greedy} | ${diverged}/${replayedTokens} (${percent(diverged, replayedTokens)}; ${replayed.length} audits) | ${run(weights, {})} | ${run(weights, { verdicts: false })} | ${run(noLogprobWeights, { logprobs: false })} | ${runWithout(noReplayWeights)} |`,
  );
}

// 3. False flags of honest suppliers: every audit in order, then resampled sequences.
console.log("\n## Honest suppliers: false flags");
console.log(
  "| supplier | audits in order: per-audit flags | sequential flags | highest statistic (nats) | resampled audits | sequential flags there |",
);
console.log("|---|---|---|---|---|---|");
for (const kind of ["honest", "other-build", "f16-copy-of-f32"] as const) {
  const pool = pools.find((entry) => entry.kind === kind);
  if (!pool) continue;
  const weights = pool.judged.map((audit) => weight(audit, evidence));
  let statistic = 0;
  let highest = 0;
  let flags = 0;
  for (const increment of weights) {
    const step = updateSequentialTest({ statistic, increment, threshold: evidence.threshold });
    highest = Math.max(highest, step.reached);
    if (step.flagged) flags++;
    statistic = step.statistic;
  }
  const random = seededRandom(5);
  const resampled = 100 * pool.judged.length;
  let resampledFlags = 0;
  statistic = 0;
  for (let audit = 0; audit < resampled; audit++) {
    const step = updateSequentialTest({
      statistic,
      increment: weights[Math.floor(random() * weights.length)] as number,
      threshold: evidence.threshold,
    });
    if (step.flagged) resampledFlags++;
    statistic = step.statistic;
  }
  const perAudit = pool.judged.filter((audit) => !audit.passed).length;
  console.log(
    `| ${kind} | ${pool.judged.length}: ${perAudit} | ${flags} | ${highest.toFixed(2)} | ${resampled} | ${resampledFlags} |`,
  );
}

// What the tolerance costs: detection of the Q8_0 copy and false flags of the other build by `nullNoise`.
console.log("\n## The tolerance (nullNoise) against power (sequential test only, logprobs served)");
console.log(
  "| nullNoise | Q8_0 copy: median / p95 / ≤10 | other build: highest statistic over its audits in order | F16 copy of F32: median / p95 / ≤10 |",
);
console.log("|---|---|---|---|");
for (const nullNoise of [0.002, 0.005, 0.01, 0.02]) {
  const thresholds = resolveAuditThresholds({ evidence: { nullNoise } }).evidence;
  const row = [String(nullNoise)];
  for (const kind of ["lower-precision", "other-build", "f16-copy-of-f32"] as const) {
    const pool = pools.find((entry) => entry.kind === kind) as Pool;
    const weights = pool.judged.map((audit) => weight(audit, thresholds));
    if (kind === "other-build") {
      let statistic = 0;
      let highest = 0;
      for (const increment of weights) {
        const step = updateSequentialTest({ statistic, increment, threshold: Number.POSITIVE_INFINITY });
        highest = Math.max(highest, step.reached);
        statistic = step.statistic;
      }
      row.push(`${highest.toFixed(1)} (threshold ${thresholds.threshold})`);
      continue;
    }
    const random = seededRandom(11);
    row.push(
      summarize(
        Array.from({ length: trials }, () =>
          trial(pool.judged, weights, random, thresholds.threshold, { verdicts: false }),
        ),
      ).replaceAll(" | ", " / "),
    );
  }
  console.log(`| ${row.join(" | ")} |`);
}

// What the threshold costs: detection without logprobs (a cheater can decline to serve them) against the
// honest kinds' false flags over resampled audit sequences, per threshold.
console.log("\n## The threshold against power and false flags (sequential test only)");
console.log(
  "| threshold | e^threshold | Q8_0 copy, no logprobs served: median / p95 / ≤10 | Q8_0 copy, logprobs served: median / p95 / ≤10 | honest + other build: sequential flags in resampled audits |",
);
console.log("|---|---|---|---|---|");
for (const threshold of [6, 8, 10, 12, 14]) {
  const thresholds = resolveAuditThresholds({ evidence: { threshold } }).evidence;
  const copy = pools.find((entry) => entry.kind === "lower-precision") as Pool;
  const withoutLogprobs = copy.judged.map((audit) => weight(audit, thresholds, false));
  const withLogprobs = copy.judged.map((audit) => weight(audit, thresholds));
  const detect = (weights: number[], logprobs: boolean) => {
    const random = seededRandom(13);
    return summarize(
      Array.from({ length: trials }, () =>
        trial(copy.judged, weights, random, threshold, { verdicts: false, logprobs }),
      ),
    ).replaceAll(" | ", " / ");
  };
  let falseFlags = 0;
  let honestAuditsResampled = 0;
  for (const kind of ["honest", "other-build"] as const) {
    const pool = pools.find((entry) => entry.kind === kind);
    if (!pool) continue;
    const weights = pool.judged.map((audit) => weight(audit, thresholds));
    const random = seededRandom(17);
    let statistic = 0;
    for (let audit = 0; audit < 100 * pool.judged.length; audit++) {
      const step = updateSequentialTest({
        statistic,
        increment: weights[Math.floor(random() * weights.length)] as number,
        threshold,
      });
      if (step.flagged) falseFlags++;
      statistic = step.statistic;
    }
    honestAuditsResampled += 100 * pool.judged.length;
  }
  console.log(
    `| ${threshold} | ${Math.exp(threshold).toExponential(1)} | ${detect(withoutLogprobs, false)} | ${detect(withLogprobs, true)} | ${falseFlags} in ${honestAuditsResampled} |`,
  );
}
