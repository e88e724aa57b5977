import { createHash } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createSeededRandom, hashName, writeFileAtomically } from "@aviary/image-runtime";
import { sha256File } from "@aviary/sdk";
import { z } from "zod";
import { encodeGgmlTensor, type GgmlTensorType } from "./gguf/encodeGgmlTensor.ts";
import { encodeGguf, type GgufTensor, type GgufValue } from "./gguf/encodeGguf.ts";
import { testModelTokenIds, testModelVocabulary, tokenTypes } from "./testModelVocabulary.ts";

/**
 * The name of the project's generated TEST model. Its weights are seeded random numbers: it loads and runs
 * like a real llama-architecture model, and its output is meaningless. Never serve it as a real model.
 */
export const testModelName = "aviary-test-model";

/** Shapes of the test model. `tiny` runs at hundreds of tokens/s on one core; `small` is ~25× the work. */
export const testModelPresets = {
  tiny: { embedding: 64, layers: 2, heads: 4, kvHeads: 4, feedForward: 128 },
  small: { embedding: 256, layers: 4, heads: 8, kvHeads: 4, feedForward: 768 },
} as const;

export type TestModelPreset = keyof typeof testModelPresets;

/** ChatML, the format llama.cpp's server also falls back to. node-llama-cpp resolves it to `ChatMLChatWrapper`. */
export const testModelChatTemplate =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const testModelParametersSchema = z.object({
  preset: z.enum(["tiny", "small"]).default("tiny"),
  seed: z.number().int().min(0).max(0xffffffff).default(42),
  type: z.enum(["f32", "f16", "q8_0"]).default("f32"),
  /** Embed `tokenizer.chat_template` (ChatML). Without it node-llama-cpp falls back to its `GeneralChatWrapper`. */
  chatTemplate: z.boolean().default(true),
  /** `llama.context_length` (the training context the file claims). */
  contextLength: z.number().int().positive().default(4096),
});

export type TestModelParameters = z.input<typeof testModelParametersSchema>;

export type WriteTestModelGgufParameters = TestModelParameters & {
  /** Where to write the file (replaced atomically when it exists). */
  path: string;
};

export type WriteTestModelGgufReturnType = {
  path: string;
  /** `0x`-prefixed hex SHA-256 of the file: the model's content address. */
  sha256: `0x${string}`;
  bytes: number;
};

/**
 * Builds the bytes of the test model: a llama-architecture GGUF v3 file with a SentencePiece-style
 * vocabulary (byte fallback plus word pieces), ChatML chat template, and weights drawn from an integer PRNG
 * seeded by `seed` and each tensor's name (no floating-point transcendental functions, so the bytes are the
 * same on every machine). Output rows of control and byte tokens are zero, so greedy decoding emits word
 * pieces only and never ends by itself.
 *
 * @param parameters - `preset` (default `tiny`), `seed` (uint32, default 42), `type` (`f32` default, `f16`,
 * `q8_0`), `chatTemplate` (default true), `contextLength` (default 4096).
 * @example
 * ```ts
 * const bytes = encodeTestModelGguf({ preset: "tiny", seed: 7, type: "q8_0" });
 * ```
 */
