import type { RelayReceipt, RelayRequest } from "../eip712/schemas.ts";
import type { ValueOutOfRangeError } from "../errors/values.ts";
import { assertUint } from "./assertUint.ts";

export type RelayCostParameters = {
  request: Pick<RelayRequest, "inputPrice" | "outputPrice">;
  receipt: Pick<RelayReceipt, "inputUnits" | "outputUnits">;
};
export type RelayCostReturnType = bigint;
export type RelayCostErrorType = ValueOutOfRangeError;

/**
 * What a relay costs the application: `inputUnits · inputPrice + outputUnits · outputPrice` (token wei). It is
 * the relay's trie weight. The relay is valid only if this is ≤ `request.maxCost` (see {@link isRelayCostValid}).
 *
 * @example
 * ```ts
 * relayCost({ request: { inputPrice: 2n, outputPrice: 5n }, receipt: { inputUnits: 10n, outputUnits: 4n } }); // 40n
 * ```
 */
export function relayCost({ request, receipt }: RelayCostParameters): RelayCostReturnType {
  assertUint(request.inputPrice, 128, "inputPrice");
  assertUint(request.outputPrice, 128, "outputPrice");
  assertUint(receipt.inputUnits, 64, "inputUnits");
  assertUint(receipt.outputUnits, 64, "outputUnits");
  return receipt.inputUnits * request.inputPrice + receipt.outputUnits * request.outputPrice;
}
