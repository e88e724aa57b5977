import type { Candidate } from "../Candidate.ts";
import { byReputationThenAddress } from "./compare.ts";
import type { StrategyContext } from "./StrategyContext.ts";

/**
 * Strategy `random`: a uniform shuffle (Fisher–Yates) driven by `context.random`, so it is deterministic
 * for a seeded source. The input is put in a canonical order first, so the result does not depend on
 * the order candidates arrive in.
 *
 * @example
 * ```ts
 * const ranked = rankRandomly(candidates, { ...context, random: Math.random });
 * ```
 */
export function rankRandomly(candidates: readonly Candidate[], { random }: StrategyContext): Candidate[] {
  const shuffled = [...candidates].sort(byReputationThenAddress);
  for (let index = shuffled.length - 1; index > 0; index--) {
    const other = pickIndex(random(), index + 1);
    const current = shuffled[index] as Candidate;
    shuffled[index] = shuffled[other] as Candidate;
    shuffled[other] = current;
  }
  return shuffled;
}

/** An index in [0, length) from a uniform draw, robust to a source that returns 1 or garbage. */
export function pickIndex(draw: number, length: number): number {
  const clamped = Number.isFinite(draw) ? Math.min(Math.max(draw, 0), 1) : 0;
  return Math.min(Math.floor(clamped * length), length - 1);
}
