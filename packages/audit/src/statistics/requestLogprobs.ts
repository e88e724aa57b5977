import type { AuditPrompt } from "./auditPromptPool.ts";

/**
 * The same audit request asking for the output tokens' log-probabilities, as a user would: chat's
 * `logprobs: true`, completions' `logprobs: 0` (the tokens' own, no alternatives). For suppliers whose declared
 * capabilities include `logprobs`; the audit compares what they report with the reference
 * (`weighAuditEvidence`, the `logprob-mismatch` check).
 *
 * @param prompt - a drawn audit request (`drawAuditPrompt`).
 * @example
 * ```ts
 * const prompt = random() < 0.3 ? requestLogprobs(drawAuditPrompt(random)) : drawAuditPrompt(random);
 * ```
 */
export function requestLogprobs(prompt: AuditPrompt): AuditPrompt {
  return {
    ...prompt,
    body: { ...prompt.body, logprobs: prompt.route === "chat/completions" ? true : 0 },
  };
}
