/** A seeded stream of pseudo-random numbers: the only randomness the runtime and the test model use. */
export type SeededRandom = {
  /** The next uint32 of the stream. */
  nextUint32(): number;
  /** The next value uniform in [0, 1), from one uint32 (so it is exact and the same on every machine). */
  nextUniform(): number;
  /** The next standard normal value (Box–Muller over two uniforms). */
  nextGaussian(): number;
};

/**
 * Creates a xoshiro128** stream (Blackman & Vigna) whose state is filled by splitmix32 from `seed`. The
 * integer stream is identical everywhere; `nextGaussian` uses `Math.log`/`Math.cos`/`Math.sin`, which are the same within
 * one Node build (V8 ships its own libm port), hence the runtime's "same build → same bytes" guarantee.
 *
 * @param seed - uint32 (higher bits are dropped).
 * @example
 * ```ts
 * const random = createSeededRandom(42);
 * const noise = Float32Array.from({ length: 16 }, () => random.nextGaussian());
 * ```
 */
export function createSeededRandom(seed: number): SeededRandom {
  let splitState = seed >>> 0;
  const splitmix32 = () => {
    splitState = (splitState + 0x9e3779b9) >>> 0;
    let z = splitState;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32();
  let s1 = splitmix32();
  let s2 = splitmix32();
  let s3 = splitmix32();
  const nextUint32 = () => {
    const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0;
    const shifted = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = rotateLeft(s3, 11);
    return result;
  };
  const nextUniform = () => nextUint32() / 4294967296;
  // Box–Muller makes two normals per pair of uniforms; the second is kept for the next call.
  let spare: number | undefined;
  const nextGaussian = () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - nextUniform()));
    const angle = 2 * Math.PI * nextUniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  return { nextUint32, nextUniform, nextGaussian };
}

/** FNV-1a of a string: mixes a tensor's name into a seed, so each tensor's values are independent. */
export function hashName(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}
