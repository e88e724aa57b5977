import type { Hex } from "viem";
import { HexInvalidError, type ValueOutOfRangeError } from "../errors/values.ts";
import { hexInto, toHex } from "../internal/bytes.ts";
import { requestDigestInto, requestDigestOfStructHashInto } from "./encoding.ts";
import type { RelayDomainParameters } from "./relayTypes.ts";
import type { RelayRequest } from "./schemas.ts";

export type RelayKeyParameters = { domain: RelayDomainParameters; request: RelayRequest };
export type RelayKeyReturnType = Hex;
export type RelayKeyErrorType = HexInvalidError | ValueOutOfRangeError;

/**
 * The relay key: the EIP-712 digest of the request (`keccak256(0x1901 ‖ domainSeparator ‖ structHash)`), which
 * the application signs. Unique per nonce; the trie key and the mining input (protocol.md §5).
 *
 * @example
 * ```ts
 * const key = relayKey({ domain: { chainId: 31337, verifyingContract: settlement }, request });
 * ```
 */
export function relayKey({ domain, request }: RelayKeyParameters): RelayKeyReturnType {
  const out = new Uint8Array(32);
  requestDigestInto(domain, request, out, 0);
  return toHex(out);
}

/**
 * {@link relayKey} from the request's struct hash (`hashRelayRequest`), for a node that needs both and
 * computes the struct hash once.
 *
 * @param domain - the relay EIP-712 domain.
 * @param requestHash - `hashRelayRequest(request)`.
 * @throws {HexInvalidError} when `requestHash` is not 32 bytes of hex.
 * @example
 * ```ts
 * const requestHash = hashRelayRequest(request);
 * const key = relayKeyOfStructHash(domain, requestHash); // === relayKey({ domain, request })
 * ```
 */
export function relayKeyOfStructHash(domain: RelayDomainParameters, requestHash: Hex): RelayKeyReturnType {
  const structHash = new Uint8Array(32);
  if (!hexInto(requestHash, structHash, 0, 32))
    throw new HexInvalidError({ name: "requestHash", value: requestHash, bytes: 32 });
  const out = new Uint8Array(32);
  requestDigestOfStructHashInto(domain, structHash, out, 0);
  return toHex(out);
}
