import { z } from "zod";

/**
 * How a gateway ranks the suppliers left after the request's filters, as a typed union (config is
 * data; each variant is evaluated by one small pure function in `strategies/`):
 *
 * - `quality-price` (default): score from reputation (dominant), error rate, TTFT, tokens/s and price,
 *   then a weighted-random pick among the top so load spreads. `priceWeight` (default 0.3, 0–4) is the
 *   exponent of the price factor: 0 ignores price, 1 is linear value for money.
 * - `price`: cheapest expected cost first. `latency`: lowest TTFT first. `throughput`: most tokens/s first.
 * - `order`: the listed suppliers first, in that order; then the rest by quality-price score.
 * - `random`: uniform shuffle.
 */
export type RoutingStrategy =
  | { type: "quality-price"; priceWeight?: number }
  | { type: "price" }
  | { type: "latency" }
  | { type: "throughput" }
  | { type: "order"; order: string[] }
  | { type: "random" };

/**
 * Parses a routing strategy from gateway config.
 *
 * @example
 * ```ts
 * const strategy = routingStrategySchema.parse({ type: "quality-price", priceWeight: 0.5 });
 * ```
 */
export const routingStrategySchema: z.ZodType<RoutingStrategy> = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("quality-price"),
    priceWeight: z.number().min(0, { error: "must be ≥ 0" }).max(4, { error: "must be ≤ 4" }).optional(),
  }),
  z.object({ type: z.literal("price") }),
  z.object({ type: z.literal("latency") }),
  z.object({ type: z.literal("throughput") }),
  z.object({ type: z.literal("order"), order: z.array(z.string().min(1)).max(256) }),
  z.object({ type: z.literal("random") }),
]);

/** The strategy used when none is configured. */
export const DEFAULT_ROUTING_STRATEGY: RoutingStrategy = { type: "quality-price" };
