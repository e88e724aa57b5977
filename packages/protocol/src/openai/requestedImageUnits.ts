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

/** What an image request asks a runtime to render, read once from the body (supplier backends and audits). */
export type ImageRenderRequest = {
  prompt: string;
  /** `negative_prompt`, when set. */
  negativePrompt: string | undefined;
  /** `n`, default 1. */
  n: number;
  /** `size` as sent (default {@link DEFAULT_IMAGE_SIZE}), and as numbers. */
  size: string;
  width: number;
  height: number;
  /** `steps` when the body names them (the runtime's default otherwise). */
  steps: number | undefined;
  /** `seed` when the body names one. */
  seed: number | undefined;
  guidanceScale: number | undefined;
};

/**
 * The render an `images/generations` body asks for, or undefined when its `size` is not `WxH`.
 *
 * @param body - the schema-checked body.
 * @example
 * ```ts
 * imageRenderRequest({ prompt: "a heron", size: "64x64", seed: 7 }); // { width: 64, height: 64, n: 1, seed: 7, … }
 * ```
 */
export function imageRenderRequest(body: {
  prompt: string;
  negative_prompt?: string | null;
  n?: number | null;
  size?: string | null;
  steps?: number | null;
  seed?: number | null;
  guidance_scale?: number | null;
}): ImageRenderRequest | undefined {
  const size = body.size ?? DEFAULT_IMAGE_SIZE;
  const dimensions = parseImageSize(size);
  if (!dimensions) return undefined;
  return {
    prompt: body.prompt,
    negativePrompt: body.negative_prompt ?? undefined,
    n: body.n ?? 1,
    size,
    ...dimensions,
    steps: body.steps ?? undefined,
    seed: body.seed ?? undefined,
    guidanceScale: body.guidance_scale ?? undefined,
  };
}
