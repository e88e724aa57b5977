import { AuditParameterInvalidError } from "./errors.ts";
import { standardNormalCdf } from "./standardNormalCdf.ts";

export type MannWhitneyUParameters = {
  /** First sample (e.g. a supplier's per-output statistics). */
  x: readonly number[];
  /** Second sample (e.g. the reference's). */
  y: readonly number[];
  /**
   * `"less"`: x tends to be smaller than y; `"greater"`: larger; `"two-sided"`: either. @default "two-sided"
   */
  alternative?: "less" | "greater" | "two-sided";
};

export type MannWhitneyUReturnType = {
  /** U of `x`: the number of (x, y) pairs with x > y, ties counting ½. */
  u: number;
  /** Normal-approximation z (tie-corrected, with continuity correction); 0 when every value ties. */
  z: number;
  /** p-value of the chosen alternative. */
  pValue: number;
};

/**
 * The Mann–Whitney U (Wilcoxon rank-sum) two-sample test, normal approximation with midranks for ties, the
 * tie-corrected variance and a continuity correction. Distribution-free: it compares any per-output statistic
 * of two samples without assuming its shape.
 *
 * @param parameters - the samples and the alternative.
 * @throws {AuditParameterInvalidError} when a sample is empty or holds a non-finite value.
 * @example
 * ```ts
 * mannWhitneyU({ x: [1, 2, 3], y: [4, 5, 6], alternative: "less" }).pValue; // ≈ 0.04
 * ```
 */
export function mannWhitneyU({
  x,
  y,
  alternative = "two-sided",
}: MannWhitneyUParameters): MannWhitneyUReturnType {
  for (const [name, sample] of [
    ["x", x],
    ["y", y],
  ] as const) {
    if (sample.length === 0)
      throw new AuditParameterInvalidError({ name, value: "[]", reason: "must not be empty" });
    if (!sample.every(Number.isFinite))
      throw new AuditParameterInvalidError({
        name,
        value: sample.join(","),
        reason: "must hold finite numbers",
      });
  }
  const n1 = x.length;
  const n2 = y.length;
  const n = n1 + n2;
  const pooled = [
    ...x.map((value) => ({ value, first: true })),
    ...y.map((value) => ({ value, first: false })),
  ].sort((a, b) => a.value - b.value);
  let rankSumX = 0;
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (
      end + 1 < n &&
      (pooled[end + 1] as { value: number }).value === (pooled[start] as { value: number }).value
    )
      end++;
    const midrank = (start + end) / 2 + 1;
    const ties = end - start + 1;
    tieTerm += ties ** 3 - ties;
    for (let index = start; index <= end; index++)
      if ((pooled[index] as { first: boolean }).first) rankSumX += midrank;
    start = end + 1;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, pValue: 1 };
  const sigma = Math.sqrt(variance);
  const difference = u - mean;
  const corrected = (shift: number) => (difference + shift) / sigma;
  if (alternative === "less") {
    const z = corrected(0.5);
    return { u, z, pValue: standardNormalCdf(z) };
  }
  if (alternative === "greater") {
    const z = corrected(-0.5);
    return { u, z, pValue: 1 - standardNormalCdf(z) };
  }
  const z = difference === 0 ? 0 : corrected(difference > 0 ? -0.5 : 0.5);
  return { u, z, pValue: Math.min(1, 2 * standardNormalCdf(-Math.abs(z))) };
}
