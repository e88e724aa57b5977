import type { RelayReceipt, RelayRequest } from "../eip712/schemas.ts";
import { assertUint } from "./assertUint.ts";
import { type RelayCostErrorType, relayCost } from "./relayCost.ts";

export type IsRelayCostValidParameters = {
  request: Pick<RelayRequest, "inputPrice" | "outputPrice" | "maxCost">;
  receipt: Pick<RelayReceipt, "inputUnits" | "outputUnits">;
};
export type IsRelayCostValidReturnType = boolean;
export type IsRelayCostValidErrorType = RelayCostErrorType;

/**
 * Whether the receipt's cost is within what the application signed: `relayCost ≤ request.maxCost`
 * (the contract's `CostAboveMax` otherwise).
 *
 * @example
 * ```ts
 * if (!isRelayCostValid({ request, receipt })) throw new Error("receipt bills above maxCost");
 * ```
 */
export function isRelayCostValid({
  request,
  receipt,
}: IsRelayCostValidParameters): IsRelayCostValidReturnType {
  assertUint(request.maxCost, 128, "maxCost");
  return relayCost({ request, receipt }) <= request.maxCost;
}
