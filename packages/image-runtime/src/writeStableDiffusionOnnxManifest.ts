import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ImagePipelineManifestInvalidError, ImagePipelinePartMissingError } from "./errors.ts";
import {
  type ImagePipelineManifest,
  type ImagePipelineManifestInput,
  imagePipelineManifestSchema,
} from "./manifest/imagePipelineManifestSchema.ts";
import { imagePipelineManifestFileName } from "./manifest/readImagePipelineManifest.ts";
import { eulerDiscreteFromDiffusersConfig } from "./scheduler/eulerDiscreteFromDiffusersConfig.ts";
import { writeFileAtomically } from "./writeFileAtomically.ts";

/** Where an optimum (`optimum-cli export onnx`) export of a Stable Diffusion 1.x/2.x pipeline keeps its files. */
export const stableDiffusionOnnxLayout = {
  textEncoder: "text_encoder/model.onnx",
  unet: "unet/model.onnx",
  vaeDecoder: "vae_decoder/model.onnx",
  vaeConfig: "vae_decoder/config.json",
  vocab: "tokenizer/vocab.json",
  merges: "tokenizer/merges.txt",
  specialTokens: "tokenizer/special_tokens_map.json",
  schedulerConfig: "scheduler/scheduler_config.json",
} as const;

export type WriteStableDiffusionOnnxManifestParameters = {
  /** The export's root (holding `text_encoder/`, `unet/`, `vae_decoder/`, `tokenizer/`, `scheduler/`). */
  directory: string;
  /** The manifest's label. @default "stable-diffusion-onnx" */
  name?: string;
  /** Sizes served, `"WxH"`, multiples of 8. @default ["512x512"] */
  sizes?: string[];
  /** `input_ids`' element type in `text_encoder/model.onnx`. @default "int32" */
  inputIdsType?: "int32" | "int64";
  /** `timestep`'s element type in `unet/model.onnx`. @default "int64" */
  timestepType?: "int64" | "float32";
  /** `timestep`'s shape in `unet/model.onnx`. @default "[1]" */
  timestepShape?: "[1]" | "[]";
  /** @default 50 */
  maxSteps?: number;
  /** @default 25 */
  defaultSteps?: number;
  /** @default 7.5 */
  defaultGuidanceScale?: number;
  /** @default 1000 */
  maxPromptCharacters?: number;
};

export type WriteStableDiffusionOnnxManifestReturnType = {
  /** `<directory>/pipeline.json`. */
  path: string;
  /** `0x` SHA-256 of the written manifest: the pipeline's digest. */
  sha256: `0x${string}`;
  manifest: ImagePipelineManifest;
};

/**
 * Writes `pipeline.json` for an optimum ONNX export of a Stable Diffusion 1.x-style pipeline, in place: hashes
 * `text_encoder/model.onnx`, `unet/model.onnx`, `vae_decoder/model.onnx` (and each one's `model.onnx_data`
 * when present), `tokenizer/vocab.json` and `tokenizer/merges.txt`; takes the scheduler's betas, spacing and
 * prediction type from `scheduler/scheduler_config.json` (for the Euler sampler), the VAE's `scaling_factor`
 * and `latent_channels` from `vae_decoder/config.json` (default 0.18215 and 4), and the pad token from
 * `tokenizer/special_tokens_map.json` (default `<|endoftext|>`). The tensor names are optimum's: `input_ids` →
 * `last_hidden_state`; `sample`, `timestep`, `encoder_hidden_states` → `out_sample`; `latent_sample` →
 * `sample`. Loading checks the names and element types, so a wrong `inputIdsType` / `timestepType` is caught
 * there, naming the field.
 *
 * @param parameters - `directory` and optional limits and input types (see the defaults on each field).
 * @throws {ImagePipelinePartMissingError} naming a missing file of the layout.
 * @throws {ImagePipelineManifestInvalidError} when a config is unusable or the result is not a valid manifest.
 * @example
 * ```ts
 * const { path } = await writeStableDiffusionOnnxManifest({ directory: "/models/sd15-onnx", sizes: ["512x512"] });
 * const pipeline = await loadImagePipeline(path);
 * ```
 */
