// 500 audits of an honest supplier through the audit machinery: the supplier's real runtime (the embedded
// backend on the registered F16 test model) answers prompts drawn from the audit pool, streamed or not, and
// the gateway's audit code (`auditRelayedOutput`, the two-sample test) judges every answer exactly as it
// judges a relayed one. Relaying all 500 through anvil and the nodes would take minutes for nothing more:
// the network test relays 20 honest audits end to end.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RelayedExchange } from "@aviary/gateway";
import { samplerSeed, seededRandom } from "@aviary/protocol";
import type { Backend } from "@aviary/supplier";
import { ensureTestModel, testModelName } from "@aviary/test-models";
import { keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { auditRelayedOutput } from "../src/auditRelayedOutput.ts";
import { checkRelayBilling } from "../src/checkRelayBilling.ts";
import { DistributionWindows } from "../src/DistributionWindows.ts";
import { ReferenceModelDigestMismatchError, ReferenceModelLoadError } from "../src/errors.ts";
import { ReferenceModel } from "../src/ReferenceModel.ts";
import { referenceSampleZ } from "../src/referenceSampleZ.ts";
import { DEFAULT_AUDIT_THRESHOLDS, drawAuditPrompt } from "../src/statistics/index.ts";
import { createAdversaryBackend } from "./adversaries/createAdversaryBackend.ts";
import { generateExchange } from "./harness.ts";

const honestAudits = Number(process.env.AVIARY_HONEST_AUDITS ?? 500);

let directory: string;
let registered: Awaited<ReturnType<typeof ensureTestModel>>;
let reference: ReferenceModel;
let honest: Backend;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-audit-honest-"));
  registered = await ensureTestModel({ directory, preset: "tiny", seed: 42, type: "f16" });
  reference = await ReferenceModel.load({
    model: testModelName,
    path: registered.path,
    expectedSha256: registered.sha256,
  });
  honest = await createAdversaryBackend("honest", directory);
  await honest.start();
});

afterAll(async () => {
  await honest?.close();
  await reference?.close();
  await rm(directory, { recursive: true, force: true });
});

