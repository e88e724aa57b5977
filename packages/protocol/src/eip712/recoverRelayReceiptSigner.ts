import { type Address, type Hex, recoverAddress } from "viem";
import { SignatureInvalidError } from "../errors/signatures.ts";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
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
 * @throws {SignatureInvalidError} when the signature is malformed or does not recover.
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
  if (typeof signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signature))
    throw new SignatureInvalidError({
      what: "relay receipt",
      cause: new Error("signature must be 65 bytes of hex"),
    });
  try {
    return await recoverAddress({ hash, signature });
  } catch (error) {
    throw new SignatureInvalidError({ what: "relay receipt", cause: error });
  }
}
