import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { encodeOnnxModel, type OnnxInitializer } from "@aviary/test-models";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  decodePng,
  eulerDiscreteFromDiffusersConfig,
  type ImagePipeline,
  ImagePipelineManifestInvalidError,
  ImagePipelinePartDigestMismatchError,
  ImagePipelinePartInvalidError,
  ImageRenderInvalidError,
  loadImagePipeline,
  type RenderImagesParameters,
  stableDiffusionOnnxLayout,
  writeStableDiffusionOnnxManifest,
} from "./index.ts";
import { createSeededRandom } from "./random/createSeededRandom.ts";

// A synthetic export with the layout, tensor names, dtypes and ranks of `optimum-cli export onnx` for a
// Stable Diffusion 1.x pipeline; random weights, tiny graphs, a nine-token CLIP-style vocabulary.
const hidden = 768;
const sequence = 77;
const vocabularyTokens = [
  "<|startoftext|>",
  "<|endoftext|>",
  "a</w>",
  "red</w>",
  "fox</w>",
  "blue</w>",
  "whale</w>",
  "blurry</w>",
  "r",
  "e",
  "d</w>",
];
// The SD 1.5 scheduler_config.json as published: a PNDM config; its betas drive the Euler sampler.
const sd15SchedulerConfig = {
  _class_name: "PNDMScheduler",
  _diffusers_version: "0.6.0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

type ExportOptions = {
  inputIdsType: "int32" | "int64";
  timestepType: "int64" | "float32";
  timestepShape: "[1]" | "[]";
  /** An extra UNet input the runtime does not feed (like LCM's `timestep_cond`). */
  extraInput?: string;
};

function randomWeights(
  name: string,
  dimensions: number[],
  scale: number,
  seed: number,
): OnnxInitializer & { type: "float32" } {
  const random = createSeededRandom(seed);
  const count = dimensions.reduce((product, dimension) => product * dimension, 1);
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) values[index] = (random.nextUniform() * 2 - 1) * scale;
  return { name, type: "float32", dimensions, values };
}

function int64(name: string, values: number[]): OnnxInitializer {
  return { name, type: "int64", dimensions: [values.length], values };
}

function textEncoder({ inputIdsType }: ExportOptions): Uint8Array {
  return encodeOnnxModel({
    name: "text_encoder",
    nodes: [
      {
        opType: "Gather",
        inputs: ["token_embedding", "input_ids"],
        outputs: ["embedded"],
        attributes: { axis: 0 },
      },
      { opType: "Add", inputs: ["embedded", "position_embedding"], outputs: ["positioned"] },
      { opType: "Tanh", inputs: ["positioned"], outputs: ["last_hidden_state"] },
      {
        opType: "ReduceMean",
        inputs: ["last_hidden_state"],
        outputs: ["pooler_output"],
        attributes: { axes: [1], keepdims: 0 },
      },
    ],
    initializers: [
      randomWeights("token_embedding", [vocabularyTokens.length, hidden], 1, 1),
      randomWeights("position_embedding", [1, sequence, hidden], 0.2, 2),
    ],
    inputs: [{ name: "input_ids", type: inputIdsType, dimensions: ["batch_size", "sequence_length"] }],
    outputs: [
      { name: "last_hidden_state", type: "float32", dimensions: ["batch_size", "sequence_length", hidden] },
      { name: "pooler_output", type: "float32", dimensions: ["batch_size", hidden] },
    ],
  });
}

