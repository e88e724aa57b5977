import { RATE_LIMIT_WINDOW_MS, type RateLimitDecision } from "./GatewayStore.ts";

/** One key's counters for one rate-limit window, as stored. */
export type RateWindow = {
  windowStart: number;
  /** Requests admitted in the window. */
  requests: number;
  /** Tokens reserved by requests in flight plus actual tokens of settled ones, admitted in the window. */
  tokens: number;
  /** Cost reserved by requests admitted in the window and not settled yet. */
  reservedWei: bigint;
  /** Requests admitted in the window with a non-empty reservation and not settled yet. */
  reservedRequests: number;
  /** Estimated tokens of those requests. */
  reservedTokens: number;
};

/** The limits and spend of the key being admitted. */
export type AdmissionKeyState = {
  budgetWei: bigint | null;
  spentWei: bigint;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
};

/** Parameters of {@link decideAdmission}. */
export type DecideAdmissionParameters = {
  key: AdmissionKeyState;
  /** The key's stored windows (any order; stale ones are ignored). */
  windows: readonly RateWindow[];
  estimatedTokens: number;
  estimatedCostWei: bigint;
  now: number;
  /** How long an unsettled reservation counts against the budget. */
  reservationTtlMs: number;
};

/** Return type of {@link decideAdmission}. */
export type DecideAdmissionReturnType = {
  decision: RateLimitDecision;
  /** Start of the window containing `now`. */
  windowStart: number;
  /** When allowed: the new counters of the window containing `now`, to write. */
  window?: RateWindow;
  /** Windows starting at or before this count for nothing any more: delete them. */
  staleAtOrBefore: number;
};

/**
 * Start of the fixed rate-limit window containing `now`.
 *
 * @example
 * ```ts
 * windowStartOf(125_000) // 120_000
 * ```
 */
export function windowStartOf(now: number): number {
  return now - (now % RATE_LIMIT_WINDOW_MS);
}

/**
 * Decides whether one request may start, from a key's limits and its stored windows: the pure core of
 * `GatewayStore.admit`, which runs it inside a transaction holding the key (so replicas see each other's
 * reservations) and writes back `window` when allowed.
 *
 * Checks, in order: budget (refused when spent + pending reservations already reach the budget, or when
 * adding `estimatedCostWei` would pass it), requests in the current window, tokens in the current window
 * (an estimate larger than the whole limit is admitted into an empty window, so it cannot be refused forever).
 * Windows older than `reservationTtlMs` are ignored: the caller charges their unsettled reservations first
 * (`chargeExpiredReservations`) and passes the spend that includes them.
 *
 * @example
 * ```ts
 * const { decision, window } = decideAdmission({
 *   key: { budgetWei: null, spentWei: 0n, requestsPerMinute: 2, tokensPerMinute: null },
 *   windows: [{ windowStart: 60_000, requests: 2, tokens: 0, reservedWei: 0n, reservedRequests: 0, reservedTokens: 0 }],
 *   estimatedTokens: 10, estimatedCostWei: 0n, now: 90_000, reservationTtlMs: 900_000,
 * });
 * // decision: { allowed: false, reason: "requests", retryAfterMs: 30_000, limit: "2 requests per minute" }
 * ```
 */
export function decideAdmission({
  key,
  windows,
  estimatedTokens,
  estimatedCostWei,
  now,
  reservationTtlMs,
}: DecideAdmissionParameters): DecideAdmissionReturnType {
  const windowStart = windowStartOf(now);
  const staleAtOrBefore = now - reservationTtlMs;
  const live = windows
    .filter((window) => window.windowStart > staleAtOrBefore)
    .sort((left, right) => left.windowStart - right.windowStart);
  const current = live.find((window) => window.windowStart === windowStart) ?? {
    windowStart,
    requests: 0,
    tokens: 0,
    reservedWei: 0n,
    reservedRequests: 0,
    reservedTokens: 0,
  };
  const untilNextWindow = windowStart + RATE_LIMIT_WINDOW_MS - now;
  const refuse = (
    reason: "requests" | "tokens",
    retryAfterMs: number,
    limit: string,
  ): DecideAdmissionReturnType => ({
    decision: { allowed: false, reason, retryAfterMs, limit },
    windowStart,
    staleAtOrBefore,
  });

  if (key.budgetWei !== null) {
    const budget = key.budgetWei;
    const pending = live.reduce((sum, window) => sum + window.reservedWei, 0n);
    const fits = (reserved: bigint) =>
      key.spentWei + reserved < budget && key.spentWei + reserved + estimatedCostWei <= budget;
    if (!fits(pending)) {
      // When would expiring reservations make room? (0: never, only a larger budget helps.)
      let retryAfterMs = 0;
      let remaining = pending;
      for (const window of live) {
        if (window.reservedWei === 0n) continue;
        remaining -= window.reservedWei;
        if (fits(remaining)) {
          retryAfterMs = Math.max(1, window.windowStart + reservationTtlMs - now);
          break;
        }
      }
      const left = budget - key.spentWei - pending;
      return {
        decision: {
          allowed: false,
          reason: "budget",
          retryAfterMs,
          limit: `budget ${budget} wei`,
          remainingWei: left > 0n ? left : 0n,
        },
        windowStart,
        staleAtOrBefore,
      };
    }
  }
  if (key.requestsPerMinute !== null && current.requests >= key.requestsPerMinute) {
    return refuse("requests", untilNextWindow, `${key.requestsPerMinute} requests per minute`);
  }
  if (
    key.tokensPerMinute !== null &&
    (current.tokens >= key.tokensPerMinute ||
      (current.tokens > 0 && current.tokens + estimatedTokens > key.tokensPerMinute))
  ) {
    return refuse("tokens", untilNextWindow, `${key.tokensPerMinute} tokens per minute`);
  }
  return {
    decision: { allowed: true, windowStart },
    windowStart,
    staleAtOrBefore,
    window: {
      windowStart,
      requests: current.requests + 1,
      tokens: current.tokens + estimatedTokens,
      reservedWei: current.reservedWei + estimatedCostWei,
      // An empty reservation (nothing estimated) has nothing to charge at expiry, so it is not counted.
      reservedRequests: current.reservedRequests + (estimatedTokens > 0 || estimatedCostWei > 0n ? 1 : 0),
      reservedTokens: current.reservedTokens + estimatedTokens,
    },
  };
}
