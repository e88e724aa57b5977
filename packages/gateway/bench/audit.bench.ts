// npm run bench:audit — what an integrity audit costs and what it catches, on the generated test model
// (tiny preset, F16 registered weights) and the embedded runtime, 2 cores shared.
//
// For each supplier kind (honest; (a) another model; (b) a Q8_0 copy; (c) inflated units; (d) cut outputs)
// the supplier's backend answers audit prompts drawn from the pool (streamed or not, greedy or sampled), and
// the gateway's audit code judges each answer as it judges a relayed one (no network: the relay path adds the
// same fixed cost to users and audits). Reported: the reference scoring time against the generation it checks,
// the share of audits flagged, the audits until the first flag, and (sampled audits) the two-sample test.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_AUDIT_THRESHOLDS, drawAuditPrompt, seededRandom } from "@aviary/protocol";
import { ensureTestModel, testModelName } from "../../supplier/src/testModel/writeTestModelGguf.ts";
import { auditRelayedOutput } from "../src/audit/auditRelayedOutput.ts";
import { DistributionWindows } from "../src/audit/DistributionWindows.ts";
import { ReferenceModel } from "../src/audit/ReferenceModel.ts";
import { referenceSampleZ } from "../src/audit/referenceSampleZ.ts";
import {
  type AdversaryKind,
  adversaryKinds,
  createAdversaryBackend,
} from "../test/audit/adversaries/createAdversaryBackend.ts";
import { generateExchange } from "../test/audit/harness.ts";

const audits = Number(process.env.BENCH_AUDIT_N ?? 200);
const honestAudits = Number(process.env.BENCH_AUDIT_HONEST_N ?? 500);
const maxTokens = { min: 16, max: Number(process.env.BENCH_AUDIT_MAX_TOKENS ?? 64) };

const median = (values: number[]) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const percent = (part: number, whole: number) =>
  whole === 0 ? "–" : `${((100 * part) / whole).toFixed(1)}%`;
const quantile = (values: number[], q: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};

console.log("# bench:audit");
console.log(
  `node ${process.version}; test model tiny F16 (registered), embedded runtime, threads 1; audit prompts: pool, max_tokens ${maxTokens.min}–${maxTokens.max}; ${audits} audits per cheating kind, ${honestAudits} honest`,
);

const directory = await mkdtemp(join(tmpdir(), "aviary-bench-audit-"));
const registered = await ensureTestModel({ directory, preset: "tiny", seed: 42, type: "f16" });
const reference = await ReferenceModel.load({
  model: testModelName,
  path: registered.path,
  expectedSha256: registered.sha256,
});

type Row = {
  kind: AdversaryKind;
  audits: number;
  flagged: number;
  firstFlag: number | null;
  greedy: { audits: number; flagged: number };
  sampled: { audits: number; flagged: number; z: number[] };
  checks: Map<string, number>;
  generationMs: number[];
  scoringMs: number[];
  greedyRatio: number[];
  sampledRatio: number[];
  distribution: { tests: number; firstFlag: number | null; flags: number };
};

