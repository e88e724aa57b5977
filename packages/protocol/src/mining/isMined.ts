import type { Hex } from "viem";
import { HASH_UNIT_PER_WAD, WAD } from "../constants.ts";
import { HexInvalidError, ProbabilityInvalidError } from "../errors/values.ts";
import { hexInto, readUint } from "../internal/bytes.ts";
import { keccak256Into } from "../trie/keccak.ts";

export type IsMinedParameters = {
  /** The relay key (EIP-712 digest of the request). */
  relayKey: Hex;
  /** `miningSeed[s] = blockhash(E + graceBlocks + 1)` of the request's session (`sessionWindows(s).miningSeedBlock`). */
  miningSeed: Hex;
  /** The model's mining probability for that session (wad). */
  probabilityWad: bigint;
};
export type IsMinedReturnType = boolean;
export type IsMinedErrorType = HexInvalidError | ProbabilityInvalidError;

const buffer = new Uint8Array(64);
const digest = new Uint8Array(32);

/**
 * Whether a relay is mined (enters the claim trie): `keccak256(abi.encode(relayKey, miningSeed))` is below
 * `probabilityWad` (see {@link isBelow}). Nobody knows the seed while serving, so nobody can pick relays.
 *
 * @example
 * ```ts
 * const mined = served.filter((relay) => isMined({ relayKey: relay.key, miningSeed, probabilityWad }));
 * ```
 */
export function isMined({ relayKey, miningSeed, probabilityWad }: IsMinedParameters): IsMinedReturnType {
  if (!hexInto(relayKey, buffer, 0, 32))
    throw new HexInvalidError({ name: "relayKey", value: relayKey, bytes: 32 });
  if (!hexInto(miningSeed, buffer, 32, 32))
    throw new HexInvalidError({ name: "miningSeed", value: miningSeed, bytes: 32 });
  if (typeof probabilityWad !== "bigint" || probabilityWad < 0n)
    throw new ProbabilityInvalidError({
      probabilityWad: BigInt(probabilityWad),
      reason: "must be a non-negative bigint",
    });
  if (probabilityWad >= WAD) return true;
  keccak256Into(buffer, 0, 64, digest, 0);
  return readUint(digest, 0, 32) < probabilityWad * HASH_UNIT_PER_WAD;
}
