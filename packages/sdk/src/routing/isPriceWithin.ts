const decimalPattern = /^(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A non-negative decimal as an exact fraction `numerator / 10^exponent`. */
type Fraction = { numerator: bigint; denominatorExponent: number };

/**
 * Parses a non-negative decimal (`"12"`, `"0.5"`, `"1e-3"`, or a finite number) exactly.
 *
 * @returns the fraction, or `null` when the value is not a non-negative decimal.
 */
export function parseDecimal(value: number | string): Fraction | null {
  if (typeof value === "number" && (!Number.isFinite(value) || value < 0)) return null;
  const text = typeof value === "number" ? String(value) : value.trim();
  const match = decimalPattern.exec(text);
  if (!match) return null;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  const exponent = Number(match[3] ?? "0");
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) return null;
  let denominatorExponent = fraction.length - exponent;
  let digits = `${whole}${fraction}`;
  if (denominatorExponent < 0) {
    digits += "0".repeat(-denominatorExponent);
    denominatorExponent = 0;
  }
  return { numerator: BigInt(digits), denominatorExponent };
}

/**
 * Whether a per-token price (token wei, integer) is at most a decimal ceiling (token wei per token, as
 * `provider.max_price` writes it). Exact: no floating point.
 *
 * @param price - the supplier's price, token wei per token.
 * @param max - the ceiling, a non-negative decimal (number or string, e.g. `"1.5"`).
 * @returns `true` when `price ≤ max`; `false` when above, or when `max` is not a decimal.
 * @example
 * ```ts
 * isPriceWithin(2n, "1.5"); // false
 * isPriceWithin(1n, 1.5); // true
 * ```
 */
export function isPriceWithin(price: bigint, max: number | string): boolean {
  const fraction = parseDecimal(max);
  if (!fraction) return false;
  return price * 10n ** BigInt(fraction.denominatorExponent) <= fraction.numerator;
}
