import type { ImagePipelineManifestInput } from "@aviary/image-runtime";
import { testImageModelShape, testImageModelTensorNames } from "./encodeTestImageModelParts.ts";

/**
 * The name of the project's generated TEST image model. Its weights are seeded random numbers: it runs like a
 * real latent-diffusion pipeline and its pictures are abstract. Never serve it as a real model.
 */
export const testImageModelName = "aviary-test-image";

/** File names of the test model's parts, beside its `pipeline.json`. */
export const testImageModelFiles = {
  manifest: "pipeline.json",
  promptEncoder: "prompt-encoder.onnx",
  denoiser: "denoiser.onnx",
  decoder: "decoder.onnx",
} as const;

/**
 * The test model's manifest, given its parts' SHA-256s.
 *
 * @param digests - `0x` hex SHA-256 of each part file.
 * @example
 * ```ts
 * const manifest = testImageModelManifest({ promptEncoder: "0x…", denoiser: "0x…", decoder: "0x…" });
 * ```
 */
export function testImageModelManifest(digests: {
  promptEncoder: `0x${string}`;
  denoiser: `0x${string}`;
  decoder: `0x${string}`;
}): ImagePipelineManifestInput {
  const names = testImageModelTensorNames;
  return {
    format: "aviary-image-pipeline",
    formatVersion: 1,
    name: testImageModelName,
    parts: {
      promptEncoder: {
        file: testImageModelFiles.promptEncoder,
        sha256: digests.promptEncoder,
        inputIds: names.promptEncoder.inputIds,
        inputIdsType: "int64",
        output: names.promptEncoder.output,
      },
      denoiser: {
        file: testImageModelFiles.denoiser,
        sha256: digests.denoiser,
        sample: names.denoiser.sample,
        timestep: names.denoiser.timestep,
        timestepType: "float32",
        conditioning: names.denoiser.conditioning,
        output: names.denoiser.output,
      },
      decoder: {
        file: testImageModelFiles.decoder,
        sha256: digests.decoder,
        latent: names.decoder.latent,
        output: names.decoder.output,
        outputRange: "-1..1",
      },
    },
    latent: {
      channels: testImageModelShape.latentChannels,
      scaleFactor: testImageModelShape.scaleFactor,
      scalingFactor: 4,
    },
    limits: {
      sizes: ["64x64", "128x128", "256x256", "512x512"],
      maxSteps: 50,
      defaultSteps: 20,
      defaultGuidanceScale: 5,
      maxPromptCharacters: 1000,
    },
    // 1000 characters are at most 4000 UTF-8 bytes, plus the begin token.
    tokenizer: {
      kind: "utf8-bytes",
      maxLength: 4001,
      beginTokenId: testImageModelShape.beginTokenId,
      padTokenId: null,
    },
    scheduler: {
      kind: "euler-discrete",
      trainTimesteps: 1000,
      betaSchedule: "scaled_linear",
      betaStart: 0.00085,
      betaEnd: 0.012,
      timestepSpacing: "linspace",
      stepsOffset: 0,
      prediction: "epsilon",
    },
  };
}
