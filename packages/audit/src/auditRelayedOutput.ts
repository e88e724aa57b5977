import { RANDOM_SEED, samplerSeed } from "@aviary/protocol";
import { alignReportedLogprobs } from "./alignReportedLogprobs.ts";
import { type AuditedRequest, parseAuditedRequest } from "./parseAuditedRequest.ts";
import { parseRelayedOutput, type RelayedOutput, type RelayedResponse } from "./parseRelayedOutput.ts";
import type { ReferenceModel, ScoredOutput } from "./ReferenceModel.ts";
import {
  AUDIT_CHECKS,
  type AuditCheckResult,
  type AuditEvidenceWeight,
  type AuditThresholds,
  type AuditVerdict,
  judgeAudit,
  judgeBilling,
  outputTokenBound,
  RUNTIME_TOP_K,
  weighAuditEvidence,
} from "./statistics/index.ts";

export type AuditRelayedOutputParameters = {
  reference: ReferenceModel;
  /** The OpenAI route relayed. */
  route: string;
  /** The exact body bytes relayed (what the request's `bodyHash` covers). */
  relayBody: Uint8Array;
  /** What the supplier answered, as passed on to the client. */
  response: RelayedResponse;
  /** The units the supplier's signed receipt bills. */
  receipt: { inputUnits: bigint; outputUnits: bigint };
  thresholds: AuditThresholds;
  /**
   * For a supplier on the embedded runtime, whose sampler the reference replays: the relay's own sampling seed
   * (`relaySamplingSeed(relayKey)`), which that runtime samples with when the body names no `seed`. Each sampled
   * position is then also checked against the token that sampler picks with that position's draw. Absent: no
   * replay.
   */
  relaySeed?: number;
};

export type AuditRelayedOutputReturnType =
  | {
      ok: true;
      verdict: AuditVerdict;
      request: AuditedRequest;
      output: RelayedOutput;
      scored: ScoredOutput;
      /** What this audit adds to the supplier's sequential test (`weighAuditEvidence`). */
      evidence: AuditEvidenceWeight;
      /**
       * The seeded replay of a sampled answer: positions replayed, and those where the supplier's token is not
       * the one its sampler picks with the position's draw. Null when not replayed.
       */
      replay: { comparedTokens: number; divergences: number } | null;
      /** Milliseconds spent scoring (the audit's cost). */
      scoringMs: number;
    }
  | { ok: false; reason: string };

const encoder = new TextEncoder();

/**
 * Audits one relayed answer with the reference model: parses the relayed request and the output, renders the
 * prompt as the supplier's runtime does (billing recount), scores the output in one teacher-forced pass, and
 * judges it (`judgeAudit`), billing included: greedy outputs are recounted exactly (their reconstruction is the
 * supplier's own token sequence); sampled ones against the bound any tokenization must respect. When the
 * supplier reported `logprobs`, they are compared with the reference's token by token, under the runtime
 * convention that fits them best (`logprob-mismatch` past `thresholds.logprobs.maxRms`). With `relaySeed`, a
 * sampled answer is also replayed position by position (the token the supplier's sampler picks from the
 * reference's distribution with each draw of the seed it sampled with: the body's, else the relay's): the differences feed the sequential test, and an
 * answer replayed at every position is billed exactly. The audit's weight as evidence for the sequential
 * test comes with the verdict (`weighAuditEvidence`).
 *
 * @param parameters - the reference, the relay (route, body, response, receipt units), the thresholds.
 * Requests whose output is not drawn from the model's own distribution (tools or a JSON `response_format`,
 * both grammar-constrained; `logit_bias`; a nonzero frequency or presence penalty) are skipped with a reason
 * that says so.
 *
 * @returns the verdict with what it was computed from, or `ok: false` when the exchange cannot be audited.
 * @example
 * ```ts
 * const audit = await auditRelayedOutput({ reference, route, relayBody, response, receipt, thresholds });
 * if (audit.ok && !audit.verdict.passed) console.log(audit.verdict.failed);
 * ```
 */
