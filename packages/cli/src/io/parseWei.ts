import { CliInputError } from "../errors.ts";

const uint128Max = (1n << 128n) - 1n;

/**
 * Parses a price in token wei per unit (a non-negative decimal integer that fits the contracts' uint128).
 *
 * @param value - what the user typed.
 * @param option - the option it came from, e.g. `--input-price`.
 * @example
 * parseWei("1000000000000", "--input-price"); // 1000000000000n
 */
export function parseWei(value: string, option: string): bigint {
  const trimmed = value.trim();
  if (/^-/.test(trimmed)) throw new CliInputError(`${option} must not be negative, got "${value}".`);
  if (!/^\d+$/.test(trimmed)) {
    throw new CliInputError(
      `${option} must be token wei per unit as a whole decimal number (e.g. "1000000000000"), got "${value}".`,
    );
  }
  const wei = BigInt(trimmed);
  if (wei > uint128Max) throw new CliInputError(`${option} does not fit in uint128: "${value}".`);
  return wei;
}
