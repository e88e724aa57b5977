import type { Hex } from "viem";
import { HASH_UNIT_PER_WAD, WAD } from "../constants.ts";
import { ProbabilityInvalidError, ValueOutOfRangeError } from "../errors/values.ts";

export type IsBelowErrorType = ProbabilityInvalidError | ValueOutOfRangeError;

/**
 * Whether a 32-byte hash is "below" a probability (wad, 1e18 = 1), as the contracts define it:
 * `probabilityWad >= 1e18 || uint256(hash) < probabilityWad * floor((2^256 − 1) / 1e18)`.
 *
 * @param hash - 32-byte hex or a uint256 bigint.
 * @param probabilityWad - the probability in wad; 0 is never below, ≥ 1e18 always.
 * @example
 * ```ts
 * isBelow(`0x${"00".repeat(32)}`, 1n); // true
 * isBelow(`0x${"ff".repeat(32)}`, 10n ** 18n); // true (p = 1)
 * ```
 */
export function isBelow(hash: Hex | bigint, probabilityWad: bigint): boolean {
  if (typeof probabilityWad !== "bigint" || probabilityWad < 0n)
    throw new ProbabilityInvalidError({
      probabilityWad: BigInt(probabilityWad),
      reason: "must be a non-negative bigint",
    });
  if (probabilityWad >= WAD) return true;
  let value: bigint;
  if (typeof hash === "bigint") value = hash;
  else if (typeof hash === "string" && /^0x[0-9a-fA-F]{64}$/.test(hash)) value = BigInt(hash);
  else throw new ValueOutOfRangeError({ name: "hash", value: hash, type: "bytes32" });
  if (value < 0n || value >= 1n << 256n)
    throw new ValueOutOfRangeError({ name: "hash", value: hash, type: "bytes32" });
  return value < probabilityWad * HASH_UNIT_PER_WAD;
}
