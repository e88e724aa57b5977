import type { Candidate } from "../Candidate.ts";
import { RoutingParameterInvalidError } from "../errors.ts";
import type { RoutingStrategy } from "../routingStrategy.ts";
import { rankByLatency } from "./latency.ts";
import { rankByOrder } from "./order.ts";
import { rankByPrice } from "./price.ts";
import { rankByQualityPrice } from "./qualityPrice.ts";
import { rankRandomly } from "./random.ts";
import type { StrategyContext } from "./StrategyContext.ts";
import { rankByThroughput } from "./throughput.ts";

/**
 * Evaluates one {@link RoutingStrategy} over a set of candidates (no filtering: see `rankCandidates`).
 *
 * @example
 * ```ts
 * const ranked = rankByStrategy({ type: "latency" }, candidates, context);
 * ```
 */
export function rankByStrategy(
  strategy: RoutingStrategy,
  candidates: readonly Candidate[],
  context: StrategyContext,
): Candidate[] {
  if (candidates.length <= 1) return [...candidates];
  switch (strategy.type) {
    case "quality-price":
      return rankByQualityPrice(candidates, context, { priceWeight: strategy.priceWeight });
    case "price":
      return rankByPrice(candidates, context);
    case "latency":
      return rankByLatency(candidates, context);
    case "throughput":
      return rankByThroughput(candidates, context);
    case "order":
      return rankByOrder(candidates, context, strategy.order);
    case "random":
      return rankRandomly(candidates, context);
    default:
      return assertNever(strategy);
  }
}

function assertNever(strategy: never): never {
  throw new RoutingParameterInvalidError({
    name: "strategy.type",
    value: JSON.stringify(strategy),
    reason: "is not a known routing strategy",
  });
}
