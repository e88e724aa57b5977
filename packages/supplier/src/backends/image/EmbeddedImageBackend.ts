import { randomInt } from "node:crypto";
import { stat } from "node:fs/promises";
import { type ImagePipeline, ImageRenderInvalidError, loadImagePipeline } from "@aviary/image-runtime";
import type {
  Backend,
  BackendCapabilities,
  BackendRequest,
  BackendResponse,
  BackendRoute,
  BackendStreamEvent,
} from "../Backend.ts";
import {
  BackendError,
  BackendInternalError,
  BackendInvalidRequestError,
  BackendModelDigestMismatchError,
  BackendModelInvalidError,
  BackendModelNotFoundError,
  BackendParameterUnsupportedError,
  BackendRequestAbortedError,
  BackendRouteUnsupportedError,
  BackendUnavailableError,
} from "../errors.ts";
import { imageGenerationResponse } from "./imageGenerationResponse.ts";
import { parseImageRequest } from "./parseImageRequest.ts";

/** Options of {@link EmbeddedImageBackend}. */
export type EmbeddedImageBackendOptions = {
  /** The pipeline manifest (`pipeline.json`) or its directory. */
  path: string;
  /** The registry's `weightsDigest`: the manifest's SHA-256 must equal it, or the model is not served. */
  expectedSha256?: `0x${string}`;
  /** CPU threads of the runtime. @default 1 */
  threads?: number;
};

/**
 * Renders images in process with `@aviary/image-runtime` (ONNX Runtime on CPU): `POST /v1/images/generations`
 * bodies (`n`, `size`, `steps`, `seed`, `negative_prompt`, `guidance_scale`), answered as base64 PNGs. Usage
 * is what was rendered: `completionTokens` = images × steps, `promptTokens` 0. Never streamed.
 *
 * @example
 * ```ts
 * const backend = new EmbeddedImageBackend({ path: "models/aviary-test-image-seed42/pipeline.json" });
 * await backend.start();
 * const { body, usage } = await backend.complete({ route: "images/generations", body, signal });
 * ```
 */
export class EmbeddedImageBackend implements Backend {
  readonly description: string;
  private readonly options: EmbeddedImageBackendOptions;
  private pipeline: ImagePipeline | undefined;
  private closed = false;

  constructor(options: EmbeddedImageBackendOptions) {
    this.options = options;
    this.description = `embedded-image:${options.path}`;
  }

  /**
   * Loads the pipeline (every part's SHA-256 checked against its manifest) and checks the manifest's digest.
   *
   * @throws {BackendModelNotFoundError} nothing at `path`; {@link BackendModelInvalidError} it does not load;
   * {@link BackendModelDigestMismatchError} it is not the registered model.
   */
  async start(): Promise<void> {
    const { path, expectedSha256, threads = 1 } = this.options;
    try {
      await stat(path);
    } catch (cause) {
      throw new BackendModelNotFoundError({ path, cause });
    }
    let pipeline: ImagePipeline;
    try {
      pipeline = await loadImagePipeline(path, { threads });
    } catch (cause) {
      throw new BackendModelInvalidError({
        path,
        reason: (cause as Error).message?.split("\n")[0] ?? "the image pipeline does not load",
        cause,
      });
    }
    if (expectedSha256 && pipeline.digest.toLowerCase() !== expectedSha256.toLowerCase()) {
      await pipeline.close().catch(() => undefined);
      throw new BackendModelDigestMismatchError({
        path: pipeline.path,
        expected: expectedSha256,
        actual: pipeline.digest,
      });
    }
    this.pipeline = pipeline;
  }

  supports(route: BackendRoute): boolean {
    return route === "images/generations";
  }

  /** An image model: no text features; `image` is what the loaded pipeline renders. */
  capabilities(): BackendCapabilities {
    const limits = this.pipeline?.limits;
    return {
      backend: "embedded",
      tools: false,
      jsonSchema: false,
      logprobs: false,
      images: false,
      contextLength: null,
      image: {
        sizes: [...(limits?.sizes ?? [])],
        maxSteps: limits?.maxSteps ?? 0,
        maxPromptCharacters: limits?.maxPromptCharacters ?? 0,
      },
    };
  }

  async complete(request: BackendRequest): Promise<BackendResponse> {
    const pipeline = this.pipeline;
    if (this.closed || !pipeline) {
      throw new BackendUnavailableError({
        description: this.description,
        reason: this.closed ? "closed" : "not started",
        status: 503,
        isRetryable: false,
      });
    }
    if (!this.supports(request.route)) {
      throw new BackendRouteUnsupportedError({
        route: request.route,
        description: this.description,
        reason: "an image model serves /v1/images/generations only",
      });
    }
    const image = parseImageRequest(request.body);
    if (request.signal.aborted) throw new BackendRequestAbortedError({ cause: request.signal.reason });
    const steps = image.steps ?? pipeline.limits.defaultSteps;
    let rendered: Awaited<ReturnType<ImagePipeline["render"]>>;
    try {
      rendered = await pipeline.render({
        prompt: image.prompt,
        ...(image.negativePrompt !== undefined ? { negativePrompt: image.negativePrompt } : {}),
        n: image.n,
        width: image.width,
        height: image.height,
        steps,
        seed: image.seed ?? randomInt(0, 2 ** 32),
        ...(image.guidanceScale !== undefined ? { guidanceScale: image.guidanceScale } : {}),
        signal: request.signal,
      });
    } catch (error) {
      if (error instanceof BackendError) throw error;
      if (error instanceof ImageRenderInvalidError) {
        throw new BackendInvalidRequestError({
          reason: error.shortMessage,
          param: error.param,
          cause: error,
        });
      }
      if (request.signal.aborted) throw new BackendRequestAbortedError({ cause: error });
      if (this.closed) {
        throw new BackendUnavailableError({
          description: this.description,
          reason: "closed",
          status: 503,
          isRetryable: false,
          cause: error,
        });
      }
      throw new BackendInternalError({ description: this.description, cause: error });
    }
    return imageGenerationResponse(
      rendered.images.map((png) =>
        Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64"),
      ),
      rendered.steps,
    );
  }

  // biome-ignore lint/correctness/useYield: refuses before the first event; images are never streamed.
  async *stream(_request: BackendRequest): AsyncGenerator<BackendStreamEvent, void, void> {
    throw new BackendParameterUnsupportedError({ param: "stream", reason: "images are not streamed" });
  }

  async close(): Promise<void> {
    this.closed = true;
    const pipeline = this.pipeline;
    this.pipeline = undefined;
    await pipeline?.close();
  }
}
