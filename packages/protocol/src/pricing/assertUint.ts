import { ValueOutOfRangeError } from "../errors/values.ts";

/** Throws {@link ValueOutOfRangeError} unless `value` is a bigint in [0, 2^bits). Internal. */
export function assertUint(value: unknown, bits: number, name: string): asserts value is bigint {
  if (typeof value !== "bigint" || value < 0n || value >= 1n << BigInt(bits))
    throw new ValueOutOfRangeError({ name, value, type: `uint${bits}` });
}
