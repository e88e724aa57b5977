import type { Hex } from "viem";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { toHex } from "../internal/bytes.ts";
import { requestStructHashInto } from "./encoding.ts";
import type { RelayRequest } from "./schemas.ts";

export type HashRelayRequestParameters = RelayRequest;
export type HashRelayRequestReturnType = Hex;
export type HashRelayRequestErrorType = HexInvalidError | ValueOutOfRangeError;

/**
 * The EIP-712 **struct hash** of a request (no domain): what a receipt's `request` field holds, and the
 * settlement's `hashRelayRequest`. For the signed digest (the relay key) use {@link relayKey}.
 *
 * @throws {HexInvalidError} / {ValueOutOfRangeError} when a field does not fit its Solidity type.
 * @example
 * ```ts
 * const receipt = { request: hashRelayRequest(request), responseHash, inputUnits: 12n, outputUnits: 30n };
 * ```
 */
export function hashRelayRequest(request: HashRelayRequestParameters): HashRelayRequestReturnType {
  const out = new Uint8Array(32);
  requestStructHashInto(request, out, 0);
  return toHex(out);
}
