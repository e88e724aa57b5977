import { createSeededRandom, hashName } from "@aviary/image-runtime";
import { encodeOnnxModel, type OnnxInitializer, type OnnxNode } from "./encodeOnnxModel.ts";

/** Shapes and tensor names of the test image model; `writeTestImageModel` writes them into its manifest. */
export const testImageModelShape = {
  /** UTF-8 bytes 0–255 plus the begin token 256. */
  vocabularySize: 257,
  beginTokenId: 256,
  embedding: 32,
  hidden: 32,
  latentChannels: 4,
  scaleFactor: 8,
  /** Sinusoid frequencies of the timestep embedding: 1, 1/2, 1/4, … (exact in binary, no libm needed). */
  timestepFrequencies: 16,
  /** How much of the network's output is added to the "noise is the input" prediction. */
  residualGain: 0.8,
} as const;

export const testImageModelTensorNames = {
  promptEncoder: { inputIds: "input_ids", output: "conditioning" },
  denoiser: {
    sample: "sample",
    timestep: "timestep",
    conditioning: "conditioning",
    output: "noise_prediction",
  },
  decoder: { latent: "latent", output: "image" },
} as const;

export type TestImageModelParts = { promptEncoder: Uint8Array; denoiser: Uint8Array; decoder: Uint8Array };

/**
 * Builds the three ONNX parts of the test image model from `seed`. Weights are uniform in ±√3·σ from a
 * xoshiro128** stream seeded by `seed` and each tensor's name (integer maths only, so the bytes are the same on
 * every machine). The pictures are abstract colour fields; they only prove that prompt, seed and steps flow
 * through a real ONNX pipeline.
 *
 * @param seed - uint32 that fixes every weight.
 * @example
 * ```ts
 * const { promptEncoder, denoiser, decoder } = encodeTestImageModelParts(42);
 * ```
 */
export function encodeTestImageModelParts(seed: number): TestImageModelParts {
  return {
    promptEncoder: encodePromptEncoder(seed),
    denoiser: encodeDenoiser(seed),
    decoder: encodeDecoder(seed),
  };
}

function weights(
  seed: number,
  name: string,
  dimensions: number[],
  standardDeviation: number,
): OnnxInitializer {
  const random = createSeededRandom((seed ^ hashName(name)) >>> 0);
  const count = dimensions.reduce((product, dimension) => product * dimension, 1);
  const halfWidth = Math.sqrt(3) * standardDeviation;
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) values[index] = (random.nextUniform() * 2 - 1) * halfWidth;
  return { name, type: "float32", dimensions, values };
}

function constant(name: string, dimensions: number[], values: number[]): OnnxInitializer {
  return { name, type: "float32", dimensions, values: Float32Array.from(values) };
}

function shape(name: string, values: number[]): OnnxInitializer {
  return { name, type: "int64", dimensions: [values.length], values };
}

/** `inputs → Conv(k×k, same padding) [→ Tanh]`, adding its weight and bias initializers. */
function convolution(
  seed: number,
  graph: { nodes: OnnxNode[]; initializers: OnnxInitializer[] },
  {
    input,
    output,
    inChannels,
    outChannels,
    kernel,
    gain,
    tanh,
    smoothInput = false,
  }: {
    input: string;
    output: string;
    inChannels: number;
    outChannels: number;
    kernel: 1 | 3;
    gain: number;
    tanh: boolean;
    /** The input is upsampled (neighbours alike): the k×k taps add coherently, so scale by k² not k. */
    smoothInput?: boolean;
  },
): void {
  const standardDeviation = smoothInput
    ? gain / (Math.sqrt(inChannels) * kernel * kernel)
    : gain / Math.sqrt(inChannels * kernel * kernel);
  graph.initializers.push(
    weights(seed, `${output}.weight`, [outChannels, inChannels, kernel, kernel], standardDeviation),
    weights(seed, `${output}.bias`, [outChannels], 0.05),
  );
  const padding = (kernel - 1) / 2;
  const convolved = tanh ? `${output}.linear` : output;
  graph.nodes.push({
    opType: "Conv",
    inputs: [input, `${output}.weight`, `${output}.bias`],
    outputs: [convolved],
    attributes: { kernel_shape: [kernel, kernel], pads: [padding, padding, padding, padding] },
  });
  if (tanh) graph.nodes.push({ opType: "Tanh", inputs: [convolved], outputs: [output] });
}

