import { decode } from "fast-png";

export type DecodePngReturnType = {
  width: number;
  height: number;
  /** 3 for RGB, 4 for RGBA, 1 or 2 for grey. */
  channels: number;
  /** Bits per channel. */
  depth: number;
  /** The pixels, row-major, channels interleaved. */
  data: Uint8Array | Uint16Array | Uint8ClampedArray;
};

/**
 * Decodes PNG bytes (for tests and audits: checking a rendered image's size, comparing pixels).
 *
 * @param bytes - a PNG file.
 * @example
 * ```ts
 * const { width, height, channels } = decodePng(images[0]);
 * ```
 */
export function decodePng(bytes: Uint8Array): DecodePngReturnType {
  const decoded = decode(bytes);
  return {
    width: decoded.width,
    height: decoded.height,
    channels: decoded.channels,
    depth: decoded.depth,
    data: decoded.data as Uint8Array | Uint16Array | Uint8ClampedArray,
  };
}
