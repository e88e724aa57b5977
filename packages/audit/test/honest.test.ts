// 500 audits of an honest supplier through the audit machinery: the supplier's real runtime (the embedded
// backend on the registered F16 test model) answers prompts drawn from the audit pool, streamed or not, and
// the gateway's audit code (`auditRelayedOutput`, the two-sample test) judges every answer exactly as it
// judges a relayed one. Relaying all 500 through anvil and the nodes would take minutes for nothing more:
// the network test relays 20 honest audits end to end.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RelayedExchange } from "@aviary/gateway";
import { seededRandom } from "@aviary/protocol";
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
import { DEFAULT_AUDIT_THRESHOLDS, drawAuditPrompt, RUNTIME_TOP_K } from "../src/statistics/index.ts";
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
    let replayedTokens = 0;
    let replayDivergences = 0;
    for (let index = 0; index < honestAudits; index++) {
      const prompt = drawAuditPrompt(random, { maxTokens: { min: 12, max: 32 } });
      // Sampled as a supplier node's embedded runtime samples a relay: with the relay's seed, unless the body
      // names one; the audit replays it.
      const relaySeed = Math.floor(random() * 2 ** 32);
      const exchange = await generateExchange(honest, prompt, testModelName, relaySeed);
      const audit = await auditRelayedOutput({
        reference,
        ...exchange,
        thresholds: DEFAULT_AUDIT_THRESHOLDS,
      });
      if (!audit.ok) throw new Error(audit.reason);
      if (!audit.verdict.passed)
        failures.push(`#${index}: ${audit.verdict.failed?.check} ${audit.verdict.failed?.detail}`);
      // Same runtime, same weights, same seed: the replay picks the supplier's token at almost every position.
      // What remains is the teacher-forced pass's own numerics against generation's (other batch shapes).
      if (audit.replay) {
        replayed++;
        replayedTokens += audit.replay.comparedTokens;
        replayDivergences += audit.replay.divergences;
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
      `${honestAudits} honest audits: ${greedy} greedy, ${honestAudits - greedy} sampled (lowest z ${lowestZ.toFixed(2)}; ${replayed} replayed, ${replayDivergences} of ${replayedTokens} tokens diverged), ${streamed} streamed; ${distributionTests} two-sample tests, lowest p ${lowestP.toExponential(2)}; flags: ${failures.length}`,
    );
    expect(failures).toEqual([]);
    expect(replayed).toBeGreaterThan(honestAudits / 2);
    // Far inside the tolerance (another build, F32 weights, diverges at about 0.015 per token).
    expect(replayDivergences / replayedTokens).toBeLessThan(
      DEFAULT_AUDIT_THRESHOLDS.evidence.replayNullRate / 6,
    );
    expect(greedy).toBeGreaterThan(honestAudits / 5);
    expect(distributionTests).toBeGreaterThan(0);
  });

  test("test_replay_theSupplierSeedReplaysEveryToken_anotherSeedDoesNot_aCheapCopyDiverges", async () => {
    const prompt = {
      route: "completions" as const,
      body: { prompt: "The river carried", max_tokens: 24, temperature: 0.8, top_p: 0.95 },
      stream: false,
    } as Parameters<typeof generateExchange>[1];
    const exchange = await generateExchange(honest, prompt, testModelName, 1234);
    const audit = async (relaySeed: number, from = exchange) => {
      const result = await auditRelayedOutput({
        reference,
        ...from,
        thresholds: DEFAULT_AUDIT_THRESHOLDS,
        relaySeed,
      });
      if (!result.ok) throw new Error(result.reason);
      return result;
    };
    const same = await audit(1234);
    expect(same.replay).toEqual({ comparedTokens: same.scored.tokens.length, divergences: 0 });
    expect(same.replay?.comparedTokens).toBeGreaterThan(10);
    // Replayed at every token, the bill is recounted exactly (stop token included), as for a greedy answer.
    expect(same.verdict.checks.find((check) => check.check === "billing-output")?.detail).toMatch(
      /stop token/,
    );
    expect(same.evidence).toMatchObject({
      replayedTokens: same.replay?.comparedTokens,
      replayDivergences: 0,
    });
    expect(same.evidence.logLikelihoodRatio).toBeLessThan(0);
    // The draws of another seed pick other tokens at most positions.
    const other = await audit(1235);
    expect(other.replay?.divergences).toBeGreaterThan((other.replay?.comparedTokens ?? 0) / 2);
    // As evidence, one output adds at most maxPositionWeight, however far off.
    expect(other.evidence.logLikelihoodRatio).toBe(DEFAULT_AUDIT_THRESHOLDS.evidence.maxPositionWeight);
    // No seed: no replay, as for a supplier on another runtime.
    const { relaySeed: _seed, ...unseeded } = exchange;
    const none = await auditRelayedOutput({ reference, ...unseeded, thresholds: DEFAULT_AUDIT_THRESHOLDS });
    expect(none.ok && none.replay).toBeNull();
    // A Q8_0 copy sampled with its seed: the reference's distribution, with the same draws, picks other tokens
    // at some positions of most outputs.
    const copy = await createAdversaryBackend("lower-precision", directory);
    await copy.start();
    try {
      let divergences = 0;
      let compared = 0;
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        const judged = await audit(seed, await generateExchange(copy, prompt, testModelName, seed));
        divergences += judged.replay?.divergences ?? 0;
        compared += judged.replay?.comparedTokens ?? 0;
      }
      expect(divergences).toBeGreaterThan(compared * DEFAULT_AUDIT_THRESHOLDS.evidence.replayNullRate);
    } finally {
      await copy.close();
    }
    // Another model's text leaves what the chain could draw (the reference's top 41) within a few tokens: the
    // replay stops there instead of weighing draws that no longer line up with its tokens.
    const otherModel = await createAdversaryBackend("other-model", directory);
    await otherModel.start();
    try {
      const judged = await audit(9, await generateExchange(otherModel, prompt, testModelName, 9));
      expect(judged.scored.tokens.length).toBeGreaterThan(10);
      expect(judged.replay?.comparedTokens).toBeLessThan(judged.scored.tokens.length);
      const impossible = judged.scored.positions.findIndex((position) => position.rank > RUNTIME_TOP_K + 1);
      expect(judged.replay?.comparedTokens).toBe(impossible);
    } finally {
      await otherModel.close();
    }
  });

  test("test_differential_runtimeSampler_againstReplaySampledToken_acrossTemperaturesAndNuclei", async () => {
    // The embedded runtime's native sampler and the audit's emulation of it must pick the same token from the
    // same distribution with the same draw: random seeds, edge temperatures and top_p, both routes.
    const random = seededRandom(77);
    let compared = 0;
    let differed = 0;
    for (const temperature of [0.05, 0.3, 1, 1.7]) {
      for (const topP of [0.1, 0.5, 0.9, 0.999, 1]) {
        const seed = Math.floor(random() * 2 ** 32);
        const chat = random() < 0.5;
        const prompt = {
          route: chat ? ("chat/completions" as const) : ("completions" as const),
          body: {
            ...(chat
              ? { messages: [{ role: "user", content: `Say something about the number ${seed % 1000}.` }] }
              : { prompt: `Item ${seed % 1000}:` }),
            max_tokens: 24,
            temperature,
            top_p: topP,
          },
          stream: random() < 0.5,
        } as Parameters<typeof generateExchange>[1];
        const exchange = await generateExchange(honest, prompt, testModelName, seed);
        const audit = await auditRelayedOutput({
          reference,
          ...exchange,
          thresholds: DEFAULT_AUDIT_THRESHOLDS,
          relaySeed: seed,
        });
        if (!audit.ok) throw new Error(audit.reason);
        compared += audit.replay?.comparedTokens ?? 0;
        differed += audit.replay?.divergences ?? 0;
        expect(audit.verdict.passed, `T ${temperature}, top_p ${topP}`).toBe(true);
      }
    }
    expect(compared).toBeGreaterThan(200);
    expect(differed / compared).toBeLessThan(0.005);
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
