/**
 * Brings a signature produced by an outside signer (a viem account, a wallet) into the one rule's form
 * before it leaves this library: `v` 0 / 1 becomes 27 / 28, and a high `s` becomes `n − s` with the parity
 * flipped (the same signature, its other encoding). Internal.
 * @module
 */
import type { Hex } from "viem";
import { hexInto, toHex, writeUint } from "../internal/bytes.ts";
import { signatureEncodingProblem } from "./isValidSignatureEncoding.ts";

const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_ORDER = ORDER >> 1n;

/** The rule's form of `signature`, or the reason it cannot be brought into it. */
export function canonicalSignature(signature: Hex): { signature: Hex } | { problem: string } {
  const bytes = new Uint8Array(65);
  if (!hexInto(signature, bytes, 0, 65)) return { problem: "the signer did not return 65 bytes of hex" };
  let v = bytes[64] as number;
  if (v === 0 || v === 1) v += 27;
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(bytes[i] as number);
  if (s > HALF_ORDER && s < ORDER && (v === 27 || v === 28)) {
    writeUint(ORDER - s, bytes, 32, 32);
    v = v === 27 ? 28 : 27;
  }
  bytes[64] = v;
  const problem = signatureEncodingProblem(bytes);
  return problem === undefined ? { signature: toHex(bytes) } : { problem };
}
