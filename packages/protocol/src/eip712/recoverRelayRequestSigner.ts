import { type Address, type Hex, hexToBytes } from "viem";
import { SignatureInvalidError } from "../errors/signatures.ts";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { recoverDigestSigner } from "../signatures/digestSignatures.ts";
import { signatureEncodingProblem } from "../signatures/isValidSignatureEncoding.ts";
import { relayKey } from "./relayKey.ts";
import type { RelayDomainParameters } from "./relayTypes.ts";
import type { RelayRequest } from "./schemas.ts";

export type RecoverRelayRequestSignerParameters = {
  domain: RelayDomainParameters;
  request: RelayRequest;
  signature: Hex;
};
export type RecoverRelayRequestSignerReturnType = Address;
export type RecoverRelayRequestSignerErrorType =
  | SignatureInvalidError
  | HexInvalidError
  | ValueOutOfRangeError;

/**
 * Recovers who signed a RelayRequest. The caller then checks it is the application or one of its delegated
 * gateways at `request.session` (chain state).
 *
 * The one signature rule applies (see `recoverDigestSigner`, the contract's `recoverSigner`): 65 bytes,
 * `v` 27 or 28, low `s`, a non-zero signer; libsecp256k1 does the recovery.
 *
 * @throws {SignatureInvalidError} exactly when the contract would recover the zero address: a signature
 *   outside the rule (v 0 / 1, high s, zero r or s, wrong length, bad hex) or one that does not recover.
 * @example
 * ```ts
 * const signer = await recoverRelayRequestSigner({ domain, request, signature: requestSignature });
 * if (signer !== request.application && !delegates.includes(signer)) refuse("invalid_signature");
 * ```
 */
export async function recoverRelayRequestSigner({
  domain,
  request,
  signature,
}: RecoverRelayRequestSignerParameters): Promise<RecoverRelayRequestSignerReturnType> {
  const hash = relayKey({ domain, request });
  const signer = recoverDigestSigner(hexToBytes(hash), signature);
  if (signer) return signer;
  throw new SignatureInvalidError({
    what: "relay request",
    cause: new Error(signatureEncodingProblem(signature) ?? "the signature does not recover to a public key"),
  });
}
