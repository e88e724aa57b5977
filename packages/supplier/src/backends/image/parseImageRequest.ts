import {
  type ImageGenerationRequest,
  type ImageRenderRequest,
  imageGenerationRequestSchema,
  imageRenderRequest,
} from "@aviary/protocol";
import { BackendInvalidRequestError, BackendParameterUnsupportedError } from "../errors.ts";
import { parseOrThrow } from "../parseGenerationRequest.ts";

/** An `images/generations` body as a backend renders it (`imageRenderRequest`), with the model named. */
export type ImageRequest = ImageRenderRequest & {
  /** The model name the client asked for. */
  model: string;
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
  const render = imageRenderRequest(parsed);
  if (!render) {
    throw new BackendInvalidRequestError({
      reason: `\`size\` ${JSON.stringify(parsed.size)} is not WxH`,
      param: "size",
    });
  }
  return {
    model: parsed.model,
    ...render,
    body: parsed,
  };
}
