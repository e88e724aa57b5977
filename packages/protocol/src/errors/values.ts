import { BaseError } from "./BaseError.ts";

/**
 * A value does not fit the Solidity type it stands for (e.g. a negative `uint128`, a 33-byte `bytes32`).
 *
 * @example
 * ```ts
 * throw new ValueOutOfRangeError({ name: "weight", value: -1n, type: "uint128" });
 * ```
 */
export class ValueOutOfRangeError extends BaseError {
  override name = "ValueOutOfRangeError";
  constructor({ name, value, type }: { name: string; value: unknown; type: string }) {
    super(`\`${name}\` is not a valid ${type}.`, {
      metaMessages: [`Value: ${typeof value === "bigint" ? `${value}n` : String(value)}`],
    });
  }
}

/**
 * A hex string is malformed or has the wrong byte length.
 *
 * @example
 * ```ts
 * throw new HexInvalidError({ name: "key", value: "0x12", bytes: 32 });
 * ```
 */
export class HexInvalidError extends BaseError {
  override name = "HexInvalidError";
  constructor({ name, value, bytes }: { name: string; value: unknown; bytes: number }) {
    super(`\`${name}\` is not a ${bytes}-byte hex string.`, {
      metaMessages: [`Value: ${typeof value === "string" ? value.slice(0, 80) : String(value)}`],
    });
  }
}

/**
 * A probability ("wad", 1e18 = 1) is out of range for the operation (e.g. zero where it divides).
 *
 * @example
 * ```ts
 * throw new ProbabilityInvalidError({ probabilityWad: 0n, reason: "must be positive to divide by it" });
 * ```
 */
export class ProbabilityInvalidError extends BaseError {
  override name = "ProbabilityInvalidError";
  constructor({ probabilityWad, reason }: { probabilityWad: bigint; reason: string }) {
    super(`Probability ${probabilityWad} (wad) is invalid: ${reason}.`);
  }
}
