import type { Candidate } from "./Candidate.ts";
import { RoutingParameterInvalidError } from "./errors.ts";
import { isAvailable } from "./isAvailable.ts";
import { isPriceWithin } from "./isPriceWithin.ts";
import type { ProviderOptionsInput } from "./providerOptions.ts";
import type { RoutingStrategy } from "./routingStrategy.ts";
import { rankByStrategy } from "./strategies/rankByStrategy.ts";
import type { StrategyContext } from "./strategies/StrategyContext.ts";
import { supplierIdMatcher } from "./supplierId.ts";

/** Share of requests on which the best probation supplier is tried before the healthy ones (see below). */
export const PROBATION_TRAFFIC_SHARE = 0.02;

/** Why a candidate was left out. */
export type ExclusionCode = "ignored" | "not-in-only" | "max-price" | "not-in-order" | "not-primary";

/** A candidate left out of the ranking, and why (for logs and the `x-aviary-routing` debug output). */
export type ExcludedCandidate = { address: string; code: ExclusionCode; reason: string };

export type RankCandidatesParameters = {
  /** The gateway's strategy; `provider.sort` overrides it. */
  strategy: RoutingStrategy;
  /** The request's OpenRouter-style `provider` options (parsed with `providerOptionsSchema`). */
  provider?: ProviderOptionsInput;
  /** Current time, ms (cooldowns). */
  now: number;
  /** Uniform in [0, 1) (weighted-random picks, shuffles, probation sampling). */
  random: () => number;
  /**
   * Expected tokens of the request (e.g. the prompt's size and `max_tokens`), to weigh input vs output
   * price. Default 1 : 1.
   */
  expectedUsage?: { inputTokens: number; outputTokens: number };
};

export type RankCandidatesReturnType = {
  /** Preference order: the failover order to try (see `planAttempts`). */
  ranked: Candidate[];
  /** Everything not in `ranked`, with the reason. `ranked` + `excluded` = the input. */
  excluded: ExcludedCandidate[];
};

/**
 * Ranks the suppliers that can serve a request. Every candidate ends up either in `ranked` or in
 * `excluded` with a reason — none is dropped silently. In order:
 *
 * 1. Filters (excluded, with reasons): `provider.ignore` (wins over everything), `provider.only`,
 *    `provider.max_price` (`prompt` vs `inputPrice`, `completion` vs `outputPrice`, exact decimals), and
 *    with `allow_fallbacks: false` and an `order`, every supplier not in `order`.
 * 2. Tiers, each ranked on its own:
 *    a. available suppliers named in `provider.order`, in that order (an explicit choice: even on probation);
 *    b. the other available suppliers not on probation, by the strategy (`provider.sort`, when given,
 *       replaces the gateway's strategy);
 *    c. available suppliers on probation (reputation < 30), by the same strategy: a last resort. So that
 *       they can earn reputation back, on {@link PROBATION_TRAFFIC_SHARE} (2 %) of requests the best of
 *       them is moved in front of tier b (never in front of tier a); the failover plan still holds the
 *       healthy ones behind it;
 *    d. suppliers in cooldown, last but kept (better than nothing when all are cooling down): those named
 *       in `order` first, then by the soonest end of cooldown.
 * 3. With `allow_fallbacks: false` and no `order`, only the first of that ranking (the primary) is kept;
 *    the others are excluded as `not-primary` (OpenRouter's semantics).
 *
 * Deterministic for a fixed `random`.
 *
 * @param candidates - suppliers offering the model, with prices and stats.
 * @param parameters - strategy, provider options, `now`, `random`, optional `expectedUsage`.
 * @returns `{ ranked, excluded }`.
 * @throws {RoutingParameterInvalidError} when `priceWeight` or `expectedUsage` is out of range.
 * @example
 * ```ts
 * const { ranked, excluded } = rankCandidates(candidates, {
 *   strategy: { type: "quality-price" },
 *   provider: { ignore: ["0xBad…"], max_price: { completion: "3000" } },
 *   now: Date.now(),
 *   random: Math.random,
 * });
 * const attempts = planAttempts(ranked, { maxAttempts: 3 });
 * ```
 */