const rows: Row[] = [];
for (const kind of adversaryKinds) {
  const backend = await createAdversaryBackend(kind, directory);
  await backend.start();
  const count = kind === "honest" ? honestAudits : audits;
  const random = seededRandom(7);
  const windows = new DistributionWindows();
  const row: Row = {
    kind,
    audits: 0,
    flagged: 0,
    firstFlag: null,
    greedy: { audits: 0, flagged: 0 },
    sampled: { audits: 0, flagged: 0, z: [] },
    checks: new Map(),
    generationMs: [],
    scoringMs: [],
    greedyRatio: [],
    sampledRatio: [],
    distribution: { tests: 0, firstFlag: null, flags: 0 },
  };
  let sampledIndex = 0;
  for (let index = 0; index < count; index++) {
    const prompt = drawAuditPrompt(random, { maxTokens });
    const exchange = await generateExchange(backend, prompt, testModelName);
    const audit = await auditRelayedOutput({ reference, ...exchange, thresholds: DEFAULT_AUDIT_THRESHOLDS });
    if (!audit.ok) throw new Error(audit.reason);
    const { verdict } = audit;
    row.audits++;
    row.generationMs.push(exchange.generationMs);
    row.scoringMs.push(audit.scoringMs);
    const greedy = verdict.metrics.mode === "greedy";
    (greedy ? row.greedyRatio : row.sampledRatio).push(audit.scoringMs / exchange.generationMs);
    const bucket = greedy ? row.greedy : row.sampled;
    bucket.audits++;
    if (!verdict.passed) {
      row.flagged++;
      bucket.flagged++;
      row.firstFlag ??= index + 1;
      const check = verdict.failed?.check ?? "?";
      row.checks.set(check, (row.checks.get(check) ?? 0) + 1);
    }
    if (!greedy) {
      row.sampled.z.push(verdict.metrics.z ?? 0);
      sampledIndex++;
      // The two-sample test on every sampled audit (a reference sample each).
      const referenceZ = await referenceSampleZ({
        reference,
        request: audit.request,
        thresholds: DEFAULT_AUDIT_THRESHOLDS,
        seed: index,
      });
      const test = windows.add(
        kind,
        { supplier: verdict.metrics.z ?? 0, reference: referenceZ },
        DEFAULT_AUDIT_THRESHOLDS.distribution,
      );
      if (test) row.distribution.tests++;
      if (test?.flagged) {
        row.distribution.flags++;
        row.distribution.firstFlag ??= sampledIndex;
      }
    }
  }
  await backend.close();
  rows.push(row);
  process.stdout.write(`  ${kind}: ${row.audits} audits done\n`);
}
await reference.close();
await rm(directory, { recursive: true, force: true });

console.log(
  "\n## Cost of an audit (reference scoring) vs the generation it checks, same runtime, same tokens",
);
console.log(
  "| supplier | generation median | scoring median | scoring/generation (median) greedy | sampled |",
);
console.log("|---|---|---|---|---|");
for (const row of rows) {
  console.log(
    `| ${row.kind} | ${median(row.generationMs).toFixed(1)} ms | ${median(row.scoringMs).toFixed(1)} ms | ${median(row.greedyRatio).toFixed(2)}× | ${median(row.sampledRatio).toFixed(2)}× |`,
  );
}
const honest = rows.find((row) => row.kind === "honest");
if (honest) {
  console.log(
    `Honest totals: ${sum(honest.generationMs).toFixed(0)} ms generating, ${sum(honest.scoringMs).toFixed(0)} ms scoring: ${(sum(honest.scoringMs) / sum(honest.generationMs)).toFixed(2)}× (two-sample reference samples not included: one more generation + scoring per sampled audit).`,
  );
}

console.log("\n## Detection (per audit, default thresholds)");
console.log(
  "| supplier | audits | flagged | audits to first flag | greedy flagged | sampled flagged | checks that fired | sampled z p1 / p50 | two-sample: tests, flags, sampled audits to first |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const row of rows) {
  const checks = [...row.checks].map(([check, count]) => `${check} ${count}`).join(", ") || "–";
  console.log(
    `| ${row.kind} | ${row.audits} | ${row.flagged} (${percent(row.flagged, row.audits)}) | ${row.firstFlag ?? "never"} | ${row.greedy.flagged}/${row.greedy.audits} (${percent(row.greedy.flagged, row.greedy.audits)}) | ${row.sampled.flagged}/${row.sampled.audits} (${percent(row.sampled.flagged, row.sampled.audits)}) | ${checks} | ${quantile(row.sampled.z, 0.01).toFixed(1)} / ${quantile(row.sampled.z, 0.5).toFixed(1)} | ${row.distribution.tests}, ${row.distribution.flags}, ${row.distribution.firstFlag ?? "never"} |`,
  );
}
if (honest) {
  console.log(
    `\nFalse-positive rate (honest): ${honest.flagged}/${honest.audits} audits = ${percent(honest.flagged, honest.audits)}; two-sample flags: ${honest.distribution.flags}.`,
  );
}
