import { ValueOutOfRangeError } from "../errors/values.ts";
import { assertUint } from "./assertUint.ts";

export type SessionBudgetErrorType = ValueOutOfRangeError;

/**
 * The most an application pays for one session: `floor(stakeAtSessionStart / pendingSessions)`.
 *
 * @param applicationStake - the application's stake at the session's first block.
 * @param pendingSessions - see `pendingSessions(params)` (≥ 1).
 * @example
 * ```ts
 * sessionBudget(900n, 3n); // 300n (devnet: pendingSessions 3)
 * ```
 */
export function sessionBudget(applicationStake: bigint, pendingSessions: bigint): bigint {
  assertUint(applicationStake, 256, "applicationStake");
  if (typeof pendingSessions !== "bigint" || pendingSessions < 1n)
    throw new ValueOutOfRangeError({
      name: "pendingSessions",
      value: pendingSessions,
      type: "positive integer",
    });
  return applicationStake / pendingSessions;
}
