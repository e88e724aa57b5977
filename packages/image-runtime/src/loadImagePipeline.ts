import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { z } from "zod";
import {
  ImagePipelineClosedError,
  ImagePipelineOptionsInvalidError,
  ImagePipelinePartDigestMismatchError,
  ImagePipelinePartInvalidError,
  ImagePipelinePartMissingError,
  ImageRenderFailedError,
} from "./errors.ts";
import type {
  ImagePipeline,
  ImagePipelineLimits,
  RenderedImages,
  RenderImagesParameters,
} from "./ImagePipeline.ts";
import type { ImagePipelineManifest, ImagePipelinePartName } from "./manifest/imagePipelineManifestSchema.ts";
import { readImagePipelineManifest } from "./manifest/readImagePipelineManifest.ts";
import { createSeededRandom } from "./random/createSeededRandom.ts";
import { eulerDiscreteSchedule } from "./scheduler/eulerDiscreteSchedule.ts";
import { loadPromptTokenizer } from "./tokenizer/loadPromptTokenizer.ts";
import { validateRenderParameters } from "./validateRenderParameters.ts";

const loadImagePipelineOptionsSchema = z.object({
  /** ONNX Runtime's intra-op threads per session. */
  threads: z.number().int().min(1).max(256).default(1),
});

export type LoadImagePipelineOptions = z.input<typeof loadImagePipelineOptionsSchema>;

type Sessions = Record<ImagePipelinePartName, InferenceSession>;

/**
 * Loads an image pipeline: reads and validates its manifest, checks every part file (and tokenizer file)
 * against the SHA-256 the manifest pins, and opens one ONNX Runtime CPU session per part. The returned pipeline
 * renders one request at a time (later ones wait in a queue), so concurrent requests never oversubscribe the CPU.
 *
 * A render: for image `i`, standard Gaussian noise from `createSeededRandom(seed + i)` times the scheduler's
 * initial sigma; `steps` Euler steps, each denoising the conditional (and, unless `guidanceScale` is 1, the
 * negative-prompt) side and mixing them with classifier-free guidance; then the decoder, clamped and quantized
 * to 8-bit RGB, PNG-encoded. Same parameters on the same runtime build → same PNG bytes.
 *
 * @param path - the manifest (`pipeline.json`) or the directory holding it.
 * @param options - `threads`: intra-op threads per session (default 1).
 * @throws {ImagePipelineManifestMissingError | ImagePipelineManifestInvalidError} for a bad manifest.
 * @throws {ImagePipelinePartMissingError | ImagePipelinePartDigestMismatchError | ImagePipelinePartInvalidError}
 * for a bad part (an ONNX file, its external data, or a tokenizer file), naming its file; `PartInvalid` also when
 * a part lacks a named tensor or an input's element type differs from the manifest's.
 * @throws {ImagePipelineTokenizerInvalidError} for an unusable `clip-bpe` vocabulary or merges file.
 * @example
 * ```ts
 * const model = await ensureTestImageModel({ directory: ".aviary/models" });
 * const pipeline = await loadImagePipeline(model.path, { threads: 2 });
 * const { images } = await pipeline.render({ prompt: "a fox", n: 1, width: 256, height: 256, steps: 20, seed: 7 });
 * await pipeline.close();
 * ```
 */
