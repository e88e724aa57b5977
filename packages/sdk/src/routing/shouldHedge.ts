import { RoutingParameterInvalidError } from "./errors.ts";

export type ShouldHedgeParameters = {
  /** Time since the first attempt of this request started, ms. */
  elapsedMs: number;
  /** Start a parallel attempt this long after the previous one without a first byte. Default 500; `null` = never. */
  hedgeAfterMs?: number | null;
  /** Attempts of this request started so far and still running (the first one included). */
  attemptsStarted: number;
  /** Most attempts running at once for one request. Default 2 (one hedge). */
  maxParallel?: number;
  /** Once any attempt has sent its first byte the answer is chosen: no more hedges. Default `false`. */
  firstByteReceived?: boolean;
};

/**
 * Whether to start a hedged (parallel) attempt on the next supplier of the plan now, PATH-style: the
 * `k`-th extra attempt starts after `k · hedgeAfterMs` ms without a first byte, up to `maxParallel`
 * attempts at once. The first attempt to send a byte wins; abort the others (a refused or aborted relay
 * costs nothing). Pure: call it from the caller's own timer at `attemptsStarted · hedgeAfterMs`.
 *
 * @param parameters - see {@link ShouldHedgeParameters}.
 * @throws {RoutingParameterInvalidError} on a negative `hedgeAfterMs` or a `maxParallel` < 1.
 * @example
 * ```ts
 * if (shouldHedge({ elapsedMs: now - startedAt, attemptsStarted: running.length })) startNext();
 * ```
 */
export function shouldHedge({
  elapsedMs,
  hedgeAfterMs = 500,
  attemptsStarted,
  maxParallel = 2,
  firstByteReceived = false,
}: ShouldHedgeParameters): boolean {
  if (hedgeAfterMs !== null && !(hedgeAfterMs >= 0)) {
    throw new RoutingParameterInvalidError({
      name: "hedgeAfterMs",
      value: hedgeAfterMs,
      reason: "must be ≥ 0 or null",
    });
  }
  if (!Number.isSafeInteger(maxParallel) || maxParallel < 1) {
    throw new RoutingParameterInvalidError({
      name: "maxParallel",
      value: maxParallel,
      reason: "must be an integer ≥ 1",
    });
  }
  if (hedgeAfterMs === null || firstByteReceived) return false;
  if (attemptsStarted < 1 || attemptsStarted >= maxParallel) return false;
  return elapsedMs >= attemptsStarted * hedgeAfterMs;
}
