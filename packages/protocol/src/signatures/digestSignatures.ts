import { createRequire } from "node:module";
import { keccak_256 } from "@noble/hashes/sha3";
import { type Address, getAddress, type Hex, hexToBytes } from "viem";

// libsecp256k1 through its npm binding: ~20x the signatures per core of viem's pure-JS path (field notes),
// and signature work is the first throughput ceiling of the relay hot path.
type Secp256k1 = {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
};
const secp256k1 = createRequire(import.meta.url)("secp256k1") as Secp256k1;

// Half the curve order: OpenZeppelin's ECDSA (and so the contract) rejects signatures with a higher s.
const halfOrder = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * Recovers the address that signed a 32-byte digest with a 65-byte `r ‖ s ‖ v` signature, or `undefined`
 * when the signature is malformed, malleable (high s) or does not recover.
 *
 * @example
 * const signer = recoverDigestSigner(relayKeyBytes, signature);
 */
export function recoverDigestSigner(digest: Uint8Array, signature: Hex): Address | undefined {
  if (signature.length !== 132) return undefined;
  const bytes = hexToBytes(signature);
  const v = bytes[64] ?? 0;
  const recid = v >= 27 ? v - 27 : v;
  if (recid !== 0 && recid !== 1) return undefined;
  let s = 0n;
  for (let index = 32; index < 64; index += 1) s = (s << 8n) | BigInt(bytes[index] ?? 0);
  if (s === 0n || s > halfOrder) return undefined;
  try {
    const publicKey = secp256k1.ecdsaRecover(bytes.subarray(0, 64), recid, digest, false);
    const hash = keccak_256(publicKey.subarray(1));
    return getAddress(`0x${Buffer.from(hash.subarray(12)).toString("hex")}`);
  } catch {
    return undefined;
  }
}

/**
 * Signs a 32-byte digest, returning `r ‖ s ‖ v` (v = 27 + recovery id; s is always low).
 *
 * @example
 * const receiptSignature = signDigest(receiptDigestBytes, operatorKeyBytes);
 */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): Hex {
  const { signature, recid } = secp256k1.ecdsaSign(digest, privateKey);
  const out = Buffer.alloc(65);
  out.set(signature, 0);
  out[64] = 27 + recid;
  return `0x${out.toString("hex")}`;
}
