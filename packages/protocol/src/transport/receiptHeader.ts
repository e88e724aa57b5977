import { decodeAbiParameters, encodeAbiParameters, type Hex } from "viem";
import { relayTypes } from "../eip712/relayTypes.ts";
import { type RelayReceipt, relayReceiptSchema } from "../eip712/schemas.ts";
import { base64UrlToHex, hexToBase64Url } from "./base64url.ts";
import { decodeCanonicalReceiptHeader, encodeCanonicalReceiptHeader } from "./canonicalHeaders.ts";
import { RelayHeaderInvalidError } from "./errors.ts";

/** Response header of a non-streamed relay carrying the signed RelayReceipt (protocol.md §4). */
export const RECEIPT_HEADER = "Aviary-Receipt";
/** SSE comment that carries the receipt of a streamed relay, right before `data: [DONE]`. */
export const RECEIPT_SSE_PREFIX = ": aviary-receipt ";

const parameters = [
  { name: "receipt", type: "tuple", components: relayTypes.RelayReceipt },
  { name: "signature", type: "bytes" },
] as const;

export type SignedRelayReceipt = { receipt: RelayReceipt; signature: Hex };

/**
 * Encodes a receipt for the `Aviary-Receipt` header or the `: aviary-receipt` SSE comment:
 * base64url of `abi.encode(RelayReceipt, bytes signature)`.
 *
 * @example
 * ```ts
 * response.headers.set(RECEIPT_HEADER, encodeReceiptHeader({ receipt, signature }));
 * ```
 */
export function encodeReceiptHeader(signed: SignedRelayReceipt): string {
  return encodeCanonicalReceiptHeader(signed) ?? encodeReceiptHeaderByAbi(signed);
}

/** {@link encodeReceiptHeader} through viem's ABI coder: the reference the canonical coder is tested against. */
export function encodeReceiptHeaderByAbi({ receipt, signature }: SignedRelayReceipt): string {
  return hexToBase64Url(encodeAbiParameters(parameters, [receipt, signature]));
}

/**
 * Decodes and validates a receipt header or SSE comment payload.
 *
 * @example
 * ```ts
 * const { receipt, signature } = decodeReceiptHeader(response.headers.get(RECEIPT_HEADER));
 * ```
 */
export function decodeReceiptHeader(value: string | undefined | null): SignedRelayReceipt {
  return (
    (typeof value === "string" && decodeCanonicalReceiptHeader(value)) || decodeReceiptHeaderByAbi(value)
  );
}

/** {@link decodeReceiptHeader} through viem's ABI coder and the zod schema: the reference, and what names errors. */
export function decodeReceiptHeaderByAbi(value: string | undefined | null): SignedRelayReceipt {
  if (!value) throw new RelayHeaderInvalidError({ header: RECEIPT_HEADER, reason: "it is missing" });
  const hex = base64UrlToHex(value.trim());
  if (!hex || hex.length > 2 + 2 * 1024) {
    throw new RelayHeaderInvalidError({
      header: RECEIPT_HEADER,
      reason: "it is not base64url of at most 1 KiB",
    });
  }
  let decoded: readonly [unknown, Hex];
  try {
    decoded = decodeAbiParameters(parameters, hex);
  } catch (cause) {
    throw new RelayHeaderInvalidError({
      header: RECEIPT_HEADER,
      reason: "it is not abi.encode(RelayReceipt, bytes signature)",
      cause,
    });
  }
  const receipt = relayReceiptSchema.safeParse(decoded[0]);
  if (!receipt.success) {
    throw new RelayHeaderInvalidError({
      header: RECEIPT_HEADER,
      reason: `its receipt is malformed (${receipt.error.issues[0]?.message})`,
    });
  }
  if ((decoded[1].length - 2) / 2 !== 65) {
    throw new RelayHeaderInvalidError({ header: RECEIPT_HEADER, reason: "its signature is not 65 bytes" });
  }
  return { receipt: receipt.data, signature: decoded[1] };
}
