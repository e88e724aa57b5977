import type { Hex } from "viem";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { toHex } from "../internal/bytes.ts";
import { domainSeparatorBytes } from "./encoding.ts";
import type { RelayDomainParameters } from "./relayTypes.ts";

export type RelayDomainSeparatorParameters = RelayDomainParameters;
export type RelayDomainSeparatorReturnType = Hex;
export type RelayDomainSeparatorErrorType = HexInvalidError | ValueOutOfRangeError;

/**
 * The EIP-712 domain separator of `{ name: "Aviary", version: "1", chainId, verifyingContract }` (the
 * settlement's `domainSeparator()`). Cached per (chainId, verifyingContract).
 *
 * @example
 * ```ts
 * const separator = relayDomainSeparator({ chainId: 31337, verifyingContract: settlement });
 * ```
 */
export function relayDomainSeparator(domain: RelayDomainSeparatorParameters): RelayDomainSeparatorReturnType {
  return toHex(domainSeparatorBytes(domain));
}
