import { type AuditThresholds, mannWhitneyU } from "./statistics/index.ts";

/** The two-sample test after adding a pair (see {@link DistributionWindows.add}). */
export type DistributionTestResult = {
  supplierSamples: number;
  referenceSamples: number;
  /** Mann–Whitney U of the supplier's sample. */
  u: number;
  /** One-sided p-value: the supplier's outputs are less likely under the reference than its own samples. */
  pValue: number;
  /** `pValue < alpha`: the windows were emptied (a new flag needs new samples). */
  flagged: boolean;
};

/**
 * Sliding windows of per-output statistics (z-scores of sampled audits), per supplier and model, each paired
 * with a reference sample of the same request; after each pair, a one-sided Mann–Whitney test.
 *
 * @example
 * ```ts
 * const windows = new DistributionWindows();
 * const test = windows.add("llama|0xab…", { supplier: -1.2, reference: 0.3 }, thresholds.distribution);
 * if (test?.flagged) fileEvidence(test);
 * ```
 */
export class DistributionWindows {
  readonly #windows = new Map<string, { supplier: number[]; reference: number[] }>();

  /**
   * Adds one supplier statistic and one reference statistic to `key`'s windows; returns the test once both
   * hold `minSamples`, else `null`.
   */
  add(
    key: string,
    pair: { supplier: number; reference: number },
    { window: size, minSamples, alpha }: AuditThresholds["distribution"],
  ): DistributionTestResult | null {
    const finite = (value: number) => (Number.isFinite(value) ? value : value > 0 ? 1e6 : -1e6);
    const window = this.#windows.get(key) ?? { supplier: [], reference: [] };
    this.#windows.set(key, window);
    window.supplier.push(finite(pair.supplier));
    window.reference.push(finite(pair.reference));
    if (window.supplier.length > size) window.supplier.splice(0, window.supplier.length - size);
    if (window.reference.length > size) window.reference.splice(0, window.reference.length - size);
    if (window.supplier.length < minSamples || window.reference.length < minSamples) return null;
    const { u, pValue } = mannWhitneyU({ x: window.supplier, y: window.reference, alternative: "less" });
    const result = {
      supplierSamples: window.supplier.length,
      referenceSamples: window.reference.length,
      u,
      pValue,
      flagged: pValue < alpha,
    };
    if (result.flagged) this.#windows.delete(key);
    return result;
  }
}
