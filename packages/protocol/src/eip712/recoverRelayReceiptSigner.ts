import { type Address, type Hex, hexToBytes } from "viem";
import { SignatureInvalidError } from "../errors/signatures.ts";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { recoverDigestSigner } from "../signatures/digestSignatures.ts";
import { signatureEncodingProblem } from "../signatures/isValidSignatureEncoding.ts";
import { hashRelayReceipt } from "./hashRelayReceipt.ts";
import type { RelayDomainParameters } from "./relayTypes.ts";
import type { RelayReceipt } from "./schemas.ts";

export type RecoverRelayReceiptSignerParameters = {
  domain: RelayDomainParameters;
  receipt: RelayReceipt;
  signature: Hex;
};
export type RecoverRelayReceiptSignerReturnType = Address;
export type RecoverRelayReceiptSignerErrorType =
  | SignatureInvalidError
  | HexInvalidError
  | ValueOutOfRangeError;

/**
 * Recovers who signed a RelayReceipt. The caller then checks it is the supplier's operator at the request's session.
 *
 * The one signature rule applies (see `recoverDigestSigner`, the contract's `recoverSigner`): 65 bytes,
 * `v` 27 or 28, low `s`, a non-zero signer; libsecp256k1 does the recovery.
 *
 * @throws {SignatureInvalidError} exactly when the contract would recover the zero address: a signature
 *   outside the rule (v 0 / 1, high s, zero r or s, wrong length, bad hex) or one that does not recover.
 * @example
 * ```ts
 * const operator = await recoverRelayReceiptSigner({ domain, receipt, signature: receiptSignature });
 * ```
 */
export async function recoverRelayReceiptSigner({
  domain,
  receipt,
  signature,
}: RecoverRelayReceiptSignerParameters): Promise<RecoverRelayReceiptSignerReturnType> {
  const hash = hashRelayReceipt({ domain, receipt });
  const signer = recoverDigestSigner(hexToBytes(hash), signature);
  if (signer) return signer;
  throw new SignatureInvalidError({
    what: "relay receipt",
    cause: new Error(signatureEncodingProblem(signature) ?? "the signature does not recover to a public key"),
  });
}
