import type { Hex } from "viem";
import { hexInto } from "../internal/bytes.ts";

/** secp256k1's group order n, big-endian. */
const ORDER = bytesOf("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
/** floor(n / 2): OpenZeppelin's ECDSA (and so the contract) rejects a higher s. */
const HALF_ORDER = bytesOf("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");

export type IsValidSignatureEncodingErrorType = never;

/**
 * Whether `signature` follows the one signature rule's encoding (protocol.md §4): exactly 65 bytes `r ‖ s ‖ v`,
 * `v` 27 or 28 (never 0 / 1), `0 < r < n` and `0 < s ≤ n/2`. A signature that fails this recovers to zero
 * on-chain. One that passes may still not recover (r not on the curve): see `recoverDigestSigner`.
 *
 * @param signature - hex (`0x` + 130 digits) or 65 bytes.
 * @example
 * ```ts
 * isValidSignatureEncoding(signDigest(digest, key)); // true
 * isValidSignatureEncoding(`0x${"11".repeat(64)}00`); // false: v = 0
 * ```
 */
export function isValidSignatureEncoding(signature: Hex | Uint8Array): boolean {
  return signatureEncodingProblem(signature) === undefined;
}

/**
 * Why `signature` breaks the rule's encoding, or `undefined` when it does not. Internal (messages for errors).
 * @param out - when given (65 bytes), receives the decoded signature.
 */
export function signatureEncodingProblem(signature: unknown, out = new Uint8Array(65)): string | undefined {
  if (signature instanceof Uint8Array) {
    if (signature.length !== 65) return `must be 65 bytes (got ${signature.length})`;
    out.set(signature);
  } else if (!hexInto(signature, out, 0, 65)) {
    return typeof signature === "string"
      ? `must be 0x followed by 130 hex digits (65 bytes; got ${signature.length} characters)`
      : "must be hex";
  }
  const v = out[64] as number;
  if (v !== 27 && v !== 28) return `v must be 27 or 28 (got ${v})`;
  if (isZero(out, 0)) return "r is zero";
  if (compare(out, 0, ORDER) >= 0) return "r is not below the curve order";
  if (isZero(out, 32)) return "s is zero";
  if (compare(out, 32, HALF_ORDER) > 0) return "s is above n/2 (malleable high-s form)";
  return undefined;
}

function bytesOf(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
}

function isZero(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 32; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}

/** Compares the 32-byte big-endian word at `bytes[offset]` with `word`. */
function compare(bytes: Uint8Array, offset: number, word: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const difference = (bytes[offset + i] as number) - (word[i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}
