import type { Address } from "viem";

/**
 * EIP-712 types of a relay, exactly as the contracts hash them (protocol.md §4):
 * `RelayRequest(address application,address supplier,bytes32 model,uint64 session,uint64 nonce,bytes32 bodyHash,uint128 inputPrice,uint128 outputPrice,uint128 maxCost)`
 * and `RelayReceipt(bytes32 request,bytes32 responseHash,uint64 inputUnits,uint64 outputUnits)`.
 *
 * @example
 * ```ts
 * await account.signTypedData({ domain: relayDomain({ chainId, verifyingContract }), types: relayTypes, primaryType: "RelayRequest", message: request });
 * ```
 */
export const relayTypes = {
  RelayRequest: [
    { name: "application", type: "address" },
    { name: "supplier", type: "address" },
    { name: "model", type: "bytes32" },
    { name: "session", type: "uint64" },
    { name: "nonce", type: "uint64" },
    { name: "bodyHash", type: "bytes32" },
    { name: "inputPrice", type: "uint128" },
    { name: "outputPrice", type: "uint128" },
    { name: "maxCost", type: "uint128" },
  ],
  RelayReceipt: [
    { name: "request", type: "bytes32" },
    { name: "responseHash", type: "bytes32" },
    { name: "inputUnits", type: "uint64" },
    { name: "outputUnits", type: "uint64" },
  ],
} as const;

/** The EIP-712 type strings (what the type hashes hash). */
export const RELAY_REQUEST_TYPE =
  "RelayRequest(address application,address supplier,bytes32 model,uint64 session,uint64 nonce,bytes32 bodyHash,uint128 inputPrice,uint128 outputPrice,uint128 maxCost)";
export const RELAY_RECEIPT_TYPE =
  "RelayReceipt(bytes32 request,bytes32 responseHash,uint64 inputUnits,uint64 outputUnits)";

/** The full EIP-712 domain of Aviary relays. */
export type RelayDomain = {
  name: "Aviary";
  version: "1";
  chainId: number | bigint;
  /** The settlement contract. */
  verifyingContract: Address;
};

/** What the relay hashing and signing functions need of the domain (a full {@link RelayDomain} also fits). */
export type RelayDomainParameters = { chainId: number | bigint; verifyingContract: Address };

/**
 * The EIP-712 domain `{ name: "Aviary", version: "1", chainId, verifyingContract }`.
 *
 * @param parameters.chainId - the chain the settlement contract lives on.
 * @param parameters.verifyingContract - the settlement contract's address.
 * @example
 * ```ts
 * const domain = relayDomain({ chainId: 31337, verifyingContract: settlementAddress });
 * ```
 */
export function relayDomain({ chainId, verifyingContract }: RelayDomainParameters): RelayDomain {
  return { name: "Aviary", version: "1", chainId, verifyingContract };
}
