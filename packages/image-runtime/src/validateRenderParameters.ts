import { ImageRenderInvalidError } from "./errors.ts";
import type { ImagePipelineLimits, RenderImagesParameters } from "./ImagePipeline.ts";

/** Largest guidance scale accepted; beyond it images only saturate, and a typo (500) should be refused. */
const maxGuidanceScale = 50;

/**
 * Checks a render against a pipeline's limits and throws {@link ImageRenderInvalidError} naming the first
 * bad OpenAI field: `size` listed, `1 ≤ steps ≤ maxSteps`, prompt (and negative prompt) at most
 * `maxPromptCharacters` characters (code points), `n ≥ 1`, `seed` a uint32 (and `seed + n − 1` too, since
 * image i uses seed + i), `1 ≤ guidance_scale ≤ 50`.
 *
 * @param parameters - the render.
 * @param limits - the pipeline's limits.
 * @returns the guidance scale to use (the pipeline's default when the render gives none).
 * @example
 * ```ts
 * const guidanceScale = validateRenderParameters(parameters, pipeline.limits);
 * ```
 */
export function validateRenderParameters(
  parameters: RenderImagesParameters,
  limits: ImagePipelineLimits,
): number {
  const { prompt, negativePrompt = "", n, width, height, steps, seed } = parameters;
  if (typeof prompt !== "string")
    throw new ImageRenderInvalidError({ param: "prompt", reason: "expected a string" });
  const promptCharacters = countCharacters(prompt);
  if (promptCharacters > limits.maxPromptCharacters)
    throw new ImageRenderInvalidError({
      param: "prompt",
      reason: `${promptCharacters} characters exceed the model's maximum of ${limits.maxPromptCharacters}`,
    });
  if (typeof negativePrompt !== "string")
    throw new ImageRenderInvalidError({ param: "negative_prompt", reason: "expected a string" });
  const negativeCharacters = countCharacters(negativePrompt);
  if (negativeCharacters > limits.maxPromptCharacters)
    throw new ImageRenderInvalidError({
      param: "negative_prompt",
      reason: `${negativeCharacters} characters exceed the model's maximum of ${limits.maxPromptCharacters}`,
    });
  if (!Number.isInteger(n) || n < 1)
    throw new ImageRenderInvalidError({ param: "n", reason: `expected an integer ≥ 1, got ${n}` });
  const size = `${width}x${height}`;
  if (!Number.isInteger(width) || !Number.isInteger(height) || !limits.sizes.includes(size))
    throw new ImageRenderInvalidError({
      param: "size",
      reason: `${size} is not one of the model's sizes (${limits.sizes.join(", ")})`,
    });
  if (!Number.isInteger(steps) || steps < 1 || steps > limits.maxSteps)
    throw new ImageRenderInvalidError({
      param: "steps",
      reason: `expected an integer from 1 to ${limits.maxSteps}, got ${steps}`,
    });
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new ImageRenderInvalidError({ param: "seed", reason: `expected a uint32, got ${seed}` });
  if (seed + n - 1 > 0xffffffff)
    throw new ImageRenderInvalidError({
      param: "seed",
      reason: `image ${n - 1} would use seed ${seed + n - 1}, beyond uint32`,
    });
  const guidanceScale = parameters.guidanceScale ?? limits.defaultGuidanceScale;
  if (!Number.isFinite(guidanceScale) || guidanceScale < 1 || guidanceScale > maxGuidanceScale)
    throw new ImageRenderInvalidError({
      param: "guidance_scale",
      reason: `expected a number from 1 to ${maxGuidanceScale}, got ${guidanceScale}`,
    });
  return guidanceScale;
}

function countCharacters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
