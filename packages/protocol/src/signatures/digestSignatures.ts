import { createRequire } from "node:module";
import { type Address, getAddress, type Hex } from "viem";
import { SignatureInvalidError } from "../errors/signatures.ts";
import { toHex } from "../internal/bytes.ts";
import { keccak256Bytes } from "../trie/keccak.ts";
import { signatureEncodingProblem } from "./isValidSignatureEncoding.ts";

// libsecp256k1 through its npm binding: ~20x the signatures per core of viem's pure-JS path (field notes),
// and signature work is the first throughput ceiling of the relay hot path.
type Secp256k1 = {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
};
const secp256k1 = createRequire(import.meta.url)("secp256k1") as Secp256k1;

export type RecoverDigestSignerErrorType = never;
export type SignDigestErrorType = SignatureInvalidError;

/**
 * Recovers the address that signed a 32-byte digest under the one signature rule (protocol.md §4; the
 * settlement's `recoverSigner`): a 65-byte `r ‖ s ‖ v` signature with `v` 27 or 28, `0 < r < n`,
 * `0 < s ≤ n/2`, recovering to a non-zero address. Anything else — v 0 / 1 or any other v, high s, a zero r or
 * s, the wrong length, bad hex, a digest that is not 32 bytes, a point that does not recover — gives
 * `undefined`, exactly where the contract returns the zero address. Never throws.
 *
 * @example
 * ```ts
 * const signer = recoverDigestSigner(hexToBytes(relayKey({ domain, request })), signature);
 * if (!signer) refuse("invalid_signature");
 * ```
 */
export function recoverDigestSigner(digest: Uint8Array, signature: Hex): Address | undefined {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) return undefined;
  const bytes = new Uint8Array(65);
  if (signatureEncodingProblem(signature, bytes) !== undefined) return undefined;
  let publicKey: Uint8Array;
  try {
    publicKey = secp256k1.ecdsaRecover(bytes.subarray(0, 64), (bytes[64] as number) - 27, digest, false);
  } catch {
    return undefined;
  }
  const hash = keccak256Bytes(publicKey.subarray(1));
  let zero = true;
  for (let i = 12; i < 32; i++) if (hash[i] !== 0) zero = false;
  if (zero) return undefined;
  return getAddress(toHex(hash, 12, 20));
}

/**
 * Signs a 32-byte digest, returning `r ‖ s ‖ v` with `v` = 27 + recovery id and a low `s` (libsecp256k1
 * normalises it): always a signature the one rule accepts, or a {@link SignatureInvalidError}.
 *
 * @throws {SignatureInvalidError} when the key or digest is malformed, or (never seen) libsecp256k1 returns a
 *   signature outside the rule.
 * @example
 * ```ts
 * const receiptSignature = signDigest(hexToBytes(hashRelayReceipt({ domain, receipt })), hexToBytes(operatorKey));
 * ```
 */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): Hex {
  let signed: { signature: Uint8Array; recid: number };
  try {
    signed = secp256k1.ecdsaSign(digest, privateKey);
  } catch (error) {
    throw new SignatureInvalidError({ what: "digest", cause: error });
  }
  const out = new Uint8Array(65);
  out.set(signed.signature, 0);
  out[64] = 27 + signed.recid;
  const problem = signatureEncodingProblem(out);
  if (problem !== undefined) throw new SignatureInvalidError({ what: "digest", cause: new Error(problem) });
  return toHex(out);
}