/** The UNet: `out_sample = 0.6·sample + 0.4·tanh(conv(sample) + W·mean(encoder_hidden_states) + t/1000)`. */
function unet({ timestepType, timestepShape, extraInput }: ExportOptions): {
  model: Uint8Array;
  data: Uint8Array;
} {
  // The conditioning projection lives in `model.onnx_data`, as a large export's weights do.
  const projection = { ...randomWeights("condition.weight", [hidden, 4], 0.3, 3), externalOffset: 0 };
  const model = encodeOnnxModel({
    name: "unet",
    externalDataFile: "model.onnx_data",
    nodes: [
      {
        opType: "Conv",
        inputs: ["sample", "conv.weight", "conv.bias"],
        outputs: ["convolved"],
        attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
      },
      {
        opType: "ReduceMean",
        inputs: ["encoder_hidden_states"],
        outputs: ["pooled"],
        attributes: { axes: [1], keepdims: 0 },
      },
      { opType: "MatMul", inputs: ["pooled", "condition.weight"], outputs: ["condition.row"] },
      { opType: "Reshape", inputs: ["condition.row", "shape.map"], outputs: ["condition.map"] },
      { opType: "Cast", inputs: ["timestep"], outputs: ["timestep.float"], attributes: { to: 1 } },
      { opType: "Reshape", inputs: ["timestep.float", "shape.scalar_map"], outputs: ["timestep.map"] },
      { opType: "Mul", inputs: ["timestep.map", "timestep.scale"], outputs: ["time.map"] },
      { opType: "Add", inputs: ["convolved", "condition.map"], outputs: ["conditioned"] },
      { opType: "Add", inputs: ["conditioned", "time.map"], outputs: ["timed"] },
      { opType: "Tanh", inputs: ["timed"], outputs: ["network"] },
      { opType: "Mul", inputs: ["network", "network.gain"], outputs: ["network.scaled"] },
      { opType: "Mul", inputs: ["sample", "sample.gain"], outputs: ["sample.scaled"] },
      { opType: "Add", inputs: ["sample.scaled", "network.scaled"], outputs: ["out_sample"] },
    ],
    initializers: [
      randomWeights("conv.weight", [4, 4, 3, 3], 0.3, 4),
      randomWeights("conv.bias", [4], 0.1, 5),
      projection,
      int64("shape.map", [1, 4, 1, 1]),
      int64("shape.scalar_map", [1, 1, 1, 1]),
      { name: "timestep.scale", type: "float32", dimensions: [1], values: Float32Array.of(0.001) },
      { name: "network.gain", type: "float32", dimensions: [1], values: Float32Array.of(0.4) },
      { name: "sample.gain", type: "float32", dimensions: [1], values: Float32Array.of(0.6) },
    ],
    inputs: [
      { name: "sample", type: "float32", dimensions: ["batch_size", 4, "height", "width"] },
      { name: "timestep", type: timestepType, dimensions: timestepShape === "[]" ? [] : ["steps"] },
      {
        name: "encoder_hidden_states",
        type: "float32",
        dimensions: ["batch_size", "sequence_length", hidden],
      },
      ...(extraInput ? [{ name: extraInput, type: "float32" as const, dimensions: [1, 256] }] : []),
    ],
    outputs: [{ name: "out_sample", type: "float32", dimensions: ["batch_size", 4, "height", "width"] }],
  });
  const data = new Uint8Array(projection.values.buffer.slice(0));
  return { model, data };
}

function vaeDecoder(): Uint8Array {
  return encodeOnnxModel({
    name: "vae_decoder",
    nodes: [
      {
        opType: "Conv",
        inputs: ["latent_sample", "conv.weight", "conv.bias"],
        outputs: ["rgb"],
        attributes: { kernel_shape: [1, 1] },
      },
      {
        opType: "Resize",
        inputs: ["rgb", "", "upsample.scales"],
        outputs: ["upsampled"],
        attributes: { mode: "nearest" },
      },
      { opType: "Tanh", inputs: ["upsampled"], outputs: ["sample"] },
    ],
    initializers: [
      randomWeights("conv.weight", [3, 4, 1, 1], 2, 6),
      randomWeights("conv.bias", [3], 0.1, 7),
      { name: "upsample.scales", type: "float32", dimensions: [4], values: Float32Array.of(1, 1, 8, 8) },
    ],
    inputs: [
      {
        name: "latent_sample",
        type: "float32",
        dimensions: ["batch_size", 4, "latent_height", "latent_width"],
      },
    ],
    outputs: [{ name: "sample", type: "float32", dimensions: ["batch_size", 3, "height", "width"] }],
  });
}

async function writeSyntheticExport(directory: string, options: ExportOptions): Promise<void> {
  const { model, data } = unet(options);
  const files: Record<string, Uint8Array | string> = {
    [stableDiffusionOnnxLayout.textEncoder]: textEncoder(options),
    [stableDiffusionOnnxLayout.unet]: model,
    "unet/model.onnx_data": data,
    [stableDiffusionOnnxLayout.vaeDecoder]: vaeDecoder(),
    [stableDiffusionOnnxLayout.vaeConfig]: JSON.stringify({ latent_channels: 4, scaling_factor: 0.18215 }),
    [stableDiffusionOnnxLayout.vocab]: JSON.stringify(
      Object.fromEntries(vocabularyTokens.map((token, id) => [token, id])),
    ),
    [stableDiffusionOnnxLayout.merges]: "#version: 0.2\nr e\nre d</w>\n",
    [stableDiffusionOnnxLayout.specialTokens]: JSON.stringify({
      bos_token: { content: "<|startoftext|>" },
      eos_token: { content: "<|endoftext|>" },
      pad_token: "<|endoftext|>",
      unk_token: { content: "<|endoftext|>" },
    }),
    [stableDiffusionOnnxLayout.schedulerConfig]: JSON.stringify(sd15SchedulerConfig),
  };
  for (const [file, contents] of Object.entries(files)) {
    await mkdir(dirname(join(directory, file)), { recursive: true });
    await writeFile(join(directory, file), contents);
  }
}

