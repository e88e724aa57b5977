import type { Hex } from "viem";
import { sign } from "viem/accounts";
import { SignatureInvalidError } from "../errors/signatures.ts";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { canonicalSignature } from "../signatures/canonicalSignature.ts";
import { hashRelayReceipt } from "./hashRelayReceipt.ts";
import { type RelayDomainParameters, relayDomain, relayTypes } from "./relayTypes.ts";
import type { RelayReceipt } from "./schemas.ts";
import type { RelaySigner } from "./signRelayRequest.ts";

export type SignRelayReceiptParameters = {
  domain: RelayDomainParameters;
  receipt: RelayReceipt;
  /** The supplier's operator at the request's session. */
  signer: RelaySigner;
};
export type SignRelayReceiptReturnType = Hex;
export type SignRelayReceiptErrorType = SignatureInvalidError | HexInvalidError | ValueOutOfRangeError;

/**
 * Signs a RelayReceipt (EIP-712), returning the 65-byte `r ‖ s ‖ v` signature in the one rule's
 * form (`v` 27 or 28, low `s`; an account that answers otherwise is normalised, never passed through).
 *
 * @example
 * ```ts
 * const receipt = { request: hashRelayRequest(request), responseHash, inputUnits: 12n, outputUnits: 30n };
 * const receiptSignature = await signRelayReceipt({ domain, receipt, signer: operatorAccount });
 * ```
 */
export async function signRelayReceipt({
  domain,
  receipt,
  signer,
}: SignRelayReceiptParameters): Promise<SignRelayReceiptReturnType> {
  let signature: Hex;
  try {
    signature =
      typeof signer === "string"
        ? await sign({ hash: hashRelayReceipt({ domain, receipt }), privateKey: signer, to: "hex" })
        : await signer.signTypedData({
            domain: relayDomain(domain),
            types: relayTypes,
            primaryType: "RelayReceipt",
            message: receipt,
          });
  } catch (error) {
    throw new SignatureInvalidError({ what: "relay receipt", cause: error });
  }
  // An outside signer may answer v 0 / 1 or a high s: send only the rule's form (protocol.md §4).
  const canonical = canonicalSignature(signature);
  if ("problem" in canonical)
    throw new SignatureInvalidError({ what: "relay receipt", cause: new Error(canonical.problem) });
  return canonical.signature;
}
