// Evidence that accumulates (issue 15), on the real runtime: a Q8_0 copy of the registered F16 weights, which a
// single greedy audit rarely catches, is flagged within 10 covert audits by the per-audit checks and the
// sequential test together; an honest supplier on another build (F32 weights) is never flagged. Audits run
// through the harness (the gateway's audit code on the backend's answers); the long statistical runs are in
// `npm run bench:audit`.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "@aviary/protocol";
import type { Backend } from "@aviary/supplier";
import { ensureTestModel, testModelName } from "@aviary/test-models";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { auditRelayedOutput } from "../src/auditRelayedOutput.ts";
import { ReferenceModel } from "../src/ReferenceModel.ts";
import { SequentialEvidence } from "../src/SequentialEvidence.ts";
import {
  type AuditPrompt,
  DEFAULT_AUDIT_THRESHOLDS,
  drawAuditPrompt,
  requestLogprobs,
} from "../src/statistics/index.ts";
import { type AdversaryKind, createAdversaryBackend } from "./adversaries/createAdversaryBackend.ts";
import { generateExchange } from "./harness.ts";

const thresholds = DEFAULT_AUDIT_THRESHOLDS;
let directory: string;
let reference: ReferenceModel;
const backends = new Map<AdversaryKind, Backend>();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-audit-sequential-"));
  const registered = await ensureTestModel({ directory, preset: "tiny", seed: 42, type: "f16" });
  reference = await ReferenceModel.load({
    model: testModelName,
    path: registered.path,
    expectedSha256: registered.sha256,
  });
  for (const kind of ["honest", "other-build", "lower-precision"] as const) {
    const backend = await createAdversaryBackend(kind, directory);
    await backend.start();
    backends.set(kind, backend);
  }
});

afterAll(async () => {
  for (const backend of backends.values()) await backend.close();
  await reference?.close();
  await rm(directory, { recursive: true, force: true });
});

/** A covert audit as the gateway draws it, 30 % asking for logprobs (the supplier serves them). */
function drawPrompt(random: () => number): AuditPrompt {
  const prompt = drawAuditPrompt(random, { maxTokens: { min: 16, max: 48 } });
  return random() < 0.3 ? requestLogprobs(prompt) : prompt;
}

/** Audits `kind` until the first flag (a failed audit, or the sequential test); the audits it took, or null. */
async function auditsToFirstFlag(kind: AdversaryKind, random: () => number, limit: number) {
  const backend = backends.get(kind) as Backend;
  const tests = new SequentialEvidence();
  for (let index = 1; index <= limit; index++) {
    // Sampled with a relay's seed as a supplier node's embedded runtime samples, and replayed by the audit.
    const prompt = drawPrompt(random);
    const exchange = await generateExchange(backend, prompt, testModelName, Math.floor(random() * 2 ** 32));
    const audit = await auditRelayedOutput({ reference, ...exchange, thresholds });
    if (!audit.ok) throw new Error(audit.reason);
    const step = tests.add({
      supplier: kind,
      model: testModelName,
      weight: audit.evidence,
      relayKey: `0x${index}`,
      thresholds: thresholds.evidence,
    });
    if (!audit.verdict.passed || step.flagged)
      return { audits: index, check: audit.verdict.failed?.check ?? step.flagged?.check };
  }
  return { audits: null, statistic: tests.get(kind, testModelName)?.statistic ?? 0 };
}

describe("accumulated evidence", () => {
  test("test_lowerPrecisionCopy_flaggedWithin10CovertAudits", async () => {
    const random = seededRandom(15);
    const trials = [];
    for (let trial = 0; trial < 8; trial++)
      trials.push(await auditsToFirstFlag("lower-precision", random, 10));
    console.table(trials);
    expect(trials.filter((entry) => entry.audits !== null).length).toBeGreaterThanOrEqual(7);
  });

  test("test_otherRuntimeBuild_40Audits_neverFlagged", async () => {
    const result = await auditsToFirstFlag("other-build", seededRandom(16), 40);
    expect(result.audits).toBeNull();
    expect(result.statistic).toBeLessThan(thresholds.evidence.threshold / 2);
  });

  test("test_reportedLogprobs_honestMatch_q8Mismatch", async () => {
    const prompt = requestLogprobs({
      route: "chat/completions",
      body: {
        messages: [{ role: "user", content: "Explain how a hash table works." }],
        max_tokens: 32,
        temperature: 0,
      },
      stream: false,
    });
    const judge = async (kind: AdversaryKind, streamed: boolean) => {
      const exchange = await generateExchange(
        backends.get(kind) as Backend,
        streamed ? { ...prompt, body: { ...prompt.body, stream: true }, stream: true } : prompt,
        testModelName,
      );
      const audit = await auditRelayedOutput({ reference, ...exchange, thresholds });
      if (!audit.ok) throw new Error(audit.reason);
      return { audit, check: audit.verdict.checks.find((check) => check.check === "logprob-mismatch") };
    };
    for (const streamed of [false, true]) {
      const honest = await judge("honest", streamed);
      expect(honest.check, `streamed ${streamed}`).toMatchObject({ passed: true });
      expect(honest.audit.evidence.logProbTokens).toBeGreaterThanOrEqual(16);
      expect(honest.audit.evidence.logProbRms).toBeLessThan(0.001);
      const build = await judge("other-build", streamed);
      expect(build.check?.passed).toBe(true);
      const q8 = await judge("lower-precision", streamed);
      expect(q8.check?.passed).toBe(false);
      expect(q8.audit.evidence.logLikelihoodRatio).toBeGreaterThan(thresholds.evidence.threshold);
    }
  });
});
