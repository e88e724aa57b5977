import { type Address, type Hex, recoverAddress } from "viem";
import { SignatureInvalidError } from "../errors/signatures.ts";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
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
 * @throws {SignatureInvalidError} when the signature is malformed or does not recover.
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
  if (typeof signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signature))
    throw new SignatureInvalidError({
      what: "relay request",
      cause: new Error("signature must be 65 bytes of hex"),
    });
  try {
    return await recoverAddress({ hash, signature });
  } catch (error) {
    throw new SignatureInvalidError({ what: "relay request", cause: error });
  }
}
