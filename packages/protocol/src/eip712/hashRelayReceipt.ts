import type { Hex } from "viem";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { toHex } from "../internal/bytes.ts";
import { receiptDigestInto } from "./encoding.ts";
import type { RelayDomainParameters } from "./relayTypes.ts";
import type { RelayReceipt } from "./schemas.ts";

export type HashRelayReceiptParameters = { domain: RelayDomainParameters; receipt: RelayReceipt };
export type HashRelayReceiptReturnType = Hex;
export type HashRelayReceiptErrorType = HexInvalidError | ValueOutOfRangeError;

/**
 * The EIP-712 digest of a receipt (what the supplier's operator signs; the settlement's `hashRelayReceipt`).
 *
 * @example
 * ```ts
 * const digest = hashRelayReceipt({ domain, receipt });
 * ```
 */
export function hashRelayReceipt({
  domain,
  receipt,
}: HashRelayReceiptParameters): HashRelayReceiptReturnType {
  const out = new Uint8Array(32);
  receiptDigestInto(domain, receipt, out, 0);
  return toHex(out);
}