export async function auditRelayedOutput({
  reference,
  route,
  relayBody,
  response,
  receipt,
  thresholds,
  relaySeed,
}: AuditRelayedOutputParameters): Promise<AuditRelayedOutputReturnType> {
  const request = parseAuditedRequest(route, relayBody);
  if (!request) return { ok: false, reason: "the relayed request is not a chat or completion request" };
  // A grammar or a bias changes the distribution the output was drawn from: scoring it under the model's own
  // would flag an honest supplier. The billing recount (`checkRelayBilling`) still covers such relays.
  if (request.reshaped) {
    return {
      ok: false,
      reason: `the fidelity audit skips requests with ${request.reshaped}: it changes the distribution`,
    };
  }
  const output = parseRelayedOutput(response);
  if (!output) return { ok: false, reason: "the response carries no choice" };
  const prompt = reference.renderPrompt(request);
  const sampling = { temperature: request.temperature, topP: request.topP, maxTokens: request.maxTokens };
  const started = performance.now();
  // What the supplier sampled with: the body's seed, else the relay's. A tool-call answer's text is rebuilt from
  // its calls, not sampled as is, and a seed that asks the runtime for a random one cannot be replayed.
  const sampledWith =
    relaySeed === undefined ? undefined : request.seed === undefined ? relaySeed : samplerSeed(request.seed);
  const seed =
    sampledWith !== undefined &&
    sampledWith !== RANDOM_SEED &&
    request.temperature > 0 &&
    output.toolCalls.length === 0
      ? sampledWith
      : undefined;
  const scored = await reference.score({
    prompt,
    output: output.text,
    sampling,
    ...(seed === undefined ? {} : { seed }),
  });
  const scoringMs = performance.now() - started;
  const replay = seed === undefined ? null : replayOf(scored);
  // Every position replayed to the supplier's token: the tokens are the ones it sampled, so the bill is
  // recounted exactly, as for a greedy answer.
  const replayedExactly =
    replay !== null && replay.divergences === 0 && replay.comparedTokens === scored.tokens.length;
  const stopped = output.finishReason === "stop";
  const stopStringBytes = stopped
    ? Math.max(0, ...prompt.stopStrings.map((stop) => encoder.encode(stop).length))
    : 0;
  const greedy = request.temperature === 0;
  const billing: AuditCheckResult[] = judgeBilling({
    receipt,
    promptTokens: prompt.tokens.length,
    outputTokens:
      (greedy || replayedExactly) && scored.complete
        ? scored.tokens.length + (stopped ? 1 + stopStringBytes : 0)
        : outputTokenBound({
            outputBytes: scored.outputBytes,
            finishReason: output.finishReason,
            stopStringBytes,
          }),
    outputExact: (greedy || replayedExactly) && scored.complete,
  });
  const verdict = judgeAudit({
    positions: scored.positions,
    end: scored.end,
    finishReason: output.finishReason,
    sampling,
    maxOutputTokens: Math.max(
      0,
      Math.min(request.maxTokens, reference.contextSize - prompt.tokens.length - 1),
    ),
    outputBytes: scored.outputBytes,
    billing,
    thresholds,
  });
  const reportedLogProbs = output.logprobs
    ? alignReportedLogprobs(scored.tokenBytes, output.logprobs)
    : undefined;
  const evidence = weighAuditEvidence({
    positions: scored.positions,
    sampling,
    ...(reportedLogProbs ? { reportedLogProbs } : {}),
    ...(replay ? { replay } : {}),
    thresholds: thresholds.evidence,
  });
  if (reportedLogProbs && evidence.logProbTokens >= thresholds.logprobs.minTokens) {
    const { maxRms } = thresholds.logprobs;
    addCheck(verdict, {
      check: "logprob-mismatch",
      passed: evidence.logProbRms <= maxRms,
      value: evidence.logProbRms,
      limit: maxRms,
      detail: `the reported log-probabilities of ${evidence.logProbTokens} tokens differ from the reference's by ${evidence.logProbRms.toFixed(4)} nats RMS; limit ${maxRms}`,
    });
  }
  return { ok: true, verdict, request, output, scored, evidence, replay, scoringMs };
}

/**
 * The replayed positions of a scored output, and how many of them the supplier's token differs at, up to the
 * first served token the supplier's chain could not have drawn (outside the reference's top-k, one either way):
 * from there on the rebuilt split of the text, or the runtime, is not the supplier's, and the draws no longer
 * line up with its tokens (the per-audit verdicts judge such tokens).
 */
function replayOf(scored: ScoredOutput): { comparedTokens: number; divergences: number } {
  let comparedTokens = 0;
  let divergences = 0;
  for (const position of scored.positions) {
    if (position.replayedToken === undefined) continue;
    if (position.rank > RUNTIME_TOP_K + 1) break;
    comparedTokens++;
    if (position.replayedToken !== position.token) divergences++;
  }
  return { comparedTokens, divergences };
}

/** Adds a check to a verdict, keeping `failed` the first failure in {@link AUDIT_CHECKS} order. */
function addCheck(verdict: AuditVerdict, check: AuditCheckResult): void {
  verdict.checks.push(check);
  if (check.passed) return;
  const order = (result: AuditCheckResult | null) => (result ? AUDIT_CHECKS.indexOf(result.check) : Infinity);
  if (order(check) < order(verdict.failed)) verdict.failed = check;
  verdict.passed = false;
}
