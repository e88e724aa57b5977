import { BaseError } from "@aviary/protocol";

/**
 * What every `@aviary/image-runtime` operation throws.
 *
 * @example
 * ```ts
 * try {
 *   await pipeline.render(parameters);
 * } catch (error) {
 *   if (error instanceof ImageRuntimeError) console.error(error.shortMessage);
 * }
 * ```
 */
export class ImageRuntimeError extends BaseError {
  override name = "ImageRuntimeError";
}

/** The fields of a render that can be invalid, spelled as the OpenAI images route spells them. */
export type ImageRenderParameterName =
  | "prompt"
  | "negative_prompt"
  | "n"
  | "size"
  | "steps"
  | "seed"
  | "guidance_scale";

/**
 * A render parameter is outside what the pipeline can render (size not listed, too many steps, prompt too
 * long, …). `param` names the OpenAI body field, so a server can answer a 400 naming it.
 *
 * @example
 * ```ts
 * throw new ImageRenderInvalidError({ param: "size", reason: "1024x1024 is not one of 64x64, 128x128" });
 * ```
 */
export class ImageRenderInvalidError extends ImageRuntimeError {
  override name = "ImageRenderInvalidError";
  readonly param: ImageRenderParameterName;
  constructor({ param, reason }: { param: ImageRenderParameterName; reason: string }) {
    super(`Invalid \`${param}\`: ${reason}`);
    this.param = param;
  }
}

/**
 * The pipeline manifest (`pipeline.json`) does not exist or cannot be read.
 *
 * @example
 * ```ts
 * throw new ImagePipelineManifestMissingError({ path: "/models/x/pipeline.json", cause });
 * ```
 */
export class ImagePipelineManifestMissingError extends ImageRuntimeError {
  override name = "ImagePipelineManifestMissingError";
  readonly path: string;
  constructor({ path, cause }: { path: string; cause?: unknown }) {
    super(`Image pipeline manifest not found or not readable: ${path}`, { cause });
    this.path = path;
  }
}

/**
 * The manifest is not valid JSON or does not match the manifest schema. `field` is the dotted path of the
 * first bad field (`"(json)"` when the file is not JSON).
 *
 * @example
 * ```ts
 * throw new ImagePipelineManifestInvalidError({ path, field: "limits.maxSteps", reason: "expected a number" });
 * ```
 */
export class ImagePipelineManifestInvalidError extends ImageRuntimeError {
  override name = "ImagePipelineManifestInvalidError";
  readonly path: string;
  readonly field: string;
  constructor({
    path,
    field,
    reason,
    cause,
    metaMessages,
  }: { path: string; field: string; reason: string; cause?: unknown; metaMessages?: string[] }) {
    super(`Image pipeline manifest ${path} is invalid at \`${field}\`: ${reason}`, { cause, metaMessages });
    this.path = path;
    this.field = field;
  }
}

/**
 * A part (prompt encoder, denoiser, decoder) the manifest lists is not in the pipeline's directory.
 *
 * @example
 * ```ts
 * throw new ImagePipelinePartMissingError({ part: "denoiser", path: "/models/x/denoiser.onnx", cause });
 * ```
 */
export class ImagePipelinePartMissingError extends ImageRuntimeError {
  override name = "ImagePipelinePartMissingError";
  readonly part: string;
  readonly path: string;
  constructor({ part, path, cause }: { part: string; path: string; cause?: unknown }) {
    super(`Image pipeline part \`${part}\` not found or not readable: ${path}`, { cause });
    this.part = part;
    this.path = path;
  }
}

/**
 * A part's file does not have the SHA-256 the manifest pins (tampered, truncated, or a different export).
 *
 * @example
 * ```ts
 * throw new ImagePipelinePartDigestMismatchError({ part: "decoder", path, expected: "0xab…", actual: "0xcd…" });
 * ```
 */
export class ImagePipelinePartDigestMismatchError extends ImageRuntimeError {
  override name = "ImagePipelinePartDigestMismatchError";
  readonly part: string;
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
  constructor({
    part,
    path,
    expected,
    actual,
  }: { part: string; path: string; expected: string; actual: string }) {
    super(`Image pipeline part \`${part}\` (${path}) has SHA-256 ${actual}, expected ${expected}.`, {
      metaMessages: [`Expected: ${expected}`, `Actual:   ${actual}`],
    });
    this.part = part;
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * ONNX Runtime could not load a part (not an ONNX model, unsupported operator, wrong tensor names).
 *
 * @example
 * ```ts
 * throw new ImagePipelinePartInvalidError({ part: "denoiser", path, reason: "no input named `sample`" });
 * ```
 */
export class ImagePipelinePartInvalidError extends ImageRuntimeError {
  override name = "ImagePipelinePartInvalidError";
  readonly part: string;
  readonly path: string;
  constructor({
    part,
    path,
    reason,
    cause,
  }: { part: string; path: string; reason: string; cause?: unknown }) {
    super(`Image pipeline part \`${part}\` (${path}) cannot be loaded: ${reason}.`, { cause });
    this.part = part;
    this.path = path;
  }
}

/**
 * `render` was called on a pipeline after `close()`.
 *
 * @example
 * ```ts
 * throw new ImagePipelineClosedError({ path: pipeline.path });
 * ```
 */
export class ImagePipelineClosedError extends ImageRuntimeError {
  override name = "ImagePipelineClosedError";
  constructor({ path }: { path: string }) {
    super(`Image pipeline ${path} is closed.`);
  }
}

/**
 * ONNX Runtime failed during a render, or a part returned a tensor of the wrong shape: the pipeline's fault,
 * not the request's.
 *
 * @example
 * ```ts
 * throw new ImageRenderFailedError({ reason: "decoder output has shape [1,4,64,64]", cause });
 * ```
 */
export class ImageRenderFailedError extends ImageRuntimeError {
  override name = "ImageRenderFailedError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Image render failed: ${reason}.`, { cause });
  }
}

/**
 * `loadImagePipeline`'s options are invalid (a configuration error, not a request's).
 *
 * @example
 * ```ts
 * throw new ImagePipelineOptionsInvalidError({ reason: "`threads`: expected an integer ≥ 1" });
 * ```
 */
export class ImagePipelineOptionsInvalidError extends ImageRuntimeError {
  override name = "ImagePipelineOptionsInvalidError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Invalid image pipeline options: ${reason}`, { cause });
  }
}

/**
 * A pipeline's tokenizer files are unusable: `vocab.json` is not a token → id object, a `merges.txt` line is
 * malformed, or a special token is missing from the vocabulary.
 *
 * @example
 * ```ts
 * throw new ImagePipelineTokenizerInvalidError({ reason: "the end token <|endoftext|> is not in the vocabulary" });
 * ```
 */
export class ImagePipelineTokenizerInvalidError extends ImageRuntimeError {
  override name = "ImagePipelineTokenizerInvalidError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Image pipeline tokenizer is invalid: ${reason}.`, { cause });
  }
}
