/**
 * A deterministic uniform generator in [0, 1) (mulberry32) for reproducible audit schedules and prompt draws
 * in tests and benchmarks. Not for secrets: production gateways draw from `crypto`.
 *
 * Not contract knowledge, but kept in protocol (the bottom of the graph) so that the audit package and the
 * tests of packages below it (sdk, supplier) share one implementation without a dependency cycle.
 *
 * @param seed - any integer.
 * @example
 * ```ts
 * const random = seededRandom(7);
 * random(); // the same first value for seed 7, every run
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
