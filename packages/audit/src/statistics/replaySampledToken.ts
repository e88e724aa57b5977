import { EMBEDDED_SAMPLER_CHAIN } from "@aviary/protocol";

const N = 624;
const M = 397;
const TWO_32 = 2 ** 32;

/**
 * The draws of llama.cpp's `dist` sampler for a seed: `std::mt19937(seed)` read through libstdc++'s
 * `std::uniform_real_distribution<double>(0, 1)` (`generate_canonical<double, 53>`: two 32-bit outputs,
 * `(x₁ + x₂·2³²) / 2⁶⁴`), one draw per sampled token, in order. Pinned against the C++ library's own output in
 * the tests.
 *
 * @param seed - the sampler's seed (uint32, as `samplerSeed` gives it).
 * @returns the next draw in [0, 1), each call.
 * @example
 * ```ts
 * const draw = samplerDraws(42);
 * draw(); // 0.79654298428784598, the first token's draw
 * ```
 */
export function samplerDraws(seed: number): () => number {
  const state = new Uint32Array(N);
  state[0] = seed >>> 0;
  for (let index = 1; index < N; index++) {
    const previous = state[index - 1] as number;
    state[index] = (Math.imul(1812433253, previous ^ (previous >>> 30)) + index) >>> 0;
  }
  let next = N;
  const output = (): number => {
    if (next >= N) {
      for (let index = 0; index < N; index++) {
        const y = ((state[index] as number) & 0x80000000) | ((state[(index + 1) % N] as number) & 0x7fffffff);
        state[index] = (state[(index + M) % N] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      next = 0;
    }
    let y = state[next++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
  return () => {
    const low = output();
    const high = output();
    const value = (low + high * TWO_32) / (TWO_32 * TWO_32);
    return value >= 1 ? 1 - Number.EPSILON / 2 : value;
  };
}

export type ReplaySampledTokenParameters = {
  /** The reference's next-token distribution at temperature 1: token ids sorted by probability, highest first. */
  tokens: ArrayLike<number>;
  /** Their probabilities, same order. */
  probabilities: ArrayLike<number>;
  /** Entries of `tokens`/`probabilities` in use. */
  count: number;
  /** The request's temperature (> 0). */
  temperature: number;
  /** The request's `top_p`. */
  topP: number;
  /** This position's draw (`samplerDraws`). */
  draw: number;
};

/**
 * The token the embedded runtime's sampler picks with this draw from the reference's distribution: llama.cpp's
 * chain as the embedded runtime runs it (top-k 40, then `top_p` on the renormalized probabilities, then
 * temperature, then `dist`), in its float32 and double arithmetic, from `ln p` in place of the logits (a softmax
 * does not see the shift). Teacher-forced over a supplier's output with the draws of its seed, an honest supplier
 * on the same runtime and weights picked this token at every position; another build differs only where a draw
 * lands between the two distributions' cumulative sums.
 *
 * @param parameters - the distribution (sorted), temperature, `top_p`, the draw.
 * @returns the token id the sampler picks (−1 for an empty distribution).
 * @example
 * ```ts
 * const token = replaySampledToken({ tokens, probabilities, count, temperature: 0.8, topP: 0.95, draw: draws() });
 * ```
 */
export function replaySampledToken({
  tokens,
  probabilities,
  count,
  temperature,
  topP,
  draw,
}: ReplaySampledTokenParameters): number {
  const f = Math.fround;
  let size = Math.min(EMBEDDED_SAMPLER_CHAIN.topK, count);
  if (size <= 0) return -1;
  const logits = new Float64Array(size);
  for (let index = 0; index < size; index++) logits[index] = f(Math.log(probabilities[index] as number));
  const nucleus = f(topP);
  if (nucleus < 1) {
    // llama_sampler_top_p: a float softmax over the top-k, then the first prefix whose float sum reaches top_p.
    const top = logits[0] as number;
    const weights = new Float64Array(size);
    let total = 0;
    for (let index = 0; index < size; index++) {
      weights[index] = f(Math.exp(f((logits[index] as number) - top)));
      total = f(total + (weights[index] as number));
    }
    let cumulative = 0;
    for (let index = 0; index < size; index++) {
      cumulative = f(cumulative + f((weights[index] as number) / total));
      if (cumulative >= nucleus) {
        size = index + 1;
        break;
      }
    }
  }
  const scale = f(temperature);
  for (let index = 0; index < size; index++) logits[index] = f((logits[index] as number) / scale);
  if (size === 1) return tokens[0] as number;
  // llama_sampler_dist: float exponentials, a double sum, the first running sum that reaches sum × draw.
  const top = logits[0] as number;
  const weights = new Float64Array(size);
  let sum = 0;
  for (let index = 0; index < size; index++) {
    weights[index] = f(Math.exp(f((logits[index] as number) - top)));
    sum += weights[index] as number;
  }
  const target = sum * draw;
  let running = 0;
  for (let index = 0; index < size; index++) {
    running += weights[index] as number;
    if (running >= target) return tokens[index] as number;
  }
  return tokens[size - 1] as number;
}