export function encodeTestModelGguf(parameters: TestModelParameters = {}): Uint8Array {
  const { preset, seed, type, chatTemplate, contextLength } = testModelParametersSchema.parse(parameters);
  const shape = testModelPresets[preset];
  const vocabulary = testModelVocabulary();
  const vocabularySize = vocabulary.tokens.length;
  const headDimension = shape.embedding / shape.heads;
  const kvDimension = headDimension * shape.kvHeads;

  const tensors: GgufTensor[] = [];
  const matrix = (name: string, columns: number, rows: number, standardDeviation: number) =>
    tensors.push({
      name,
      dimensions: [columns, rows],
      type,
      data: encodeGgmlTensor(randomValues(seed, name, columns * rows, standardDeviation), type),
    });
  const norm = (name: string) =>
    tensors.push({
      name,
      dimensions: [shape.embedding],
      type: "f32",
      data: encodeGgmlTensor(new Float32Array(shape.embedding).fill(1), "f32"),
    });

  matrix("token_embd.weight", shape.embedding, vocabularySize, 1);
  const inputScale = 1 / Math.sqrt(shape.embedding);
  for (let layer = 0; layer < shape.layers; layer++) {
    norm(`blk.${layer}.attn_norm.weight`);
    matrix(`blk.${layer}.attn_q.weight`, shape.embedding, shape.embedding, inputScale);
    matrix(`blk.${layer}.attn_k.weight`, shape.embedding, kvDimension, inputScale);
    matrix(`blk.${layer}.attn_v.weight`, shape.embedding, kvDimension, inputScale);
    matrix(`blk.${layer}.attn_output.weight`, shape.embedding, shape.embedding, inputScale);
    norm(`blk.${layer}.ffn_norm.weight`);
    matrix(`blk.${layer}.ffn_gate.weight`, shape.embedding, shape.feedForward, inputScale);
    matrix(`blk.${layer}.ffn_up.weight`, shape.embedding, shape.feedForward, inputScale);
    matrix(
      `blk.${layer}.ffn_down.weight`,
      shape.feedForward,
      shape.embedding,
      1 / Math.sqrt(shape.feedForward),
    );
  }
  norm("output_norm.weight");
  const output = randomValues(seed, "output.weight", shape.embedding * vocabularySize, 3 * inputScale);
  vocabulary.types.forEach((tokenType, token) => {
    if (tokenType !== tokenTypes.normal)
      output.fill(0, token * shape.embedding, (token + 1) * shape.embedding);
  });
  tensors.push({
    name: "output.weight",
    dimensions: [shape.embedding, vocabularySize],
    type,
    data: encodeGgmlTensor(output, type),
  });

  const u32 = (value: number): GgufValue => ({ type: "uint32", value });
  const metadata: Array<readonly [string, GgufValue]> = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: `${testModelName}-${preset}` }],
    [
      "general.description",
      {
        type: "string",
        value: "Aviary TEST model: seeded random weights, meaningless output. For tests and demos only.",
      },
    ],
    ["general.file_type", u32(fileTypeIds[type])],
    ["aviary.test_model.preset", { type: "string", value: preset }],
    ["aviary.test_model.seed", u32(seed)],
    ["llama.context_length", u32(contextLength)],
    ["llama.embedding_length", u32(shape.embedding)],
    ["llama.block_count", u32(shape.layers)],
    ["llama.feed_forward_length", u32(shape.feedForward)],
    ["llama.attention.head_count", u32(shape.heads)],
    ["llama.attention.head_count_kv", u32(shape.kvHeads)],
    ["llama.attention.layer_norm_rms_epsilon", { type: "float32", value: 1e-5 }],
    ["llama.rope.dimension_count", u32(headDimension)],
    ["llama.vocab_size", u32(vocabularySize)],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: vocabulary.tokens }],
    ["tokenizer.ggml.scores", { type: "array", itemType: "float32", value: vocabulary.scores }],
    ["tokenizer.ggml.token_type", { type: "array", itemType: "int32", value: vocabulary.types }],
    ["tokenizer.ggml.bos_token_id", u32(testModelTokenIds.bos)],
    ["tokenizer.ggml.eos_token_id", u32(testModelTokenIds.eos)],
    ["tokenizer.ggml.eot_token_id", u32(testModelTokenIds.imEnd)],
    ["tokenizer.ggml.unknown_token_id", u32(testModelTokenIds.unknown)],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
  ];
  if (chatTemplate)
    metadata.push(["tokenizer.chat_template", { type: "string", value: testModelChatTemplate }]);
  return encodeGguf({ metadata, tensors });
}

/** `general.file_type` (llama_ftype): all F32, mostly F16, mostly Q8_0. */
const fileTypeIds: Record<GgmlTensorType, number> = { f32: 0, f16: 1, q8_0: 7 };

/**
 * Writes the test model (see {@link encodeTestModelGguf}) to `path`, atomically (temporary file, then rename).
 * Same parameters give a byte-identical file.
 *
 * @param parameters - `path` plus the model parameters.
 * @returns the path, the `0x` SHA-256 of the file and its size.
 * @example
 * ```ts
 * const { sha256 } = await writeTestModelGguf({ path: "/tmp/m.gguf", preset: "tiny", seed: 1 });
 * ```
 */
export async function writeTestModelGguf({
  path,
  ...parameters
}: WriteTestModelGgufParameters): Promise<WriteTestModelGgufReturnType> {
  const bytes = encodeTestModelGguf(parameters);
  await writeFileAtomically(path, bytes);
  return { path, sha256: `0x${createHash("sha256").update(bytes).digest("hex")}`, bytes: bytes.length };
}

export type EnsureTestModelParameters = Omit<TestModelParameters, "chatTemplate" | "contextLength"> & {
  /** Folder to keep the file in (created if missing). */
  directory: string;
};

/**
 * Returns the test model file for `preset`/`seed`/`type` in `directory`, writing it first when it is
 * missing. The file name carries the parameters (`aviary-test-model-tiny-f32-seed42.gguf`), so different
 * models never collide; an existing file is hashed (streamed), not rewritten.
 *
 * @param parameters - `directory`, `preset` (default `tiny`), `seed` (default 42), `type` (default `f32`).
 * @returns `{ path, sha256, bytes }`; `sha256` is `0x`-prefixed hex.
 * @example
 * ```ts
 * const model = await ensureTestModel({ directory: ".aviary/models", preset: "tiny" });
 * const backend = new EmbeddedBackend({ modelPath: model.path, expectedSha256: model.sha256 });
 * ```
 */
export async function ensureTestModel({
  directory,
  ...parameters
}: EnsureTestModelParameters): Promise<WriteTestModelGgufReturnType> {
  const { preset, seed, type } = testModelParametersSchema.parse(parameters);
  const path = join(directory, `${testModelName}-${preset}-${type}-seed${seed}.gguf`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isFile()) {
    return { path, sha256: await sha256File(path), bytes: existing.size };
  }
  await mkdir(directory, { recursive: true });
  return writeTestModelGguf({ path, preset, seed, type });
}

/**
 * `count` values uniform in ±√3·σ (standard deviation σ), from a xoshiro128** stream seeded by `seed` and
 * the tensor's name, so every tensor is independent of the others and of their order.
 */
function randomValues(seed: number, name: string, count: number, standardDeviation: number): Float32Array {
  const random = createSeededRandom((seed ^ hashName(name)) >>> 0);
  const halfWidth = Math.sqrt(3) * standardDeviation;
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) values[index] = (random.nextUniform() * 2 - 1) * halfWidth;
  return values;
}