export async function loadImagePipeline(
  path: string,
  options: LoadImagePipelineOptions = {},
): Promise<ImagePipeline> {
  const parsedOptions = loadImagePipelineOptionsSchema.safeParse(options);
  if (!parsedOptions.success) {
    const issue = parsedOptions.error.issues[0];
    throw new ImagePipelineOptionsInvalidError({
      reason: `\`${issue?.path.map(String).join(".") || "options"}\`: ${issue?.message ?? "invalid"}`,
      cause: parsedOptions.error,
    });
  }
  const { threads } = parsedOptions.data;
  const { path: manifestPath, directory, manifest, digest } = await readImagePipelineManifest(path);
  const tokenize = await loadPromptTokenizer(manifest.tokenizer, directory);

  const partNames: ImagePipelinePartName[] = ["promptEncoder", "denoiser", "decoder"];
  // Hash every part (and its external data) before opening any session, so a bad part fails fast and leaks nothing.
  const checkedParts = await Promise.all(
    partNames.map(async (part) => {
      const { file, sha256, externalData } = manifest.parts[part];
      const partPath = join(directory, file);
      if (externalData === undefined) {
        // Read once: the session is created from the bytes just hashed, so what runs is what was checked.
        const bytes = await readPinnedFile(part, partPath, sha256, "bytes");
        return { part, path: partPath, source: bytes };
      }
      // A model with external data is opened by path (ONNX Runtime resolves the data file beside it), so both
      // files are hashed as streams: the data file can exceed what one Buffer holds.
      await Promise.all([
        readPinnedFile(part, partPath, sha256, "stream"),
        readPinnedFile(
          `${part}.externalData`,
          join(directory, externalData.file),
          externalData.sha256,
          "stream",
        ),
      ]);
      return { part, path: partPath, source: partPath };
    }),
  );

  const opened: InferenceSession[] = [];
  const sessions = {} as Sessions;
  try {
    for (const { part, path: partPath, source } of checkedParts) {
      let session: InferenceSession;
      try {
        const sessionOptions: InferenceSession.SessionOptions = {
          executionProviders: ["cpu"],
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: "sequential",
          graphOptimizationLevel: "all",
        };
        session =
          typeof source === "string"
            ? await InferenceSession.create(source, sessionOptions)
            : await InferenceSession.create(source, sessionOptions);
      } catch (cause) {
        throw new ImagePipelinePartInvalidError({
          part,
          path: partPath,
          reason: "ONNX Runtime rejected it",
          cause,
        });
      }
      opened.push(session);
      checkTensorNames(manifest, part, partPath, session);
      checkTensorTypes(manifest, part, partPath, session);
      sessions[part] = session;
    }
  } catch (error) {
    await Promise.all(opened.map((session) => session.release()));
    throw error;
  }

  const limits: ImagePipelineLimits = {
    sizes: Object.freeze([...manifest.limits.sizes]),
    maxSteps: manifest.limits.maxSteps,
    defaultSteps: manifest.limits.defaultSteps,
    defaultGuidanceScale: manifest.limits.defaultGuidanceScale,
    maxPromptCharacters: manifest.limits.maxPromptCharacters,
  };
  let closed = false;
  // Renders run one after another: each already uses `threads` cores.
  let queueTail: Promise<unknown> = Promise.resolve();

  return {
    path: manifestPath,
    digest,
    limits,
    async render(parameters: RenderImagesParameters): Promise<RenderedImages> {
      if (closed) throw new ImagePipelineClosedError({ path: manifestPath });
      const guidanceScale = validateRenderParameters(parameters, limits);
      const promptIds = tokenize(parameters.prompt, "prompt");
      const negativeIds =
        guidanceScale === 1 ? undefined : tokenize(parameters.negativePrompt ?? "", "negative_prompt");
      const run = queueTail.then(() =>
        renderImages({ manifest, sessions, parameters, guidanceScale, promptIds, negativeIds }),
      );
      queueTail = run.catch(() => undefined);
      return run;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await queueTail;
      await Promise.all(Object.values(sessions).map((session) => session.release()));
    },
  };
}

