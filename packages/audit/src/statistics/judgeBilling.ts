import type { AuditCheckResult } from "./types.ts";

export type JudgeBillingParameters = {
  /** The receipt's units. */
  receipt: { inputUnits: bigint | number; outputUnits: bigint | number };
  /** Prompt tokens recounted with the model's tokenizer and chat template: what the runtime evaluates. */
  promptTokens: number;
  /**
   * The most output tokens the receipt may bill: `outputTokenBound` (any relay), or the exact count of a
   * greedy audit's reconstructed tokens plus the stop token.
   */
  outputTokens: number;
  /** Whether `outputTokens` is an exact count (a greedy audit) rather than a bound. */
  outputExact?: boolean;
};

/**
 * The billing checks of one relay: a receipt may bill at most the recounted prompt tokens and at most the
 * output tokens the text can hold. Anything above is evidence (the supplier signed it).
 *
 * @param parameters - the receipt's units and the recounts.
 * @returns the `billing-input` and `billing-output` results.
 * @example
 * ```ts
 * const [input, output] = judgeBilling({ receipt: { inputUnits: 30n, outputUnits: 40n }, promptTokens: 28, outputTokens: 32 });
 * input.passed; // false: 30 > 28
 * ```
 */
export function judgeBilling({
  receipt,
  promptTokens,
  outputTokens,
  outputExact = false,
}: JudgeBillingParameters): [AuditCheckResult, AuditCheckResult] {
  const inputUnits = Number(receipt.inputUnits);
  const outputUnits = Number(receipt.outputUnits);
  return [
    {
      check: "billing-input",
      passed: inputUnits <= promptTokens,
      value: inputUnits,
      limit: promptTokens,
      detail: `the receipt bills ${inputUnits} prompt tokens; the prompt is ${promptTokens} tokens`,
    },
    {
      check: "billing-output",
      passed: outputUnits <= outputTokens,
      value: outputUnits,
      limit: outputTokens,
      detail: outputExact
        ? `the receipt bills ${outputUnits} completion tokens; the output is ${outputTokens} tokens (stop token included)`
        : `the receipt bills ${outputUnits} completion tokens; the output text can hold at most ${outputTokens}`,
    },
  ];
}
