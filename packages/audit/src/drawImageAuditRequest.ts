/** Subjects, styles and settings combined into audit prompts: thousands of distinct, ordinary image requests. */
const SUBJECTS = [
  "a lighthouse on a rocky coast",
  "a red fox in fresh snow",
  "a bowl of ramen on a wooden table",
  "an old bicycle leaning on a brick wall",
  "a city skyline at dusk",
  "a field of sunflowers",
  "a sailboat on a calm lake",
  "a cat asleep on a windowsill",
  "a mountain cabin in a pine forest",
  "a cup of coffee with latte art",
  "a vintage car on a desert road",
  "a hummingbird near a flower",
  "a stack of old books",
  "a rainy street with neon signs",
  "a waterfall in a jungle",
  "a portrait of an astronaut",
  "a castle on a hill",
  "a basket of ripe strawberries",
  "a koi pond with lily pads",
  "a steam train crossing a bridge",
  "a snowy village at night",
  "a robot watering plants",
  "a hot air balloon over green hills",
  "a jellyfish in deep blue water",
] as const;

const STYLES = [
  "",
  ", watercolor",
  ", oil painting",
  ", photograph, 35mm",
  ", digital art",
  ", pencil sketch",
  ", isometric illustration",
  ", studio lighting, highly detailed",
  ", low poly",
  ", in the style of a children's book",
  ", cinematic, golden hour",
  ", pastel colors",
] as const;

const NEGATIVE_PROMPTS = [
  "blurry",
  "low quality, watermark",
  "text, signature",
  "deformed, extra limbs",
] as const;

export type DrawImageAuditRequestParameters = {
  /** Sizes the model renders (`"WxH"`); audits use the same ones users can ask for. */
  sizes: readonly string[];
  /** Bounds of `steps`. */
  steps: { min: number; max: number };
  /** Most images per request. */
  maxImages: number;
};

/** The body of one covert image audit, without `model` (the monitor adds it and the routing restriction). */
export type ImageAuditRequest = {
  prompt: string;
  n: number;
  size: string;
  steps: number;
  seed?: number;
  negative_prompt?: string;
  guidance_scale?: number;
  response_format: "b64_json";
};

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length) % items.length] as T;

/**
 * Draws one covert image audit request as users send them: a prompt from a varied pool, a size the model
 * renders, steps within the configured bounds, usually one image; a seed half of the time (else the gateway's
 * `prepareRelayBody` draws one, as for a user who names none), sometimes a negative prompt or a guidance scale.
 *
 * @param random - uniform in [0, 1).
 * @param parameters - sizes, steps bounds, most images.
 * @example
 * ```ts
 * const body = drawImageAuditRequest(Math.random, { sizes: ["64x64"], steps: { min: 4, max: 20 }, maxImages: 2 });
 * ```
 */
export function drawImageAuditRequest(
  random: () => number,
  { sizes, steps, maxImages }: DrawImageAuditRequestParameters,
): ImageAuditRequest {
  const request: ImageAuditRequest = {
    prompt: `${pick(random, SUBJECTS)}${pick(random, STYLES)}`,
    n: random() < 0.75 || maxImages === 1 ? 1 : 2 + Math.floor(random() * (maxImages - 1)),
    size: pick(random, sizes),
    steps: steps.min + Math.floor(random() * (steps.max - steps.min + 1)),
    response_format: "b64_json",
  };
  if (random() < 0.5) request.seed = Math.floor(random() * 0x1_0000_0000);
  if (random() < 0.3) request.negative_prompt = pick(random, NEGATIVE_PROMPTS);
  if (random() < 0.3) request.guidance_scale = Math.round((3 + random() * 6) * 2) / 2;
  return request;
}
