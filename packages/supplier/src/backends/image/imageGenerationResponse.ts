import type { BackendResponse } from "../Backend.ts";

/**
 * The supplier's images answer (the contract of issue 14): `{ created, data: [{ b64_json }], usage: { images,
 * steps, units } }`, with the backend usage a receipt bills: `completionTokens` = images × steps, no input units.
 *
 * @param images - each image's PNG as base64.
 * @param steps - the steps each image was denoised for (requested, for an upstream that cannot say).
 * @param created - unix seconds. @default now
 * @example
 * ```ts
 * imageGenerationResponse([pngBase64], 20).usage; // { promptTokens: 0, completionTokens: 20 }
 * ```
 */
export function imageGenerationResponse(
  images: readonly string[],
  steps: number,
  created: number = Math.floor(Date.now() / 1000),
): BackendResponse {
  const units = images.length * steps;
  return {
    body: {
      created,
      data: images.map((b64_json) => ({ b64_json })),
      usage: { images: images.length, steps, units },
    },
    usage: { promptTokens: 0, completionTokens: units },
  };
}