async function readPinnedFile(part: string, path: string, sha256: string, mode: "bytes"): Promise<Buffer>;
async function readPinnedFile(part: string, path: string, sha256: string, mode: "stream"): Promise<undefined>;
async function readPinnedFile(
  part: string,
  path: string,
  sha256: string,
  mode: "bytes" | "stream",
): Promise<Buffer | undefined> {
  const hash = createHash("sha256");
  let bytes: Buffer | undefined;
  try {
    if (mode === "bytes") {
      bytes = await readFile(path);
      hash.update(bytes);
    } else for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (cause) {
    throw new ImagePipelinePartMissingError({ part, path, cause });
  }
  const actual = `0x${hash.digest("hex")}`;
  if (actual !== sha256)
    throw new ImagePipelinePartDigestMismatchError({ part, path, expected: sha256, actual });
  return bytes;
}

function checkTensorNames(
  manifest: ImagePipelineManifest,
  part: ImagePipelinePartName,
  partPath: string,
  session: InferenceSession,
): void {
  const expected =
    part === "promptEncoder"
      ? { inputs: [manifest.parts.promptEncoder.inputIds], outputs: [manifest.parts.promptEncoder.output] }
      : part === "denoiser"
        ? {
            inputs: [
              manifest.parts.denoiser.sample,
              manifest.parts.denoiser.timestep,
              manifest.parts.denoiser.conditioning,
            ],
            outputs: [manifest.parts.denoiser.output],
          }
        : { inputs: [manifest.parts.decoder.latent], outputs: [manifest.parts.decoder.output] };
  for (const name of expected.inputs)
    if (!session.inputNames.includes(name))
      throw new ImagePipelinePartInvalidError({
        part,
        path: partPath,
        reason: `it has no input \`${name}\` (inputs: ${session.inputNames.join(", ")})`,
      });
  // An input the runtime never feeds (SDXL's `text_embeds`, LCM's `timestep_cond`) would fail every render.
  for (const name of session.inputNames)
    if (!expected.inputs.includes(name))
      throw new ImagePipelinePartInvalidError({
        part,
        path: partPath,
        reason: `it takes an input \`${name}\` the runtime does not feed (it feeds ${expected.inputs.join(", ")})`,
      });
  for (const name of expected.outputs)
    if (!session.outputNames.includes(name))
      throw new ImagePipelinePartInvalidError({
        part,
        path: partPath,
        reason: `it has no output \`${name}\` (outputs: ${session.outputNames.join(", ")})`,
      });
}

// The element types the manifest's `inputIdsType` / `timestepType` must agree with, when the model declares them.
function checkTensorTypes(
  manifest: ImagePipelineManifest,
  part: ImagePipelinePartName,
  partPath: string,
  session: InferenceSession,
): void {
  const expected: Array<{ name: string; type: string; field: string }> =
    part === "promptEncoder"
      ? [
          {
            name: manifest.parts.promptEncoder.inputIds,
            type: manifest.parts.promptEncoder.inputIdsType,
            field: "inputIdsType",
          },
        ]
      : part === "denoiser"
        ? [
            {
              name: manifest.parts.denoiser.timestep,
              type: manifest.parts.denoiser.timestepType,
              field: "timestepType",
            },
            { name: manifest.parts.denoiser.sample, type: "float32", field: "sample" },
          ]
        : [{ name: manifest.parts.decoder.latent, type: "float32", field: "latent" }];
  // Older runtimes expose no metadata; then a mismatch surfaces as a render failure instead.
  const metadata =
    (session as { inputMetadata?: readonly InferenceSession.ValueMetadata[] }).inputMetadata ?? [];
  for (const { name, type, field } of expected) {
    const input = metadata.find((value) => value.name === name);
    if (input?.isTensor && input.type !== type)
      throw new ImagePipelinePartInvalidError({
        part,
        path: partPath,
        reason: `its input \`${name}\` is ${input.type}, the manifest's \`${field}\` says ${type}`,
      });
  }
}

type RenderImagesContext = {
  manifest: ImagePipelineManifest;
  sessions: Sessions;
  parameters: RenderImagesParameters;
  guidanceScale: number;
  promptIds: number[];
  negativeIds: number[] | undefined;
};

async function renderImages({
  manifest,
  sessions,
  parameters,
  guidanceScale,
  promptIds,
  negativeIds,
}: RenderImagesContext): Promise<RenderedImages> {
  const { n, width, height, steps, seed, signal, onStep } = parameters;
  signal?.throwIfAborted();
  const { parts, latent, scheduler } = manifest;
  const latentHeight = height / latent.scaleFactor;
  const latentWidth = width / latent.scaleFactor;
  const latentShape = [1, latent.channels, latentHeight, latentWidth];
  const latentSize = latent.channels * latentHeight * latentWidth;

  const conditioning = await encodePrompt(sessions.promptEncoder, manifest, promptIds);
  const negativeConditioning =
    negativeIds && (await encodePrompt(sessions.promptEncoder, manifest, negativeIds));
  const schedule = eulerDiscreteSchedule(scheduler, steps);

  const denoise = async (
    sample: Float32Array,
    timestep: number,
    condition: Tensor,
  ): Promise<Float32Array> => {
    const timestepDims = parts.denoiser.timestepShape === "[]" ? [] : [1];
    const timestepTensor =
      parts.denoiser.timestepType === "int64"
        ? new Tensor("int64", BigInt64Array.of(BigInt(Math.round(timestep))), timestepDims)
        : new Tensor("float32", Float32Array.of(timestep), timestepDims);
    const output = await runPart(sessions.denoiser, "denoiser", {
      [parts.denoiser.sample]: new Tensor("float32", sample, latentShape),
      [parts.denoiser.timestep]: timestepTensor,
      [parts.denoiser.conditioning]: condition,
    });
    const prediction = output[parts.denoiser.output];
    if (!(prediction?.data instanceof Float32Array) || prediction.data.length !== latentSize)
      throw new ImageRenderFailedError({
        reason: `the denoiser's output is not a float32 tensor of shape [${latentShape}]`,
      });
    return prediction.data;
  };

  const images: Uint8Array[] = [];
  for (let image = 0; image < n; image++) {
    const random = createSeededRandom(seed + image);
    const sample = new Float32Array(latentSize);
    for (let index = 0; index < latentSize; index++)
      sample[index] = random.nextGaussian() * schedule.initialNoiseSigma;
    const scaled = new Float32Array(latentSize);
    for (let step = 0; step < steps; step++) {
      signal?.throwIfAborted();
      const sigma = schedule.sigmas[step] as number;
      const nextSigma = schedule.sigmas[step + 1] as number;
      const timestep = schedule.timesteps[step] as number;
      const inputScale = 1 / Math.sqrt(sigma * sigma + 1);
      for (let index = 0; index < latentSize; index++) scaled[index] = (sample[index] as number) * inputScale;
      const conditional = await denoise(scaled, timestep, conditioning);
      const unconditional = negativeConditioning && (await denoise(scaled, timestep, negativeConditioning));
      for (let index = 0; index < latentSize; index++) {
        const value = sample[index] as number;
        const conditionalOutput = conditional[index] as number;
        const output =
          unconditional === undefined
            ? conditionalOutput
            : (unconditional[index] as number) +
              guidanceScale * (conditionalOutput - (unconditional[index] as number));
        // Euler: the derivative dx/dσ is (x − x̂₀)/σ, with x̂₀ the denoised estimate the prediction implies.
        const denoised =
          scheduler.prediction === "epsilon"
            ? value - sigma * output
            : output * (-sigma * inputScale) + value * inputScale * inputScale;
        const derivative = (value - denoised) / sigma;
        sample[index] = value + derivative * (nextSigma - sigma);
      }
      onStep?.({ image, step: step + 1, steps });
    }
    signal?.throwIfAborted();
    images.push(await decodeLatent(sessions.decoder, manifest, sample, latentShape, width, height));
  }
  return { images, steps };
}

async function encodePrompt(
  session: InferenceSession,
  manifest: ImagePipelineManifest,
  ids: number[],
): Promise<Tensor> {
  const { inputIds, inputIdsType, output } = manifest.parts.promptEncoder;
  const idsTensor =
    inputIdsType === "int64"
      ? new Tensor(
          "int64",
          BigInt64Array.from(ids, (id) => BigInt(id)),
          [1, ids.length],
        )
      : new Tensor("int32", Int32Array.from(ids), [1, ids.length]);
  const result = await runPart(session, "prompt encoder", { [inputIds]: idsTensor });
  const conditioning = result[output];
  if (conditioning === undefined)
    throw new ImageRenderFailedError({ reason: `the prompt encoder returned no \`${output}\`` });
  return conditioning;
}

async function decodeLatent(
  session: InferenceSession,
  manifest: ImagePipelineManifest,
  sample: Float32Array,
  latentShape: number[],
  width: number,
  height: number,
): Promise<Uint8Array> {
  const { latent, output, outputRange } = manifest.parts.decoder;
  const unscaled = sample.map((value) => value / manifest.latent.scalingFactor);
  const result = await runPart(session, "decoder", {
    [latent]: new Tensor("float32", unscaled, latentShape),
  });
  const image = result[output];
  const [batch, channels, imageHeight, imageWidth] = image?.dims ?? [];
  if (
    !(image?.data instanceof Float32Array) ||
    batch !== 1 ||
    channels !== 3 ||
    imageHeight !== height ||
    imageWidth !== width
  )
    throw new ImageRenderFailedError({
      reason: `the decoder's output is not a float32 tensor of shape [1,3,${height},${width}] (got [${image?.dims ?? []}])`,
    });
  const planar = image.data;
  const pixels = width * height;
  const rgb = new Uint8Array(pixels * 3);
  for (let channel = 0; channel < 3; channel++) {
    for (let pixel = 0; pixel < pixels; pixel++) {
      const value = planar[channel * pixels + pixel] as number;
      const unit = outputRange === "-1..1" ? (value + 1) / 2 : value;
      // NaN fails both comparisons and becomes 0, so a broken export yields black rather than garbage.
      const clamped = unit > 0 ? (unit < 1 ? unit : 1) : 0;
      rgb[pixel * 3 + channel] = Math.round(clamped * 255);
    }
  }
  return encodePng({ width, height, data: rgb, channels: 3, depth: 8 });
}

async function runPart(
  session: InferenceSession,
  part: string,
  feeds: Record<string, Tensor>,
): Promise<InferenceSession.OnnxValueMapType> {
  try {
    return await session.run(feeds);
  } catch (cause) {
    throw new ImageRenderFailedError({ reason: `ONNX Runtime failed running the ${part}`, cause });
  }
}
