/** Denoising steps when a request names none: what the gateway and the SDK sign for (and write into the body). */
export const DEFAULT_IMAGE_STEPS = 20;
/** The size when a request names none. */
export const DEFAULT_IMAGE_SIZE = "256x256";

export type RequestedImageUnits = {
  /** Images asked for (`n`, default 1). */
  images: number;
  /** Steps per image (`steps`, default {@link DEFAULT_IMAGE_STEPS}). */
  steps: number;
  /** What the relay is billed in (protocol.md §4): images × steps, the receipt's `outputUnits`. */
  units: number;
};

/**
 * The units an image request asks for: images × denoising steps. Everyone who prices or checks an image relay
 * reads it here: the gateway and the SDK (the `maxCost` to sign), the supplier (what it may render and bill),
 * and the billing audit (the recount).
 *
 * @param body - the parsed `images/generations` body.
 * @param defaultSteps - steps when the body names none. @default DEFAULT_IMAGE_STEPS
 * @example
 * ```ts
 * requestedImageUnits({ n: 2, steps: 10 }); // { images: 2, steps: 10, units: 20 }
 * ```
 */
export function requestedImageUnits(
  body: { n?: number | null; steps?: number | null },
  defaultSteps: number = DEFAULT_IMAGE_STEPS,
): RequestedImageUnits {
  const images = body.n ?? 1;
  const steps = body.steps ?? defaultSteps;
  return { images, steps, units: images * steps };
}

/**
 * `"WxH"` as numbers, or undefined when it is not a size.
 *
 * @example
 * ```ts
 * parseImageSize("256x128"); // { width: 256, height: 128 }
 * ```
 */
export function parseImageSize(size: string): { width: number; height: number } | undefined {
  const match = /^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$/.exec(size);
  if (!match) return undefined;
  return { width: Number(match[1]), height: Number(match[2]) };
}
