import {
  type AuditCheckResult,
  type AuditThresholds,
  type AuditVerdict,
  judgeAudit,
  judgeBilling,
  outputTokenBound,
} from "@aviary/protocol";
import { type AuditedRequest, parseAuditedRequest } from "./parseAuditedRequest.ts";
import { parseRelayedOutput, type RelayedOutput, type RelayedResponse } from "./parseRelayedOutput.ts";
import type { ReferenceModel, ScoredOutput } from "./ReferenceModel.ts";

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
};

export type AuditRelayedOutputReturnType =
  | {
      ok: true;
      verdict: AuditVerdict;
      request: AuditedRequest;
      output: RelayedOutput;
      scored: ScoredOutput;
      /** Milliseconds spent scoring (the audit's cost). */
      scoringMs: number;
    }
  | { ok: false; reason: string };

const encoder = new TextEncoder();

/**
 * Audits one relayed answer with the reference model: parses the relayed request and the output, renders the
 * prompt as the supplier's runtime does (billing recount), scores the output in one teacher-forced pass, and
 * judges it (`judgeAudit`), billing included: greedy outputs are recounted exactly (their reconstruction is the
 * supplier's own token sequence); sampled ones against the bound any tokenization must respect.
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
  const scored = await reference.score({ prompt, output: output.text, sampling });
  const scoringMs = performance.now() - started;
  const stopped = output.finishReason === "stop";
  const stopStringBytes = stopped
    ? Math.max(0, ...prompt.stopStrings.map((stop) => encoder.encode(stop).length))
    : 0;
  const greedy = request.temperature === 0;
  const billing: AuditCheckResult[] = judgeBilling({
    receipt,
    promptTokens: prompt.tokens.length,
    outputTokens:
      greedy && scored.complete
        ? scored.tokens.length + (stopped ? 1 + stopStringBytes : 0)
        : outputTokenBound({
            outputBytes: scored.outputBytes,
            finishReason: output.finishReason,
            stopStringBytes,
          }),
    outputExact: greedy && scored.complete,
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
  return { ok: true, verdict, request, output, scored, scoringMs };
}