/** input_ids [1, L] → embedding → Conv1d(3) → Tanh → mean ‖ max over L → Gemm → Tanh → conditioning [1, E]. */
function encodePromptEncoder(seed: number): Uint8Array {
  const { vocabularySize, embedding } = testImageModelShape;
  const names = testImageModelTensorNames.promptEncoder;
  const initializers: OnnxInitializer[] = [
    weights(seed, "token_embedding", [vocabularySize, embedding], 1),
    weights(seed, "mix.weight", [embedding, embedding, 3], 1.5 / Math.sqrt(embedding * 3)),
    weights(seed, "mix.bias", [embedding], 0.2),
    weights(seed, "project.weight", [2 * embedding, embedding], 2 / Math.sqrt(2 * embedding)),
    weights(seed, "project.bias", [embedding], 0.2),
  ];
  const nodes: OnnxNode[] = [
    {
      opType: "Gather",
      inputs: ["token_embedding", names.inputIds],
      outputs: ["embedded"],
      attributes: { axis: 0 },
    },
    {
      opType: "Transpose",
      inputs: ["embedded"],
      outputs: ["channels_first"],
      attributes: { perm: [0, 2, 1] },
    },
    {
      opType: "Conv",
      inputs: ["channels_first", "mix.weight", "mix.bias"],
      outputs: ["mixed.linear"],
      attributes: { kernel_shape: [3], pads: [1, 1] },
    },
    { opType: "Tanh", inputs: ["mixed.linear"], outputs: ["mixed"] },
    { opType: "ReduceMean", inputs: ["mixed"], outputs: ["mean"], attributes: { axes: [2], keepdims: 0 } },
    { opType: "ReduceMax", inputs: ["mixed"], outputs: ["max"], attributes: { axes: [2], keepdims: 0 } },
    { opType: "Concat", inputs: ["mean", "max"], outputs: ["pooled"], attributes: { axis: 1 } },
    { opType: "Gemm", inputs: ["pooled", "project.weight", "project.bias"], outputs: ["projected"] },
    { opType: "Tanh", inputs: ["projected"], outputs: [names.output] },
  ];
  return encodeOnnxModel({
    name: "aviary_test_image_prompt_encoder",
    docString: "Aviary TEST image model prompt encoder: seeded random weights.",
    nodes,
    initializers,
    inputs: [{ name: names.inputIds, type: "int64", dimensions: [1, "sequence"] }],
    outputs: [{ name: names.output, type: "float32", dimensions: [1, embedding] }],
  });
}

/**
 * sample [1, C, h, w] + timestep [1] + conditioning [1, E] → noise prediction [1, C, h, w]:
 * `sample + gain · (Conv(Tanh(Conv(Tanh(Conv(sample) + cond + time))) + …) + drift(cond))`. Predicting "the noise is the
 * (scaled) input" shrinks the latent toward zero as sigma falls; the network's share paints the structure.
 */