export async function writeStableDiffusionOnnxManifest({
  directory,
  name = "stable-diffusion-onnx",
  sizes = ["512x512"],
  inputIdsType = "int32",
  timestepType = "int64",
  timestepShape = "[1]",
  maxSteps = 50,
  defaultSteps = 25,
  defaultGuidanceScale = 7.5,
  maxPromptCharacters = 1000,
}: WriteStableDiffusionOnnxManifestParameters): Promise<WriteStableDiffusionOnnxManifestReturnType> {
  const layout = stableDiffusionOnnxLayout;
  const pinned = async (part: string, file: string) => ({
    file,
    sha256: await sha256File(part, join(directory, file)),
  });
  const withExternalData = async (part: string, file: string) => {
    const dataFile = `${file}_data`;
    const hasData = await stat(join(directory, dataFile)).then(
      (entry) => entry.isFile(),
      () => false,
    );
    return { ...(await pinned(part, file)), ...(hasData && { externalData: await pinned(part, dataFile) }) };
  };
  const [textEncoder, unet, vaeDecoder, vocab, merges] = await Promise.all([
    withExternalData("promptEncoder", layout.textEncoder),
    withExternalData("denoiser", layout.unet),
    withExternalData("decoder", layout.vaeDecoder),
    pinned("tokenizer.vocab", layout.vocab),
    pinned("tokenizer.merges", layout.merges),
  ]);
  const schedulerPath = join(directory, layout.schedulerConfig);
  const schedulerConfig = await readJson("scheduler", schedulerPath);
  const vaeConfig = await readOptionalJson(join(directory, layout.vaeConfig));
  const specialTokens = await readOptionalJson(join(directory, layout.specialTokens));
  const padEntry = specialTokens?.pad_token;
  const padToken =
    typeof padEntry === "string"
      ? padEntry
      : typeof padEntry === "object" && padEntry !== null && "content" in padEntry
        ? String(padEntry.content)
        : "<|endoftext|>";

  const input: ImagePipelineManifestInput = {
    format: "aviary-image-pipeline",
    formatVersion: 1,
    name,
    parts: {
      promptEncoder: { ...textEncoder, inputIds: "input_ids", inputIdsType, output: "last_hidden_state" },
      denoiser: {
        ...unet,
        sample: "sample",
        timestep: "timestep",
        timestepType,
        timestepShape,
        conditioning: "encoder_hidden_states",
        output: "out_sample",
      },
      decoder: { ...vaeDecoder, latent: "latent_sample", output: "sample", outputRange: "-1..1" },
    },
    latent: {
      channels: typeof vaeConfig?.latent_channels === "number" ? vaeConfig.latent_channels : 4,
      scaleFactor: 8,
      scalingFactor: typeof vaeConfig?.scaling_factor === "number" ? vaeConfig.scaling_factor : 0.18215,
    },
    limits: { sizes, maxSteps, defaultSteps, defaultGuidanceScale, maxPromptCharacters },
    tokenizer: { kind: "clip-bpe", vocab, merges, maxLength: 77, padToken },
    scheduler: eulerDiscreteFromDiffusersConfig(schedulerConfig, schedulerPath),
  };
  const path = join(directory, imagePipelineManifestFileName);
  const parsed = imagePipelineManifestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ImagePipelineManifestInvalidError({
      path,
      field: issue?.path.map(String).join(".") || "(root)",
      reason: issue?.message ?? "invalid",
      cause: parsed.error,
    });
  }
  const bytes = new TextEncoder().encode(`${JSON.stringify(input, null, 2)}\n`);
  await writeFileAtomically(path, bytes);
  return { path, sha256: `0x${createHash("sha256").update(bytes).digest("hex")}`, manifest: parsed.data };
}

async function sha256File(part: string, path: string): Promise<`0x${string}`> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (cause) {
    throw new ImagePipelinePartMissingError({ part, path, cause });
  }
  return `0x${hash.digest("hex")}`;
}

async function readJson(part: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ImagePipelinePartMissingError({ part, path, cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ImagePipelineManifestInvalidError({ path, field: "(json)", reason: "not valid JSON", cause });
  }
}

async function readOptionalJson(path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch (cause) {
    throw new ImagePipelineManifestInvalidError({ path, field: "(json)", reason: "not valid JSON", cause });
  }
}
