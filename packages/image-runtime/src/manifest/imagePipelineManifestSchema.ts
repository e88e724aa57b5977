import { z } from "zod";

const sha256Schema = z.string().regex(/^0x[0-9a-f]{64}$/, "expected 0x-prefixed lowercase hex SHA-256");
// A part's file lives in the manifest's directory or below it (`unet/model.onnx`): every segment starts with a
// letter or digit, so `..`, `.` and absolute paths are refused and a manifest cannot point outside its directory.
const fileNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/,
    "expected a relative path inside the manifest's directory",
  );
const tensorNameSchema = z.string().min(1);
const sizeSchema = z.string().regex(/^[1-9][0-9]*x[1-9][0-9]*$/, 'expected "WxH"');

/**
 * A part's weights stored outside its `.onnx` file (ONNX external data: exports over protobuf's 2 GB limit,
 * e.g. optimum's `unet/model.onnx_data`). It must sit where the model file references it (beside it).
 */
const externalDataSchema = z.object({ file: fileNameSchema, sha256: sha256Schema }).optional();

/** The prompt encoder: token ids `[1, L]` → conditioning (any shape; passed to the denoiser as is). */
const promptEncoderSchema = z.object({
  file: fileNameSchema,
  sha256: sha256Schema,
  externalData: externalDataSchema,
  inputIds: tensorNameSchema,
  inputIdsType: z.enum(["int64", "int32"]).default("int64"),
  output: tensorNameSchema,
});

/** The denoiser: scaled latent `[1, C, h, w]` + timestep `[1]` or `[]` + conditioning → output `[1, C, h, w]`. */
const denoiserSchema = z.object({
  file: fileNameSchema,
  sha256: sha256Schema,
  externalData: externalDataSchema,
  sample: tensorNameSchema,
  timestep: tensorNameSchema,
  timestepType: z.enum(["float32", "int64"]).default("float32"),
  /** `"[1]"`: a one-element vector (the default); `"[]"`: a scalar (some exports declare a rank-0 timestep). */
  timestepShape: z.enum(["[1]", "[]"]).default("[1]"),
  conditioning: tensorNameSchema,
  output: tensorNameSchema,
});

/** The decoder: latent `[1, C, H/f, W/f]` (divided by `latent.scalingFactor`) → image `[1, 3, H, W]`. */
const decoderSchema = z.object({
  file: fileNameSchema,
  sha256: sha256Schema,
  externalData: externalDataSchema,
  latent: tensorNameSchema,
  output: tensorNameSchema,
  outputRange: z.enum(["-1..1", "0..1"]),
});

const utf8BytesTokenizerSchema = z.object({
  kind: z.literal("utf8-bytes"),
  /** Most ids the encoder reads (begin token and padding included); a longer prompt is refused. */
  maxLength: z.number().int().positive(),
  /** Prepended to every prompt (also makes the empty prompt a non-empty sequence). */
  beginTokenId: z.number().int().nonnegative().nullable().default(null),
  /** When set, ids are padded with it to `maxLength` (fixed-length encoders); otherwise the length varies. */
  padTokenId: z.number().int().nonnegative().nullable().default(null),
});

/** A tokenizer file in the pipeline directory, pinned like the ONNX parts. */
const tokenizerFileSchema = z.object({ file: fileNameSchema, sha256: sha256Schema });

/**
 * CLIP's byte-level BPE (Stable Diffusion 1.x/2.x): Hugging Face's `vocab.json` (token → id) and `merges.txt`.
 * Ids are the start token, the prompt's tokens, the end token, then the pad token up to `maxLength`.
 */
const clipBpeTokenizerSchema = z.object({
  kind: z.literal("clip-bpe"),
  vocab: tokenizerFileSchema,
  merges: tokenizerFileSchema,
  /** The encoder's fixed sequence length (77 for CLIP); start and end tokens included. Longer is refused. */
  maxLength: z.number().int().min(2).default(77),
  startToken: z.string().min(1).default("<|startoftext|>"),
  endToken: z.string().min(1).default("<|endoftext|>"),
  /** `<|endoftext|>` for SD 1.x (openai/clip-vit-large-patch14); SD 2.x's OpenCLIP tokenizer pads with `!`. */
  padToken: z.string().min(1).default("<|endoftext|>"),
});

const tokenizerSchema = z.discriminatedUnion("kind", [utf8BytesTokenizerSchema, clipBpeTokenizerSchema]);

/** diffusers' `EulerDiscreteScheduler` (k-diffusion's Euler sampler over the training sigmas). */
const schedulerSchema = z.object({
  kind: z.literal("euler-discrete"),
  trainTimesteps: z.number().int().positive(),
  betaSchedule: z.enum(["linear", "scaled_linear"]),
  betaStart: z.number().positive(),
  betaEnd: z.number().positive(),
  timestepSpacing: z.enum(["linspace", "leading", "trailing"]),
  stepsOffset: z.number().int().nonnegative().default(0),
  prediction: z.enum(["epsilon", "v_prediction"]),
});

/** `pipeline.json`, format version 1. See docs/image-models.md. */
export const imagePipelineManifestSchema = z
  .object({
    format: z.literal("aviary-image-pipeline"),
    formatVersion: z.literal(1),
    name: z.string().min(1),
    parts: z.object({
      promptEncoder: promptEncoderSchema,
      denoiser: denoiserSchema,
      decoder: decoderSchema,
    }),
    latent: z.object({
      channels: z.number().int().positive(),
      /** Image pixels per latent cell along each axis (8 for Stable Diffusion's VAE). */
      scaleFactor: z.number().int().positive(),
      /** The VAE's latent scaling: the decoder is given `latent / scalingFactor` (0.18215 for SD 1.x). */
      scalingFactor: z.number().positive(),
    }),
    limits: z.object({
      sizes: z.array(sizeSchema).min(1),
      maxSteps: z.number().int().positive(),
      defaultSteps: z.number().int().positive(),
      defaultGuidanceScale: z.number().min(1),
      maxPromptCharacters: z.number().int().positive(),
    }),
    tokenizer: tokenizerSchema,
    scheduler: schedulerSchema,
  })
  .superRefine((manifest, context) => {
    if (manifest.limits.defaultSteps > manifest.limits.maxSteps)
      context.addIssue({
        code: "custom",
        path: ["limits", "defaultSteps"],
        message: "exceeds `limits.maxSteps`",
      });
    manifest.limits.sizes.forEach((size, index) => {
      const [width = 0, height = 0] = size.split("x").map(Number);
      if (width % manifest.latent.scaleFactor !== 0 || height % manifest.latent.scaleFactor !== 0)
        context.addIssue({
          code: "custom",
          path: ["limits", "sizes", index],
          message: `${size} is not a multiple of \`latent.scaleFactor\` (${manifest.latent.scaleFactor})`,
        });
    });
  });

export type ImagePipelineManifest = z.output<typeof imagePipelineManifestSchema>;
export type ImagePipelineManifestInput = z.input<typeof imagePipelineManifestSchema>;
export type ImagePipelinePartName = keyof ImagePipelineManifest["parts"];
export type ImagePipelineScheduler = ImagePipelineManifest["scheduler"];
export type ImagePipelineTokenizer = ImagePipelineManifest["tokenizer"];
export type Utf8BytesTokenizer = Extract<ImagePipelineTokenizer, { kind: "utf8-bytes" }>;
export type ClipBpeTokenizer = Extract<ImagePipelineTokenizer, { kind: "clip-bpe" }>;