function encodeDenoiser(seed: number): Uint8Array {
  const { embedding, hidden, latentChannels, timestepFrequencies, residualGain } = testImageModelShape;
  const names = testImageModelTensorNames.denoiser;
  const graph: { nodes: OnnxNode[]; initializers: OnnxInitializer[] } = { nodes: [], initializers: [] };
  const frequencies = Array.from({ length: timestepFrequencies }, (_, index) => 2 ** -index);
  graph.initializers.push(
    constant("timestep.frequencies", [1, timestepFrequencies], frequencies),
    shape("shape.row", [1, 1]),
    shape("shape.channels", [1, hidden, 1, 1]),
    weights(seed, "condition.weight", [embedding, hidden], 3 / Math.sqrt(embedding)),
    weights(seed, "condition.bias", [hidden], 0.2),
    weights(seed, "time.weight", [2 * timestepFrequencies, hidden], 1 / Math.sqrt(2 * timestepFrequencies)),
    weights(seed, "time.bias", [hidden], 0.1),
    constant("residual.gain", [1], [residualGain]),
    shape("shape.latent_channels", [1, latentChannels, 1, 1]),
    weights(seed, "drift.weight", [embedding, latentChannels], 1 / Math.sqrt(embedding)),
  );
  convolution(seed, graph, {
    input: names.sample,
    output: "input_features",
    inChannels: latentChannels,
    outChannels: hidden,
    kernel: 3,
    gain: 1.5,
    tanh: false,
  });
  graph.nodes.push(
    {
      opType: "Gemm",
      inputs: [names.conditioning, "condition.weight", "condition.bias"],
      outputs: ["condition.row"],
    },
    { opType: "Reshape", inputs: ["condition.row", "shape.channels"], outputs: ["condition.map"] },
    { opType: "Reshape", inputs: [names.timestep, "shape.row"], outputs: ["timestep.row"] },
    { opType: "Mul", inputs: ["timestep.row", "timestep.frequencies"], outputs: ["timestep.phases"] },
    { opType: "Sin", inputs: ["timestep.phases"], outputs: ["timestep.sin"] },
    { opType: "Cos", inputs: ["timestep.phases"], outputs: ["timestep.cos"] },
    {
      opType: "Concat",
      inputs: ["timestep.sin", "timestep.cos"],
      outputs: ["timestep.embedded"],
      attributes: { axis: 1 },
    },
    { opType: "Gemm", inputs: ["timestep.embedded", "time.weight", "time.bias"], outputs: ["time.row"] },
    { opType: "Reshape", inputs: ["time.row", "shape.channels"], outputs: ["time.map"] },
    { opType: "Add", inputs: ["input_features", "condition.map"], outputs: ["conditioned"] },
    { opType: "Add", inputs: ["conditioned", "time.map"], outputs: ["timed"] },
    { opType: "Tanh", inputs: ["timed"], outputs: ["block1"] },
  );
  convolution(seed, graph, {
    input: "block1",
    output: "block2.inner",
    inChannels: hidden,
    outChannels: hidden,
    kernel: 3,
    gain: 1.5,
    tanh: true,
  });
  graph.nodes.push({ opType: "Add", inputs: ["block1", "block2.inner"], outputs: ["block2"] });
  convolution(seed, graph, {
    input: "block2",
    output: "network",
    inChannels: hidden,
    outChannels: latentChannels,
    kernel: 3,
    gain: 1,
    tanh: false,
  });
  graph.nodes.push(
    // A direct, spatially constant push from the prompt: it tints the whole picture per prompt.
    { opType: "MatMul", inputs: [names.conditioning, "drift.weight"], outputs: ["drift.row"] },
    { opType: "Reshape", inputs: ["drift.row", "shape.latent_channels"], outputs: ["drift.map"] },
    { opType: "Add", inputs: ["network", "drift.map"], outputs: ["network.drifted"] },
    { opType: "Mul", inputs: ["network.drifted", "residual.gain"], outputs: ["network.scaled"] },
    { opType: "Add", inputs: [names.sample, "network.scaled"], outputs: [names.output] },
  );
  return encodeOnnxModel({
    name: "aviary_test_image_denoiser",
    docString: "Aviary TEST image model denoiser: seeded random weights.",
    ...graph,
    inputs: [
      { name: names.sample, type: "float32", dimensions: [1, latentChannels, "height", "width"] },
      { name: names.timestep, type: "float32", dimensions: [1] },
      { name: names.conditioning, type: "float32", dimensions: [1, embedding] },
    ],
    outputs: [{ name: names.output, type: "float32", dimensions: [1, latentChannels, "height", "width"] }],
  });
}

/** latent [1, C, h, w] → (Conv 3×3 → Tanh → Resize ×2) ×3 → Conv 3×3 → Tanh → image [1, 3, 8h, 8w] in [-1, 1]. */
function encodeDecoder(seed: number): Uint8Array {
  const { latentChannels } = testImageModelShape;
  const names = testImageModelTensorNames.decoder;
  const graph: { nodes: OnnxNode[]; initializers: OnnxInitializer[] } = { nodes: [], initializers: [] };
  graph.initializers.push(constant("upsample.scales", [4], [1, 1, 2, 2]));
  const stages = [
    { inChannels: latentChannels, outChannels: 32 },
    { inChannels: 32, outChannels: 16 },
    { inChannels: 16, outChannels: 16 },
  ];
  let current: string = names.latent;
  stages.forEach((stage, index) => {
    convolution(seed, graph, {
      input: current,
      output: `stage${index}`,
      ...stage,
      kernel: 3,
      gain: 2.5,
      tanh: true,
      smoothInput: index > 0,
    });
    graph.nodes.push({
      opType: "Resize",
      inputs: [`stage${index}`, "", "upsample.scales"],
      outputs: [`stage${index}.upsampled`],
      attributes: { mode: "linear" },
    });
    current = `stage${index}.upsampled`;
  });
  convolution(seed, graph, {
    input: current,
    output: names.output,
    inChannels: 16,
    outChannels: 3,
    kernel: 3,
    gain: 4,
    tanh: true,
    smoothInput: true,
  });
  return encodeOnnxModel({
    name: "aviary_test_image_decoder",
    docString: "Aviary TEST image model decoder: seeded random weights.",
    ...graph,
    inputs: [{ name: names.latent, type: "float32", dimensions: [1, latentChannels, "height", "width"] }],
    outputs: [{ name: names.output, type: "float32", dimensions: [1, 3, "image_height", "image_width"] }],
  });
}
