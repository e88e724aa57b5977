import { describe, expect, test } from "vitest";
import { alignReportedLogprobs } from "./alignReportedLogprobs.ts";
import { parseRelayedOutput } from "./parseRelayedOutput.ts";
import { SequentialEvidence } from "./SequentialEvidence.ts";
import { DEFAULT_AUDIT_THRESHOLDS } from "./statistics/index.ts";

const thresholds = DEFAULT_AUDIT_THRESHOLDS.evidence;
const weight = (logLikelihoodRatio: number) => ({
  logLikelihoodRatio,
  greedyPositions: 10,
  flips: logLikelihoodRatio > 0 ? 1 : 0,
  logProbTokens: 0,
  logProbRms: 0,
  replayedTokens: 0,
  replayDivergences: 0,
});
const encoder = new TextEncoder();

describe("SequentialEvidence", () => {
  test("test_add_accumulatesPerSupplierAndModel_flagsAtTheThreshold_thenRestarts", () => {
    const tests = new SequentialEvidence();
    const add = (supplier: string, increment: number, relayKey = "0x01") =>
      tests.add({ supplier, model: "m", weight: weight(increment), relayKey, thresholds, now: 5 });
    expect(add("0xAA", 6, "0x01").flagged).toBeNull();
    expect(add("0xBB", 6).flagged).toBeNull();
    expect(add("0xaa", -1, "0x02").snapshot).toMatchObject({ supplier: "0xaa", statistic: 5, audits: 2 });
    const step = add("0xAA", 9, "0x03");
    expect(step.flagged).toMatchObject({
      check: "accumulated-evidence",
      passed: false,
      value: 14,
      limit: 14,
    });
    expect(step.flagged?.detail).toMatch(/3 covert audits .* 14\.0 nats .* limit 14/);
    expect(step.relayKeys).toEqual(["0x01", "0x03"]);
    expect(step.snapshot).toMatchObject({ statistic: 14, flags: 1, audits: 3 });
    // A new flag needs new evidence; the other supplier's test is its own.
    expect(tests.get("0xaa", "m")).toMatchObject({ statistic: 0, audits: 0, flags: 1, greedyPositions: 0 });
    expect(tests.get("0xbb", "m")).toMatchObject({ statistic: 6, flags: 0 });
    expect(tests.get("0xbb", "other")).toBeUndefined();
    expect(tests.list().map((entry) => entry.supplier)).toEqual(["0xbb", "0xaa"]);
  });

  test("test_add_honestAudits_neverLeaveZero", () => {
    const tests = new SequentialEvidence();
    for (let audit = 0; audit < 1000; audit++)
      tests.add({ supplier: "0xaa", model: "m", weight: weight(-0.01), relayKey: "0x", thresholds });
    expect(tests.get("0xaa", "m")).toMatchObject({ statistic: 0, audits: 1000, flags: 0 });
  });
});

describe("reported log-probabilities", () => {
  test("test_parseRelayedOutput_readsChatCompletionAndStreamedLogprobs", () => {
    const chat = parseRelayedOutput({
      kind: "json",
      body: encoder.encode(
        JSON.stringify({
          choices: [
            {
              message: { content: "héllo" },
              finish_reason: "length",
              logprobs: {
                content: [
                  { token: "hé", logprob: -0.5, bytes: [104, 195, 169] },
                  { token: "llo", logprob: -1 },
                ],
              },
            },
          ],
        }),
      ),
    });
    expect(chat?.logprobs).toEqual([
      { bytes: 3, logprob: -0.5 },
      { bytes: 3, logprob: -1 },
    ]);
    const streamed = parseRelayedOutput({
      kind: "stream",
      events: [
        JSON.stringify({
          choices: [{ text: "ab", logprobs: { tokens: ["a", "b"], token_logprobs: [-0.1, null] } }],
        }),
        JSON.stringify({ choices: [{ text: "c", logprobs: { tokens: ["c"], token_logprobs: [-0.3] } }] }),
      ],
    });
    expect(streamed?.logprobs).toEqual([
      { bytes: 1, logprob: -0.1 },
      { bytes: 1, logprob: null },
      { bytes: 1, logprob: -0.3 },
    ]);
    const none = parseRelayedOutput({ kind: "json", body: encoder.encode('{"choices":[{"text":"x"}]}') });
    expect(none?.logprobs).toBeNull();
  });

  test("test_alignReportedLogprobs_stopsWhereTheTokenizationsPart", () => {
    const reported = [
      { bytes: 2, logprob: -0.1 },
      { bytes: 1, logprob: -9999 },
      { bytes: 3, logprob: -0.3 },
      { bytes: 1, logprob: -0.4 },
      { bytes: 2, logprob: -0.5 },
    ];
    expect(alignReportedLogprobs([2, 1, 3, 2, 1], reported)).toEqual([-0.1, null, -0.3, null, null]);
    expect(alignReportedLogprobs([2, 1], [])).toEqual([null, null]);
  });
});