export function rankCandidates(
  candidates: readonly Candidate[],
  { strategy, provider, now, random, expectedUsage }: RankCandidatesParameters,
): RankCandidatesReturnType {
  const context: StrategyContext = { now, random, expectedUsage: toUsage(expectedUsage) };
  if (strategy.type === "quality-price" && strategy.priceWeight !== undefined) {
    const { priceWeight } = strategy;
    if (!(priceWeight >= 0 && priceWeight <= 4)) {
      throw new RoutingParameterInvalidError({
        name: "strategy.priceWeight",
        value: priceWeight,
        reason: "must be in [0, 4]",
      });
    }
  }
  const effective: RoutingStrategy = provider?.sort ? { type: provider.sort } : strategy;
  const allowFallbacks = provider?.allow_fallbacks ?? true;
  const ignore = supplierIdMatcher(provider?.ignore ?? []);
  const only = provider?.only ? supplierIdMatcher(provider.only) : null;
  const order = provider?.order ? supplierIdMatcher(provider.order) : null;
  const maxPrompt = provider?.max_price?.prompt;
  const maxCompletion = provider?.max_price?.completion;

  const excluded: ExcludedCandidate[] = [];
  const exclude = (candidate: Candidate, code: ExclusionCode, reason: string) =>
    excluded.push({ address: candidate.address, code, reason });
  const eligible: Candidate[] = [];
  for (const candidate of candidates) {
    if (ignore.indexOf(candidate) >= 0) exclude(candidate, "ignored", "listed in provider.ignore");
    else if (only && only.indexOf(candidate) < 0)
      exclude(candidate, "not-in-only", "not listed in provider.only");
    else if (maxPrompt !== undefined && !isPriceWithin(candidate.inputPrice, maxPrompt)) {
      exclude(
        candidate,
        "max-price",
        `input price ${candidate.inputPrice} exceeds provider.max_price.prompt ${maxPrompt}`,
      );
    } else if (maxCompletion !== undefined && !isPriceWithin(candidate.outputPrice, maxCompletion)) {
      exclude(
        candidate,
        "max-price",
        `output price ${candidate.outputPrice} exceeds provider.max_price.completion ${maxCompletion}`,
      );
    } else if (order && !allowFallbacks && order.indexOf(candidate) < 0) {
      exclude(
        candidate,
        "not-in-order",
        "not listed in provider.order and provider.allow_fallbacks is false",
      );
    } else eligible.push(candidate);
  }

  const position = (candidate: Candidate) => order?.indexOf(candidate) ?? -1;
  const byOrder = (a: Candidate, b: Candidate) => position(a) - position(b);
  const available = eligible.filter((candidate) => isAvailable(candidate.stats, now));
  const cooling = eligible.filter((candidate) => !isAvailable(candidate.stats, now));

  const listed = available.filter((candidate) => position(candidate) >= 0).sort(byOrder);
  const unlisted = available.filter((candidate) => position(candidate) < 0);
  const healthy = rankByStrategy(
    effective,
    unlisted.filter((candidate) => !candidate.stats.probation),
    context,
  );
  const probation = rankByStrategy(
    effective,
    unlisted.filter((candidate) => candidate.stats.probation),
    context,
  );
  const promoted = probation.length > 0 && healthy.length > 0 && random() < PROBATION_TRAFFIC_SHARE;
  const unlistedRanked = promoted
    ? [...probation.slice(0, 1), ...healthy, ...probation.slice(1)]
    : [...healthy, ...probation];

  const coolingListed = cooling.filter((candidate) => position(candidate) >= 0).sort(byOrder);
  const coolingRest = rankByStrategy(
    effective,
    cooling.filter((candidate) => position(candidate) < 0),
    context,
  ).sort((a, b) => a.stats.cooldownUntil - b.stats.cooldownUntil); // stable: the strategy breaks ties

  const ranked = [...listed, ...unlistedRanked, ...coolingListed, ...coolingRest];
  if (!allowFallbacks && !order && ranked.length > 1) {
    for (const candidate of ranked.slice(1)) {
      exclude(
        candidate,
        "not-primary",
        "provider.allow_fallbacks is false: only the primary supplier is used",
      );
    }
    return { ranked: ranked.slice(0, 1), excluded };
  }
  return { ranked, excluded };
}

function toUsage(usage: RankCandidatesParameters["expectedUsage"]): StrategyContext["expectedUsage"] {
  if (!usage) return { inputTokens: 1n, outputTokens: 1n };
  for (const [name, value] of Object.entries(usage)) {
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new RoutingParameterInvalidError({
        name: `expectedUsage.${name}`,
        value,
        reason: "must be a finite number ≥ 0",
      });
    }
  }
  return {
    inputTokens: BigInt(Math.ceil(usage.inputTokens)),
    outputTokens: BigInt(Math.ceil(usage.outputTokens)),
  };
}
