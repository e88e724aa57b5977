import { parseUnits } from "viem";
import { CliInputError } from "../errors.ts";

/** Decimals of the AVY token. */
export const tokenDecimals = 18;

/**
 * Parses a token amount in AVY (decimal, like `2000` or `0.5`) into wei. Negative, zero, non-decimal and
 * over-precise (more than 18 decimals) amounts are refused with an error naming the option.
 *
 * @param value - what the user typed.
 * @param option - the option it came from, e.g. `--amount`.
 * @example
 * parseTokenAmount("0.5", "--amount"); // 500000000000000000n
 */
export function parseTokenAmount(value: string, option: string): bigint {
  const trimmed = value.trim();
  const example = 'e.g. "2000" or "0.5"';
  if (/^-/.test(trimmed)) throw new CliInputError(`${option} must not be negative, got "${value}".`);
  if (!/^\d+(\.\d+)?$/.test(trimmed)) {
    throw new CliInputError(`${option} must be a decimal number of AVY (${example}), got "${value}".`);
  }
  const decimals = trimmed.split(".")[1]?.length ?? 0;
  if (decimals > tokenDecimals) {
    throw new CliInputError(`${option} has more than ${tokenDecimals} decimals: "${value}".`);
  }
  const wei = parseUnits(trimmed, tokenDecimals);
  if (wei === 0n) throw new CliInputError(`${option} must be more than 0, got "${value}".`);
  return wei;
}
