import type { ValueOutOfRangeError } from "../errors/values.ts";
import { assertUint } from "./assertUint.ts";

export type SettlementPayoutParameters = {
  /** This claim's amount (`claimAmount`). */
  amount: bigint;
  /**
   * What the settlement divides (`sessionTotal`): the amounts of the application's claims in the session
   * below `proofThreshold`, and of its proven claims at or above it.
   */
  total: bigint;
  /** The application's budget for the session (`sessionBudget`). */
  budget: bigint;
};
export type SettlementPayoutReturnType = bigint;
export type SettlementPayoutErrorType = ValueOutOfRangeError;

/**
 * What settlement pays a (proven or unsampled) claim: `amount` when `total ≤ budget`, else
 * `floor(amount · budget / total)`, so all claims on one app in one session together never exceed the budget.
 *
 * @example
 * ```ts
 * settlementPayout({ amount: 300n, total: 1_000n, budget: 500n }); // 150n
 * ```
 */
export function settlementPayout({
  amount,
  total,
  budget,
}: SettlementPayoutParameters): SettlementPayoutReturnType {
  assertUint(amount, 256, "amount");
  assertUint(total, 256, "total");
  assertUint(budget, 256, "budget");
  return total <= budget ? amount : (amount * budget) / total;
}