const base: RenderImagesParameters = { prompt: "a red fox", n: 1, width: 64, height: 64, steps: 3, seed: 7 };
const hash = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const defaultExport: ExportOptions = { inputIdsType: "int32", timestepType: "int64", timestepShape: "[1]" };

let root: string;
let exportDirectory: string;
let pipeline: ImagePipeline;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "aviary-sd-export-"));
  exportDirectory = join(root, "sd15-onnx");
  await writeSyntheticExport(exportDirectory, defaultExport);
  await writeStableDiffusionOnnxManifest({
    directory: exportDirectory,
    sizes: ["64x64", "96x64"],
    maxSteps: 10,
    defaultSteps: 4,
  });
  pipeline = await loadImagePipeline(exportDirectory);
});

afterAll(async () => {
  await pipeline?.close();
  await rm(root, { recursive: true, force: true });
});

const render = async (overrides: Partial<RenderImagesParameters> = {}) =>
  (await pipeline.render({ ...base, ...overrides })).images.map(hash);

describe("optimum Stable Diffusion ONNX export (synthetic)", () => {
  test("test_writeManifest_describesTheExport", async () => {
    const manifest = JSON.parse(await readFile(join(exportDirectory, "pipeline.json"), "utf8"));
    expect(manifest.parts.promptEncoder).toMatchObject({
      file: "text_encoder/model.onnx",
      inputIds: "input_ids",
      inputIdsType: "int32",
      output: "last_hidden_state",
    });
    expect(manifest.parts.denoiser).toMatchObject({
      file: "unet/model.onnx",
      externalData: { file: "unet/model.onnx_data" },
      sample: "sample",
      timestep: "timestep",
      timestepType: "int64",
      timestepShape: "[1]",
      conditioning: "encoder_hidden_states",
      output: "out_sample",
    });
    expect(manifest.parts.decoder).toMatchObject({
      latent: "latent_sample",
      output: "sample",
      outputRange: "-1..1",
    });
    expect(manifest.latent).toEqual({ channels: 4, scaleFactor: 8, scalingFactor: 0.18215 });
    expect(manifest.tokenizer).toMatchObject({ kind: "clip-bpe", maxLength: 77, padToken: "<|endoftext|>" });
    expect(manifest.scheduler).toEqual({
      kind: "euler-discrete",
      trainTimesteps: 1000,
      betaSchedule: "scaled_linear",
      betaStart: 0.00085,
      betaEnd: 0.012,
      timestepSpacing: "linspace",
      stepsOffset: 1,
      prediction: "epsilon",
    });
    expect(pipeline.digest).toBe(`0x${hash(await readFile(join(exportDirectory, "pipeline.json")))}`);
  });

  test("test_render_deterministic_atAskedSize", async () => {
    const first = await render();
    expect(await render()).toEqual(first);
    const { images } = await pipeline.render({ ...base, width: 96, height: 64 });
    const decoded = decodePng(images[0] as Uint8Array);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([96, 64, 3]);
  });

  test("test_render_promptNegativeAndGuidance_changeBytes", async () => {
    const hashes = [
      (await render())[0],
      (await render({ prompt: "a blue whale" }))[0],
      (await render({ negativePrompt: "blurry" }))[0],
      (await render({ guidanceScale: 1 }))[0],
      (await render({ seed: 8 }))[0],
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  test("test_render_promptOver77Tokens_refusedNamingPrompt", async () => {
    // 75 tokens + start + end = 77: accepted; one more is refused, not cut.
    await expect(render({ prompt: "red ".repeat(75), steps: 1 })).resolves.toHaveLength(1);
    const error = await pipeline
      .render({ ...base, prompt: "red ".repeat(76) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageRenderInvalidError);
    expect((error as ImageRenderInvalidError).param).toBe("prompt");
  });

  test("test_render_scalarFloatTimestep_int64Ids_export", async () => {
    const directory = join(root, "scalar-timestep");
    const options: ExportOptions = { inputIdsType: "int64", timestepType: "float32", timestepShape: "[]" };
    await writeSyntheticExport(directory, options);
    await writeStableDiffusionOnnxManifest({ directory, sizes: ["64x64"], ...options });
    const other = await loadImagePipeline(join(directory, "pipeline.json"));
    try {
      const { images } = await other.render(base);
      expect(decodePng(images[0] as Uint8Array).width).toBe(64);
    } finally {
      await other.close();
    }
  });

  test("test_load_wrongInputIdsType_failsNamingField", async () => {
    const directory = join(root, "wrong-type");
    await writeSyntheticExport(directory, defaultExport);
    await writeStableDiffusionOnnxManifest({ directory, inputIdsType: "int64" });
    const error = await loadImagePipeline(directory).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagePipelinePartInvalidError);
    expect((error as Error).message).toContain("inputIdsType");
  });

  test("test_load_unetWithUnfedInput_failsNamingIt", async () => {
    const directory = join(root, "extra-input");
    await writeSyntheticExport(directory, { ...defaultExport, extraInput: "timestep_cond" });
    await writeStableDiffusionOnnxManifest({ directory });
    const error = await loadImagePipeline(directory).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagePipelinePartInvalidError);
    expect((error as Error).message).toContain("timestep_cond");
  });

  test("test_render_latentScalingFactor_applied", async () => {
    const directory = join(root, "scaling");
    await writeSyntheticExport(directory, defaultExport);
    const { path } = await writeStableDiffusionOnnxManifest({ directory, sizes: ["64x64"] });
    const manifest = JSON.parse(await readFile(path, "utf8"));
    manifest.latent.scalingFactor = 1;
    await writeFile(path, JSON.stringify(manifest));
    const unscaled = await loadImagePipeline(path);
    try {
      expect((await unscaled.render(base)).images.map(hash)).not.toEqual(await render());
    } finally {
      await unscaled.close();
    }
  });

  test.each([
    ["tokenizer/vocab.json", (text: string) => text.replace("fox", "cat")],
    ["tokenizer/merges.txt", (text: string) => `${text}e d</w>\n`],
    ["unet/model.onnx_data", (text: string) => `${text}x`],
  ])("test_load_tampered_%s_failsNamingFile", async (file, tamper) => {
    const directory = join(root, `tampered-${file.replace(/\W/g, "-")}`);
    await writeSyntheticExport(directory, defaultExport);
    await writeStableDiffusionOnnxManifest({ directory });
    const path = join(directory, file);
    await writeFile(path, tamper(await readFile(path, "latin1")), "latin1");
    const error = await loadImagePipeline(directory).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagePipelinePartDigestMismatchError);
    expect((error as Error).message).toContain(path);
  });

  test("test_manifest_pathOutsideDirectory_refused", async () => {
    const directory = join(root, "escape");
    await writeSyntheticExport(directory, defaultExport);
    const { path } = await writeStableDiffusionOnnxManifest({ directory });
    const manifest = JSON.parse(await readFile(path, "utf8"));
    manifest.tokenizer.vocab.file = "tokenizer/../../vocab.json";
    await writeFile(path, JSON.stringify(manifest));
    const error = await loadImagePipeline(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagePipelineManifestInvalidError);
    expect((error as ImagePipelineManifestInvalidError).field).toBe("tokenizer.vocab.file");
  });
});

describe("eulerDiscreteFromDiffusersConfig", () => {
  test("test_sd15Config_linspaceDefault_andExplicitSpacing", () => {
    expect(eulerDiscreteFromDiffusersConfig(sd15SchedulerConfig, "x").timestepSpacing).toBe("linspace");
    const euler = { ...sd15SchedulerConfig, timestep_spacing: "trailing", prediction_type: "v_prediction" };
    expect(eulerDiscreteFromDiffusersConfig(euler, "x")).toMatchObject({
      timestepSpacing: "trailing",
      prediction: "v_prediction",
    });
  });

  test.each([
    ["use_karras_sigmas", { use_karras_sigmas: true }],
    ["beta_schedule", { beta_schedule: "squaredcos_cap_v2" }],
    ["prediction_type", { prediction_type: "sample" }],
    ["trained_betas", { trained_betas: [0.1, 0.2] }],
    ["rescale_betas_zero_snr", { rescale_betas_zero_snr: true }],
  ])("test_unsupported_%s_refused", (field, overrides) => {
    const error = (() => {
      try {
        eulerDiscreteFromDiffusersConfig({ ...sd15SchedulerConfig, ...overrides }, "scheduler_config.json");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ImagePipelineManifestInvalidError);
    expect((error as ImagePipelineManifestInvalidError).field).toBe(field);
  });
});
