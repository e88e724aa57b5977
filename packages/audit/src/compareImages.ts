import { decodePng } from "@aviary/image-runtime";

export type CompareImagesReturnType = {
  /** The two PNG files are the same bytes. */
  identical: boolean;
  /**
   * Mean absolute difference of the decoded RGB channels, each scaled to [0, 1] (0: the same pixels; 1: every
   * channel at the opposite extreme). 1 when the sizes differ or either file does not decode.
   */
  distance: number;
  /** Why the distance is 1 without a pixel comparison, when it is. */
  reason?: string;
};

/** RGB in [0, 1], whatever the PNG's channel count (grey is spread to R, G, B; alpha ignored) and bit depth. */
function rgbOf(png: Uint8Array): { width: number; height: number; rgb: Float32Array } {
  const { width, height, channels, depth, data } = decodePng(png);
  const pixels = width * height;
  const rgb = new Float32Array(pixels * 3);
  const scale = 2 ** depth - 1;
  const colour = channels >= 3;
  for (let pixel = 0; pixel < pixels; pixel++) {
    for (let channel = 0; channel < 3; channel++) {
      rgb[pixel * 3 + channel] = (data[pixel * channels + (colour ? channel : 0)] ?? 0) / scale;
    }
  }
  return { width, height, rgb };
}

/**
 * Compares a supplier's image with the reference's render of the same request: byte equality (the same
 * runtime renders the same bytes), and a perceptual distance for runtimes whose arithmetic differs slightly
 * (another execution provider, another PNG encoder): the mean absolute per-channel RGB difference in [0, 1].
 *
 * @param supplier - the supplier's PNG.
 * @param reference - the reference's PNG.
 * @example
 * ```ts
 * const { identical, distance } = compareImages(supplierPng, referencePng);
 * const passed = identical || distance <= 0.003;
 * ```
 */
export function compareImages(supplier: Uint8Array, reference: Uint8Array): CompareImagesReturnType {
  if (Buffer.from(supplier.buffer, supplier.byteOffset, supplier.byteLength).equals(reference))
    return { identical: true, distance: 0 };
  let left: ReturnType<typeof rgbOf>;
  let right: ReturnType<typeof rgbOf>;
  try {
    left = rgbOf(supplier);
  } catch (error) {
    return {
      identical: false,
      distance: 1,
      reason: `the supplier's image is not a PNG (${(error as Error).message})`,
    };
  }
  try {
    right = rgbOf(reference);
  } catch (error) {
    return {
      identical: false,
      distance: 1,
      reason: `the reference image is not a PNG (${(error as Error).message})`,
    };
  }
  if (left.width !== right.width || left.height !== right.height) {
    return {
      identical: false,
      distance: 1,
      reason: `the image is ${left.width}x${left.height}; the request asked for ${right.width}x${right.height}`,
    };
  }
  let sum = 0;
  for (let index = 0; index < left.rgb.length; index++)
    sum += Math.abs((left.rgb[index] ?? 0) - (right.rgb[index] ?? 0));
  return { identical: false, distance: left.rgb.length === 0 ? 0 : sum / left.rgb.length };
}
