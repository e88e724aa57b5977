import type { Hex } from "viem";
import { HexInvalidError } from "../errors/values.ts";
import { keccak256Hex } from "../hashing/keccak256Hex.ts";
import { hexInto } from "../internal/bytes.ts";

const DOMAIN = new TextEncoder().encode("aviary.sampling-seed");

/**
 * The embedded runtime's sampler chain besides temperature and `top_p`: llama.cpp's top-k 40 (node-llama-cpp's
 * default, which the supplier has always sampled with) and no min-p. A replay mirrors it exactly; the audits'
 * reported-log-probability check knows the truncated convention it gives (`truncatedLogProbs`).
 */
export const EMBEDDED_SAMPLER_CHAIN = { topK: 40, minP: 0 } as const;

/**
 * A seed as the embedded runtime's sampler takes it (uint32): negative or large seeds wrap rather than clamp,
 * so `-1` and `2 ** 32 - 1` sample alike. The supplier and the auditor's replay both pass seeds through this.
 *
 * @example
 * ```ts
 * samplerSeed(-1); // 4294967295
 * ```
 */
export function samplerSeed(seed: number): number {
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(seed))));
}

/**
 * The seed a text relay is sampled with when its body names none (protocol.md §8, seeded replay): the first
 * four bytes of `keccak256("aviary.sampling-seed" ‖ relayKey)`, big-endian, never {@link RANDOM_SEED} (that one
 * becomes `RANDOM_SEED − 1`). Both sides know the relay key, so
 * the gateway can replay any sampled answer of a supplier whose runtime replays seeds, while each request (a
 * fresh nonce) still samples differently. Domain-separated so the seed says nothing about whether the relay
 * is mined (that reads the relay key's own bits).
 *
 * @param relayKey - the relay's key (`relayKey`), 32 bytes of hex.
 * @throws {HexInvalidError} when `relayKey` is not 32 bytes of hex.
 * @example
 * ```ts
 * const seed = relaySamplingSeed(relay.relayKey); // 0 … 2 ** 32 - 2
 * ```
 */
export function relaySamplingSeed(relayKey: Hex): number {
  const input = new Uint8Array(DOMAIN.length + 32);
  input.set(DOMAIN, 0);
  if (!hexInto(relayKey, input, DOMAIN.length, 32))
    throw new HexInvalidError({ name: "relayKey", value: relayKey, bytes: 32 });
  const seed = Number.parseInt(keccak256Hex(input).slice(2, 10), 16);
  return seed === RANDOM_SEED ? RANDOM_SEED - 1 : seed;
}

/** The seed llama.cpp reads as "draw a random one" (`LLAMA_DEFAULT_SEED`): a sample with it cannot be replayed. */
export const RANDOM_SEED = 0xffff_ffff;
