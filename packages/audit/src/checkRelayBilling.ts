import type { RelayedExchange } from "@aviary/gateway";
import { parseAuditedRequest } from "./parseAuditedRequest.ts";
import { parseRelayedOutput } from "./parseRelayedOutput.ts";
import type { ReferenceModel } from "./ReferenceModel.ts";
import { type AuditCheckResult, judgeBilling, outputTokenBound } from "./statistics/index.ts";

export type CheckRelayBillingReturnType =
  | {
      checked: true;
      passed: boolean;
      failed: AuditCheckResult | null;
      promptTokens: number;
      outputBound: number;
    }
  | { checked: false; reason: string };

const encoder = new TextEncoder();

/**
 * The billing audit of any relay of an audited model, with the tokenizer alone (no model pass: microseconds):
 * the receipt's input units against the prompt recounted exactly as the supplier's runtime renders it, and its
 * output units against the most tokens the output text can hold (`outputTokenBound`). A receipt above either
 * is evidence.
 *
 * @param reference - the model's reference (its tokenizer and chat template).
 * @param exchange - the completed relay.
 * @example
 * ```ts
 * const billing = checkRelayBilling(reference, exchange);
 * if (billing.checked && !billing.passed) fileEvidence(billing.failed);
 * ```
 */
export function checkRelayBilling(
  reference: ReferenceModel,
  exchange: RelayedExchange,
): CheckRelayBillingReturnType {
  const request = parseAuditedRequest(exchange.route, exchange.relayBody);
  if (!request) return { checked: false, reason: "not a chat or completion request" };
  const output = parseRelayedOutput(exchange.response);
  if (!output) return { checked: false, reason: "the response carries no choice" };
  const prompt = reference.renderPrompt(request);
  const stopped = output.finishReason === "stop";
  const outputBound = outputTokenBound({
    outputBytes: encoder.encode(output.text).length,
    finishReason: output.finishReason,
    stopStringBytes: stopped
      ? Math.max(0, ...prompt.stopStrings.map((stop) => encoder.encode(stop).length))
      : 0,
  });
  const checks = judgeBilling({
    receipt: exchange.receipt,
    promptTokens: prompt.tokens.length,
    outputTokens: outputBound,
  });
  const failed = checks.find((check) => !check.passed) ?? null;
  return { checked: true, passed: failed === null, failed, promptTokens: prompt.tokens.length, outputBound };
}
