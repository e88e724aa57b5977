import { decodeAbiParameters, encodeAbiParameters, type Hex } from "viem";
import { relayTypes } from "../eip712/relayTypes.ts";
import { type RelayRequest, relayRequestSchema } from "../eip712/schemas.ts";
import { base64UrlToHex, hexToBase64Url } from "./base64url.ts";
import { decodeCanonicalRelayHeader, encodeCanonicalRelayHeader } from "./canonicalHeaders.ts";
import { RelayHeaderInvalidError } from "./errors.ts";

/** Name of the request header that carries the signed RelayRequest (protocol.md §4). */
export const RELAY_HEADER = "Aviary-Relay";

const parameters = [
  { name: "request", type: "tuple", components: relayTypes.RelayRequest },
  { name: "signature", type: "bytes" },
] as const;

/** Headers are small: a RelayRequest and a 65-byte signature encode to 480 bytes, 640 in base64url. */
const maxHeaderLength = 1024;

export type SignedRelayRequest = { request: RelayRequest; signature: Hex };

/**
 * Encodes the `Aviary-Relay` header: base64url of `abi.encode(RelayRequest, bytes signature)`.
 *
 * @example
 * ```ts
 * headers[RELAY_HEADER] = encodeRelayHeader({ request, signature: requestSignature });
 * ```
 */
export function encodeRelayHeader(signed: SignedRelayRequest): string {
  return encodeCanonicalRelayHeader(signed) ?? encodeRelayHeaderByAbi(signed);
}

/** {@link encodeRelayHeader} through viem's ABI coder: the reference the canonical coder is tested against. */
export function encodeRelayHeaderByAbi({ request, signature }: SignedRelayRequest): string {
  return hexToBase64Url(encodeAbiParameters(parameters, [request, signature]));
}

/**
 * Decodes and validates the `Aviary-Relay` header. Throws {@link RelayHeaderInvalidError} naming what is wrong.
 *
 * @example
 * ```ts
 * const { request, signature } = decodeRelayHeader(headerValue);
 * ```
 */
export function decodeRelayHeader(value: string | undefined | null): SignedRelayRequest {
  return (typeof value === "string" && decodeCanonicalRelayHeader(value)) || decodeRelayHeaderByAbi(value);
}

/** {@link decodeRelayHeader} through viem's ABI coder and the zod schema: the reference, and what names errors. */
export function decodeRelayHeaderByAbi(value: string | undefined | null): SignedRelayRequest {
  if (value === undefined || value === null || value === "") {
    throw new RelayHeaderInvalidError({ header: RELAY_HEADER, reason: "it is missing" });
  }
  if (value.length > maxHeaderLength) {
    throw new RelayHeaderInvalidError({
      header: RELAY_HEADER,
      reason: `it is longer than ${maxHeaderLength} characters`,
    });
  }
  const hex = base64UrlToHex(value.trim());
  if (!hex) throw new RelayHeaderInvalidError({ header: RELAY_HEADER, reason: "it is not base64url" });
  let decoded: readonly [unknown, Hex];
  try {
    decoded = decodeAbiParameters(parameters, hex);
  } catch (cause) {
    throw new RelayHeaderInvalidError({
      header: RELAY_HEADER,
      reason: "it is not abi.encode(RelayRequest, bytes signature)",
      cause,
    });
  }
  const request = relayRequestSchema.safeParse(decoded[0]);
  if (!request.success) {
    throw new RelayHeaderInvalidError({
      header: RELAY_HEADER,
      reason: `its request is malformed (${request.error.issues[0]?.message})`,
    });
  }
  if ((decoded[1].length - 2) / 2 !== 65) {
    throw new RelayHeaderInvalidError({
      header: RELAY_HEADER,
      reason: "its signature is not 65 bytes (r ‖ s ‖ v)",
    });
  }
  return { request: request.data, signature: decoded[1] };
}
