import { type EncodeAbiParametersErrorType, encodeAbiParameters, type Hex, keccak256 } from "viem";
import { relayTypes } from "./relayTypes.ts";
import type { SignedRelay } from "./schemas.ts";

/** ABI parameters of the value hash: four top-level parameters, not the `LeafValue` struct. */
export const relayValueAbiParameters = [
  { name: "request", type: "tuple", components: relayTypes.RelayRequest },
  { name: "requestSignature", type: "bytes" },
  { name: "receipt", type: "tuple", components: relayTypes.RelayReceipt },
  { name: "receiptSignature", type: "bytes" },
] as const;

export type RelayValueHashParameters = SignedRelay;
export type RelayValueHashReturnType = Hex;
export type RelayValueHashErrorType = EncodeAbiParametersErrorType;

/**
 * The trie leaf's value hash: `keccak256(abi.encode(request, requestSignature, receipt, receiptSignature))`.
 *
 * @example
 * ```ts
 * trie.insert(relayKey({ domain, request }), relayValueHash({ request, requestSignature, receipt, receiptSignature }), cost);
 * ```
 */
export function relayValueHash(relay: RelayValueHashParameters): RelayValueHashReturnType {
  return keccak256(
    encodeAbiParameters(relayValueAbiParameters, [
      relay.request,
      relay.requestSignature,
      relay.receipt,
      relay.receiptSignature,
    ]),
  );
}
