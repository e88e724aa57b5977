import { standardNormalCdf } from "./standardNormalCdf.ts";

/**
 * ln Φ(x), accurate far into the lower tail (x = −1000 gives ≈ −500,007), where `Math.log(standardNormalCdf(x))`
 * underflows to −Infinity: below −10 it uses the asymptotic series of Mills' ratio (relative error < 1e-6).
 *
 * @param x - any number (±Infinity allowed).
 * @example
 * ```ts
 * logStandardNormalCdf(0); // ≈ −0.693
 * logStandardNormalCdf(-40); // ≈ −804.6
 * ```
 */
export function logStandardNormalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= -10) return Math.log(standardNormalCdf(x));
  if (x === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  const inverseSquare = 1 / (x * x);
  // Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − 15/x⁶ + …)
  const series = 1 - inverseSquare + 3 * inverseSquare ** 2 - 15 * inverseSquare ** 3;
  return -0.5 * x * x - Math.log(-x) - 0.5 * Math.log(2 * Math.PI) + Math.log(series);
}
