/** The ggml tensor types the test-model generator writes, with their GGUF type ids. */
export const ggmlTypeIds = { f32: 0, f16: 1, q8_0: 8 } as const;

export type GgmlTensorType = keyof typeof ggmlTypeIds;

/** Values per Q8_0 block: one f16 scale followed by 32 signed bytes (34 bytes a block). */
export const q8BlockSize = 32;

const float32 = new Float32Array(1);
const float32Bits = new Uint32Array(float32.buffer);

/**
 * Converts a number to IEEE 754 half precision bits, rounding to nearest, ties to even (as ggml does).
 * Overflow gives ±infinity, tiny values become subnormals or ±0.
 *
 * @param value - any finite number (NaN gives a quiet NaN).
 * @example
 * ```ts
 * float16Bits(1); // 0x3c00
 * ```
 */
export function float16Bits(value: number): number {
  float32[0] = value;
  const bits = float32Bits[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the full mantissa (with its implicit 1) into 10 bits.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(full, shift);
  }
  // Normal: a carry out of the mantissa correctly bumps the exponent (up to infinity).
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

/** `value >> shift`, rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const truncated = value >>> shift;
  const remainder = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (remainder > half || (remainder === half && (truncated & 1) === 1)) return truncated + 1;
  return truncated;
}

/**
 * Encodes float values as the bytes of a ggml tensor of `type`.
 *
 * `q8_0` follows ggml's reference quantizer: per block of 32 values, scale `d = max|x| / 127` stored as f16,
 * then `round(x / d)` as int8. Its length must be a multiple of 32.
 *
 * @param values - the tensor's values, row-major in ggml order (first dimension fastest).
 * @param type - `f32`, `f16` or `q8_0`.
 * @example
 * ```ts
 * const bytes = encodeGgmlTensor(new Float32Array(64).fill(0.5), "q8_0"); // 68 bytes
 * ```
 */
export function encodeGgmlTensor(values: Float32Array, type: GgmlTensorType): Uint8Array {
  if (type === "f32")
    return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  if (type === "f16") {
    const out = new Uint8Array(values.length * 2);
    const view = new DataView(out.buffer);
    for (let index = 0; index < values.length; index++) {
      view.setUint16(index * 2, float16Bits(values[index] as number), true);
    }
    return out;
  }
  if (values.length % q8BlockSize !== 0) {
    throw new RangeError(`q8_0 needs a multiple of ${q8BlockSize} values, got ${values.length}`);
  }
  const blocks = values.length / q8BlockSize;
  const out = new Uint8Array(blocks * (2 + q8BlockSize));
  const view = new DataView(out.buffer);
  for (let block = 0; block < blocks; block++) {
    const start = block * q8BlockSize;
    let absoluteMax = 0;
    for (let index = 0; index < q8BlockSize; index++) {
      absoluteMax = Math.max(absoluteMax, Math.abs(values[start + index] as number));
    }
    const scale = absoluteMax / 127;
    const inverse = scale === 0 ? 0 : 1 / scale;
    const offset = block * (2 + q8BlockSize);
    view.setUint16(offset, float16Bits(scale), true);
    for (let index = 0; index < q8BlockSize; index++) {
      view.setInt8(offset + 2 + index, Math.round((values[start + index] as number) * inverse));
    }
  }
  return out;
}
