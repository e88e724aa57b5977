import { RoutingParameterInvalidError } from "./errors.ts";

/**
 * What a gateway has measured about one supplier (PATH-style: a 0–100 reputation, not bans). Immutable:
 * {@link recordSuccess} and {@link recordFailure} return a new value.
 *
 * Unmeasured latencies/throughput are `null` (not 0, which would look like the best possible value).
 */
export type SupplierStats = {
  /** Operator address, lowercased. */
  readonly address: string;
  /** The endpoint last seen for this supplier. */
  readonly endpoint: string;
  /** 0–100; starts at {@link INITIAL_REPUTATION}. */
  readonly reputation: number;
  /** EWMA of time to first token, ms (`null` until measured). */
  readonly ttftEwmaMs: number | null;
  /** EWMA of output tokens per second (`null` until measured). */
  readonly tokensPerSecondEwma: number | null;
  /** EWMA of failure (1) vs success (0): 0–1. */
  readonly errorRateEwma: number;
  /** EWMA of whole-request latency, ms (`null` until measured). */
  readonly latencyEwmaMs: number | null;
  readonly successes: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  /** Not routable (except as a last resort) before this time, ms. 0 = no cooldown. */
  readonly cooldownUntil: number;
  /** Time of the last update, ms. */
  readonly lastUpdated: number;
  /** `reputation < probationBelow`: still routable, but only as a last resort (see `rankCandidates`). */
  readonly probation: boolean;
};

/** Why an attempt counted against a supplier. */
export type FailureKind =
  | "connect"
  | "timeout"
  | "5xx"
  | "refusal"
  | "bad-receipt"
  | "audit-fail"
  | "stream-broken";

/** Reputation at first sight (PATH). */
export const INITIAL_REPUTATION = 80;
/** Reputation gained per success, capped at 100 (PATH). */
export const SUCCESS_REPUTATION_DELTA = 1;
/**
 * Reputation gained per passed integrity audit, capped at 100 (on top of the audit relay's own success). A
 * failed audit is a failure of kind `audit-fail` (−50): trust is earned slowly and lost at once.
 */
export const AUDIT_PASS_REPUTATION_DELTA = 2;
/**
 * Reputation change per failure kind: timeouts −10 and 5xx −25 as in PATH; a refused connection is as
 * bad as a 5xx; a refusal that is the supplier's fault −5; a broken stream −15; integrity failures (a
 * receipt that does not verify, a failed audit) −50.
 */
export const FAILURE_REPUTATION_DELTAS: Readonly<Record<FailureKind, number>> = {
  connect: -25,
  timeout: -10,
  "5xx": -25,
  refusal: -5,
  "bad-receipt": -50,
  "audit-fail": -50,
  "stream-broken": -15,
};

/** Tunables of the stats update functions. */
export type SupplierStatsConfig = {
  /** EWMA weight of the newest sample, in (0, 1]. Default 0.2. */
  alpha?: number;
  /** First cooldown after a failure, ms; doubles per consecutive failure. Default 1,000. */
  cooldownBaseMs?: number;
  /** Longest cooldown, ms. Default 60,000. */
  cooldownMaxMs?: number;
  /** Reputation below which a supplier is on probation. Default 30. */
  probationBelow?: number;
};

/** The defaults of {@link SupplierStatsConfig}. */
export const DEFAULT_SUPPLIER_STATS_CONFIG: Readonly<Required<SupplierStatsConfig>> = {
  alpha: 0.2,
  cooldownBaseMs: 1_000,
  cooldownMaxMs: 60_000,
  probationBelow: 30,
};

/**
 * The stats of a supplier never seen before: reputation 80, nothing measured, no cooldown.
 *
 * @param parameters - `address` (any case; stored lowercased), `endpoint`, `now` (ms).
 * @param config - only `probationBelow` is read.
 * @example
 * ```ts
 * const stats = createSupplierStats({ address: "0xAb…", endpoint: "https://node.example", now: Date.now() });
 * ```
 */
export function createSupplierStats(
  { address, endpoint, now }: { address: string; endpoint: string; now: number },
  config: SupplierStatsConfig = {},
): SupplierStats {
  const probationBelow = config.probationBelow ?? DEFAULT_SUPPLIER_STATS_CONFIG.probationBelow;
  return {
    address: address.toLowerCase(),
    endpoint,
    reputation: INITIAL_REPUTATION,
    ttftEwmaMs: null,
    tokensPerSecondEwma: null,
    errorRateEwma: 0,
    latencyEwmaMs: null,
    successes: 0,
    failures: 0,
    consecutiveFailures: 0,
    cooldownUntil: 0,
    lastUpdated: now,
    probation: INITIAL_REPUTATION < probationBelow,
  };
}

/** Resolves and checks a config (internal to the stats functions). */
export function resolveSupplierStatsConfig(config: SupplierStatsConfig = {}): Required<SupplierStatsConfig> {
  const resolved = { ...DEFAULT_SUPPLIER_STATS_CONFIG, ...stripUndefined(config) };
  if (!(resolved.alpha > 0 && resolved.alpha <= 1)) {
    throw new RoutingParameterInvalidError({
      name: "alpha",
      value: resolved.alpha,
      reason: "must be in (0, 1]",
    });
  }
  if (!(resolved.cooldownBaseMs >= 0) || !(resolved.cooldownMaxMs >= resolved.cooldownBaseMs)) {
    throw new RoutingParameterInvalidError({
      name: "cooldownBaseMs / cooldownMaxMs",
      value: `${resolved.cooldownBaseMs} / ${resolved.cooldownMaxMs}`,
      reason: "need 0 ≤ cooldownBaseMs ≤ cooldownMaxMs",
    });
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** `previous` moved toward `sample` by `alpha`; the first sample is taken as is. */
export function ewma(previous: number | null, sample: number, alpha: number): number {
  return previous === null ? sample : previous + alpha * (sample - previous);
}
