import type { Hex } from "viem";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { toHex } from "../internal/bytes.ts";
import { requestDigestInto } from "./encoding.ts";
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
