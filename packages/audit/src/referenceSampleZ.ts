import type { AuditedRequest } from "./parseAuditedRequest.ts";
import type { ReferenceModel } from "./ReferenceModel.ts";
import { type AuditThresholds, judgeAudit } from "./statistics/index.ts";

export type ReferenceSampleZParameters = {
  reference: ReferenceModel;
  /** The audited request (its prompt and sampling parameters). */
  request: AuditedRequest;
  thresholds: AuditThresholds;
  /** Sampler seed. */
  seed: number;
};

/**
 * The reference side of the two-sample test: the reference answers the audited request itself (same prompt,
 * same temperature and `top_p`), and its output is scored exactly like a supplier's, text and all, so both
 * samples carry the same reconstruction effects. Returns the output's z-score (`AuditMetrics.z`).
 *
 * @param parameters - reference, request, thresholds, seed.
 * @example
 * ```ts
 * const z = await referenceSampleZ({ reference, request, thresholds, seed: 7 });
 * ```
 */
export async function referenceSampleZ({
  reference,
  request,
  thresholds,
  seed,
}: ReferenceSampleZParameters): Promise<number> {
  const sampling = { temperature: request.temperature, topP: request.topP, maxTokens: request.maxTokens };
  const prompt = reference.renderPrompt(request);
  const sample = await reference.sample({ prompt, sampling, seed });
  const scored = await reference.score({ prompt, output: sample.text, sampling });
  const verdict = judgeAudit({
    positions: scored.positions,
    end: scored.end,
    finishReason: sample.finishReason,
    sampling,
    maxOutputTokens: Math.max(
      0,
      Math.min(request.maxTokens, reference.contextSize - prompt.tokens.length - 1),
    ),
    outputBytes: scored.outputBytes,
    thresholds,
  });
  return verdict.metrics.z ?? 0;
}