describe("honest supplier", () => {
  test(`test_honestSupplier_${honestAudits}Audits_neverFlagged`, async () => {
    const random = seededRandom(2024);
    const windows = new DistributionWindows();
    const failures: string[] = [];
    let greedy = 0;
    let streamed = 0;
    let distributionTests = 0;
    let lowestP = 1;
    let lowestZ = 0;
    let replayed = 0;
    for (let index = 0; index < honestAudits; index++) {
      const prompt = drawAuditPrompt(random, { maxTokens: { min: 12, max: 32 } });
      // Sampled as a supplier node's embedded runtime samples a relay: with the relay's seed, unless the body
      // names one; the audit replays it.
      const relaySeed = Math.floor(random() * 2 ** 32);
      const bodySeed = (prompt.body as { seed?: number }).seed;
      const exchange = await generateExchange(honest, prompt, testModelName, relaySeed);
      const audit = await auditRelayedOutput({
        reference,
        ...exchange,
        thresholds: DEFAULT_AUDIT_THRESHOLDS,
        replaySeed: bodySeed === undefined ? relaySeed : samplerSeed(bodySeed),
      });
      if (!audit.ok) throw new Error(audit.reason);
      if (!audit.verdict.passed)
        failures.push(`#${index}: ${audit.verdict.failed?.check} ${audit.verdict.failed?.detail}`);
      // Same runtime, same weights, same seed: the replay gives the same text, token for token.
      if (audit.replay) {
        replayed++;
        if (audit.replay.diverged)
          failures.push(`#${index}: the replay diverged at token ${audit.replay.comparedTokens}`);
        if (audit.evidence.logLikelihoodRatio > 0)
          failures.push(`#${index}: an identical replay weighed ${audit.evidence.logLikelihoodRatio} nats`);
      }
      // The prompt recount is exact: what the supplier's runtime evaluated, token for token.
      const input = audit.verdict.checks.find((check) => check.check === "billing-input");
      if (input?.value !== input?.limit)
        failures.push(`#${index}: prompt recount ${input?.limit} ≠ ${input?.value}`);
      if (prompt.stream) streamed++;
      if (audit.verdict.metrics.z === null) {
        greedy++;
        continue;
      }
      lowestZ = Math.min(lowestZ, audit.verdict.metrics.z);
      // The two-sample test, as the gateway runs it, every fourth sampled audit (the reference sample costs a
      // generation and a scoring).
      if (index % 4 !== 0) continue;
      const referenceZ = await referenceSampleZ({
        reference,
        request: audit.request,
        thresholds: DEFAULT_AUDIT_THRESHOLDS,
        seed: index,
      });
      const result = windows.add(
        "honest",
        { supplier: audit.verdict.metrics.z, reference: referenceZ },
        {
          ...DEFAULT_AUDIT_THRESHOLDS.distribution,
        },
      );
      if (result) {
        distributionTests++;
        lowestP = Math.min(lowestP, result.pValue);
        if (result.flagged) failures.push(`#${index}: distribution p = ${result.pValue}`);
      }
    }
    console.log(
      `${honestAudits} honest audits: ${greedy} greedy, ${honestAudits - greedy} sampled (lowest z ${lowestZ.toFixed(2)}, ${replayed} replayed), ${streamed} streamed; ${distributionTests} two-sample tests, lowest p ${lowestP.toExponential(2)}; flags: ${failures.length}`,
    );
    expect(failures).toEqual([]);
    expect(replayed).toBeGreaterThan(honestAudits / 2);
    expect(greedy).toBeGreaterThan(honestAudits / 5);
    expect(distributionTests).toBeGreaterThan(0);
  });

  test("test_replay_theSupplierSeedGivesItsText_anotherSeedDiverges_aCheapCopyDiverges", async () => {
    const prompt = {
      route: "completions" as const,
      body: { prompt: "The river carried", max_tokens: 24, temperature: 0.8 },
      stream: false,
    } as Parameters<typeof generateExchange>[1];
    const exchange = await generateExchange(honest, prompt, testModelName, 1234);
    const audit = (replaySeed: number, from = exchange) =>
      auditRelayedOutput({ reference, ...from, thresholds: DEFAULT_AUDIT_THRESHOLDS, replaySeed });
    const same = await audit(1234);
    if (!same.ok) throw new Error(same.reason);
    expect(same.replay).toMatchObject({ diverged: false });
    expect(same.replay?.comparedTokens).toBe(Number(exchange.receipt.outputUnits));
    expect(same.replay?.text).toBe(same.output.text);
    // Replayed exactly, the bill is recounted exactly: one output token more is refused.
    expect(same.verdict.checks.find((check) => check.check === "billing-output")?.detail).toMatch(
      /stop token/,
    );
    expect(same.evidence.replayedTokens).toBe(same.replay?.comparedTokens);
    expect(same.evidence.logLikelihoodRatio).toBeLessThan(0);
    const other = await audit(1235);
    if (!other.ok) throw new Error(other.reason);
    expect(other.replay?.diverged).toBe(true);
    expect(other.replay?.comparedTokens).toBeLessThan(Number(exchange.receipt.outputUnits));
    expect(other.evidence.replayDivergences).toBe(1);
    // No seed to replay with: no replay, as for a supplier on another runtime.
    const none = await auditRelayedOutput({ reference, ...exchange, thresholds: DEFAULT_AUDIT_THRESHOLDS });
    expect(none.ok && none.replay).toBeNull();
    // A Q8_0 copy sampled with the same seed: its text leaves the reference's within a few tokens.
    const copy = await createAdversaryBackend("lower-precision", directory);
    await copy.start();
    try {
      let diverged = 0;
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        const copied = await generateExchange(copy, prompt, testModelName, seed);
        const judged = await audit(seed, copied);
        if (judged.ok && judged.replay?.diverged) diverged++;
      }
      expect(diverged).toBeGreaterThanOrEqual(5);
    } finally {
      await copy.close();
    }
  });

  test("test_checkRelayBilling_flagsImpossibleCounts_passesHonest", async () => {
    const prompt = drawAuditPrompt(seededRandom(9), { maxTokens: { min: 16, max: 16 } });
    const generated = await generateExchange(honest, prompt, testModelName);
    const exchange = (receipt: { inputUnits: bigint; outputUnits: bigint }) =>
      ({
        route: generated.route,
        model: testModelName,
        relayBody: generated.relayBody,
        response: generated.response,
        receipt,
      }) as unknown as RelayedExchange;
    const fair = checkRelayBilling(reference, exchange(generated.receipt));
    expect(fair).toMatchObject({
      checked: true,
      passed: true,
      promptTokens: Number(generated.receipt.inputUnits),
    });
    const inflatedPrompt = checkRelayBilling(
      reference,
      exchange({ ...generated.receipt, inputUnits: generated.receipt.inputUnits + 1n }),
    );
    expect(inflatedPrompt).toMatchObject({
      checked: true,
      passed: false,
      failed: { check: "billing-input" },
    });
    const tenfold = checkRelayBilling(
      reference,
      exchange({ ...generated.receipt, outputUnits: generated.receipt.outputUnits * 10n }),
    );
    expect(tenfold).toMatchObject({ checked: true, passed: false, failed: { check: "billing-output" } });
  });

  test("test_referenceModel_refusesFilesThatAreNotTheRegisteredWeights", async () => {
    const q8 = await ensureTestModel({ directory, preset: "tiny", seed: 42, type: "q8_0" });
    const error = await ReferenceModel.load({
      model: testModelName,
      path: q8.path,
      expectedSha256: registered.sha256,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReferenceModelDigestMismatchError);
    expect((error as ReferenceModelDigestMismatchError).actual).toBe(q8.sha256);
    await expect(
      ReferenceModel.load({
        model: testModelName,
        path: join(directory, "missing.gguf"),
        expectedSha256: keccak256(toHex("x")),
      }),
    ).rejects.toBeInstanceOf(ReferenceModelLoadError);
  });
});
