import type { Hex, LocalAccount } from "viem";
import { sign } from "viem/accounts";
import { SignatureInvalidError } from "../errors/signatures.ts";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { canonicalSignature } from "../signatures/canonicalSignature.ts";
import { relayKey } from "./relayKey.ts";
import { type RelayDomainParameters, relayDomain, relayTypes } from "./relayTypes.ts";
import type { RelayRequest } from "./schemas.ts";

/** Who signs: a viem local account, or a raw 32-byte private key (hex). */
export type RelaySigner = Pick<LocalAccount, "signTypedData"> | Hex;

export type SignRelayRequestParameters = {
  domain: RelayDomainParameters;
  request: RelayRequest;
  /** The application, or a gateway the application delegated to in `request.session`. */
  signer: RelaySigner;
};
export type SignRelayRequestReturnType = Hex;
export type SignRelayRequestErrorType = SignatureInvalidError | HexInvalidError | ValueOutOfRangeError;

/**
 * Signs a RelayRequest (EIP-712), returning the 65-byte `r ‖ s ‖ v` signature in the one rule's
 * form (`v` 27 or 28, low `s`; an account that answers otherwise is normalised, never passed through). With a
 * private key it signs the relay key directly (no typed-data re-encoding); with an account it calls
 * `account.signTypedData`.
 *
 * @example
 * ```ts
 * const requestSignature = await signRelayRequest({ domain, request, signer: privateKeyToAccount(key) });
 * ```
 */
export async function signRelayRequest({
  domain,
  request,
  signer,
}: SignRelayRequestParameters): Promise<SignRelayRequestReturnType> {
  let signature: Hex;
  try {
    signature =
      typeof signer === "string"
        ? await sign({ hash: relayKey({ domain, request }), privateKey: signer, to: "hex" })
        : await signer.signTypedData({
            domain: relayDomain(domain),
            types: relayTypes,
            primaryType: "RelayRequest",
            message: request,
          });
  } catch (error) {
    throw new SignatureInvalidError({ what: "relay request", cause: error });
  }
  // An outside signer may answer v 0 / 1 or a high s: send only the rule's form (protocol.md §4).
  const canonical = canonicalSignature(signature);
  if ("problem" in canonical)
    throw new SignatureInvalidError({ what: "relay request", cause: new Error(canonical.problem) });
  return canonical.signature;
}
