import {
  type Address,
  type EncodeAbiParametersErrorType,
  encodeAbiParameters,
  type Hex,
  keccak256,
} from "viem";

export type ClaimKeyParameters = { supplier: Address; application: Address; model: Hex; session: bigint };
export type ClaimKeyReturnType = Hex;
export type ClaimKeyErrorType = EncodeAbiParametersErrorType;

/**
 * The claim's id: `keccak256(abi.encode(address supplier, address application, bytes32 model, uint64 session))`
 * (the settlement's `claimKeyOf`).
 *
 * @example
 * ```ts
 * const key = claimKey({ supplier, application, model, session: 7n });
 * ```
 */
export function claimKey({ supplier, application, model, session }: ClaimKeyParameters): ClaimKeyReturnType {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address" }, { type: "address" }, { type: "bytes32" }, { type: "uint64" }],
      [supplier, application, model, session],
    ),
  );
}
