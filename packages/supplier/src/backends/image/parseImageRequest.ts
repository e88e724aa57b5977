import {
  DEFAULT_IMAGE_SIZE,
  type ImageGenerationRequest,
  imageGenerationRequestSchema,
  parseImageSize,
} from "@aviary/protocol";
import { BackendInvalidRequestError, BackendParameterUnsupportedError } from "../errors.ts";
import { parseOrThrow } from "../parseGenerationRequest.ts";

/** An `images/generations` body as a backend renders it. */
export type ImageRequest = {
  /** The model name the client asked for. */
  model: string;
  prompt: string;
  /** `negative_prompt`, when set. */
  negativePrompt: string | undefined;
  /** Images to render (`n`, default 1). */
  n: number;
  /** `size` as sent (default `DEFAULT_IMAGE_SIZE`), and as numbers. */
  size: string;
  width: number;
  height: number;
  /** `steps` when the body names them (the backend's default otherwise). */
  steps: number | undefined;
  /** `seed` when the body names one. */
  seed: number | undefined;
  guidanceScale: number | undefined;
  /** The body as zod parsed it (vendor fields kept), for backends that forward it. */
  body: ImageGenerationRequest;
};

export type ParseImageRequestErrorType = BackendInvalidRequestError | BackendParameterUnsupportedError;

/**
 * Validates an `images/generations` body for a backend (the server checked it already; a backend called
 * directly must not trust it either): OpenAI's schema, a `size` of the form `WxH`, and no `url` answer or
 * stream, which a supplier never gives (it answers `b64_json`; the gateway serves urls).
 *
 * @param body - the request body.
 * @throws {BackendInvalidRequestError} a field breaks the schema (400 naming it).
 * @throws {BackendParameterUnsupportedError} `response_format: "url"` or `stream: true` (400 naming it).
 * @example
 * ```ts
 * const request = parseImageRequest({ model: "m", prompt: "a bird", size: "64x64" });
 * request.width; // 64
 * ```
 */
export function parseImageRequest(body: Record<string, unknown>): ImageRequest {
  const parsed = parseOrThrow(imageGenerationRequestSchema, body);
  if (parsed.response_format === "url") {
    throw new BackendParameterUnsupportedError({
      param: "response_format",
      reason: "suppliers answer `b64_json`; `url` is served by a gateway",
    });
  }
  if (parsed.stream === true) {
    throw new BackendParameterUnsupportedError({ param: "stream", reason: "images are not streamed" });
  }
  const size = parsed.size ?? DEFAULT_IMAGE_SIZE;
  const dimensions = parseImageSize(size);
  if (!dimensions) {
    throw new BackendInvalidRequestError({
      reason: `\`size\` ${JSON.stringify(size)} is not WxH`,
      param: "size",
    });
  }
  return {
    model: parsed.model,
    prompt: parsed.prompt,
    negativePrompt: parsed.negative_prompt ?? undefined,
    n: parsed.n ?? 1,
    size,
    ...dimensions,
    steps: parsed.steps ?? undefined,
    seed: parsed.seed ?? undefined,
    guidanceScale: parsed.guidance_scale ?? undefined,
    body: parsed,
  };
}
