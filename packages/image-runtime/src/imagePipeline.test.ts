import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTestImageModel, writeTestImageModel } from "@aviary/test-models";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  decodePng,
  type ImagePipeline,
  ImagePipelineManifestInvalidError,
  ImagePipelinePartDigestMismatchError,
  ImagePipelinePartMissingError,
  ImageRenderInvalidError,
  loadImagePipeline,
  type RenderImagesParameters,
} from "./index.ts";

/** The parts of `pipeline.json` the bad-manifest cases corrupt. */
type ManifestJson = {
  limits: { maxSteps: unknown; defaultSteps: unknown; sizes: unknown[] };
  parts: { denoiser: { sha256?: unknown }; decoder: { file: unknown } };
};

const base: RenderImagesParameters = { prompt: "a red fox", n: 1, width: 64, height: 64, steps: 4, seed: 7 };
const hash = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let directory: string;
let manifestPath: string;
let pipeline: ImagePipeline;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-image-runtime-"));
  const model = await ensureTestImageModel({ directory });
  manifestPath = model.path;
  pipeline = await loadImagePipeline(model.path);
});

afterAll(async () => {
  await pipeline.close();
  await rm(directory, { recursive: true, force: true });
});

const render = async (overrides: Partial<RenderImagesParameters> = {}) => {
  const { images } = await pipeline.render({ ...base, ...overrides });
  return images.map(hash);
};

describe("render", () => {
  test("test_render_sameParameters_samePngBytes_acrossPipelines", async () => {
    const other = await loadImagePipeline(join(manifestPath, ".."));
    try {
      const first = await render();
      expect(await render()).toEqual(first);
      expect((await other.render(base)).images.map(hash)).toEqual(first);
    } finally {
      await other.close();
    }
  });

  test("test_render_eachParameter_changesBytes", async () => {
    const reference = (await render())[0];
    const variants = await Promise.all([
      render({ prompt: "a blue whale" }),
      render({ seed: 8 }),
      render({ steps: 5 }),
      render({ negativePrompt: "blurry" }),
      render({ guidanceScale: 1 }),
    ]);
    const hashes = variants.map((images) => images[0]);
    for (const variant of hashes) expect(variant).not.toBe(reference);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  test("test_render_nImages_equalSingleRendersAtSeedPlusIndex", async () => {
    const batch = await render({ n: 3 });
    expect(batch).toHaveLength(3);
    for (let index = 0; index < 3; index++)
      expect((await render({ seed: base.seed + index }))[0]).toBe(batch[index]);
  });

  test("test_render_png_decodesAtAskedSize", async () => {
    const { images, steps } = await pipeline.render({ ...base, width: 128, height: 128, steps: 2 });
    expect(steps).toBe(2);
    const decoded = decodePng(images[0] as Uint8Array);
    expect({ width: decoded.width, height: decoded.height, channels: decoded.channels }).toEqual({
      width: 128,
      height: 128,
      channels: 3,
    });
  });

  test("test_render_256x256_20steps_underASecond", async () => {
    const start = performance.now();
    await pipeline.render({ ...base, width: 256, height: 256, steps: 20 });
    const elapsed = performance.now() - start;
    console.info(`256x256, 20 steps, 1 thread: ${elapsed.toFixed(0)} ms`);
    expect(elapsed).toBeLessThan(5_000);
  });

  test.each([
    ["size", { width: 100, height: 100 }],
    ["size", { width: 1024, height: 1024 }],
    ["steps", { steps: 0 }],
    ["steps", { steps: 51 }],
    ["steps", { steps: 2.5 }],
    ["prompt", { prompt: "x".repeat(1001) }],
    ["negative_prompt", { negativePrompt: "x".repeat(1001) }],
    ["n", { n: 0 }],
    ["n", { n: 1.5 }],
    ["seed", { seed: -1 }],
    ["seed", { seed: 2 ** 32 }],
    ["seed", { seed: 2 ** 32 - 1, n: 2 }],
    ["guidance_scale", { guidanceScale: 0.5 }],
  ] as const)("test_render_invalid_%s_throwsNamingParam (%j)", async (param, overrides) => {
    const error = await pipeline.render({ ...base, ...overrides }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageRenderInvalidError);
    expect((error as ImageRenderInvalidError).param).toBe(param);
  });

  test("test_render_prompt_atLimit_accepted", async () => {
    // 1000 four-byte characters: the longest prompt, in the most bytes.
    await expect(render({ prompt: "🦊".repeat(1000), steps: 1 })).resolves.toHaveLength(1);
  });

  test("test_render_abort_stopsBetweenSteps", async () => {
    const controller = new AbortController();
    const reason = new Error("client went away");
    const seen: number[] = [];
    const rendering = pipeline.render({
      ...base,
      steps: 10,
      signal: controller.signal,
      onStep: ({ step }) => {
        seen.push(step);
        if (step === 3) controller.abort(reason);
      },
    });
    await expect(rendering).rejects.toBe(reason);
    expect(seen).toEqual([1, 2, 3]);
  });

  test("test_render_onStep_calledStepsTimesN", async () => {
    const calls: Array<{ image: number; step: number; steps: number }> = [];
    await pipeline.render({ ...base, n: 2, steps: 3, onStep: (progress) => calls.push(progress) });
    expect(calls).toEqual([
      { image: 0, step: 1, steps: 3 },
      { image: 0, step: 2, steps: 3 },
      { image: 0, step: 3, steps: 3 },
      { image: 1, step: 1, steps: 3 },
      { image: 1, step: 2, steps: 3 },
      { image: 1, step: 3, steps: 3 },
    ]);
  });

  test("test_render_concurrent_serializedInOrder", async () => {
    const order: string[] = [];
    const tag = (name: string) => () => {
      if (order.at(-1) !== name) order.push(name);
    };
    await Promise.all([
      pipeline.render({ ...base, steps: 3, onStep: tag("first") }),
      pipeline.render({ ...base, steps: 3, onStep: tag("second") }),
    ]);
    expect(order).toEqual(["first", "second"]);
  });
});

describe("loadImagePipeline", () => {
  test("test_load_tamperedPart_failsNamingFile", async () => {
    const tampered = join(directory, "tampered");
    const { path } = await writeTestImageModel({ directory: tampered });
    const denoiserPath = join(tampered, "denoiser.onnx");
    const bytes = await readFile(denoiserPath);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await writeFile(denoiserPath, bytes);
    const error = await loadImagePipeline(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagePipelinePartDigestMismatchError);
    expect((error as ImagePipelinePartDigestMismatchError).path).toBe(denoiserPath);
    expect((error as Error).message).toContain(denoiserPath);
  });

  test("test_load_missingPart_failsNamingFile", async () => {
    const missing = join(directory, "missing");
    const { path } = await writeTestImageModel({ directory: missing });
    await rm(join(missing, "decoder.onnx"));
    const error = await loadImagePipeline(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagePipelinePartMissingError);
    expect((error as Error).message).toContain(join(missing, "decoder.onnx"));
  });

  test.each([
    [
      "limits.maxSteps",
      (manifest: ManifestJson) => {
        manifest.limits.maxSteps = "many";
      },
    ],
    ["parts.denoiser.sha256", (manifest: ManifestJson) => void delete manifest.parts.denoiser.sha256],
    [
      "limits.defaultSteps",
      (manifest: ManifestJson) => {
        manifest.limits.defaultSteps = 500;
      },
    ],
    [
      "limits.sizes.0",
      (manifest: ManifestJson) => {
        manifest.limits.sizes[0] = "60x60";
      },
    ],
    [
      "parts.decoder.file",
      (manifest: ManifestJson) => {
        manifest.parts.decoder.file = "../x.onnx";
      },
    ],
  ])("test_load_badManifest_failsNaming_%s", async (field, corrupt) => {
    const bad = join(directory, `bad-${field}`);
    const { path } = await writeTestImageModel({ directory: bad });
    const manifest = JSON.parse(await readFile(path, "utf8"));
    corrupt(manifest);
    await writeFile(path, JSON.stringify(manifest));
    const error = await loadImagePipeline(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagePipelineManifestInvalidError);
    expect((error as ImagePipelineManifestInvalidError).field).toBe(field);
    expect((error as Error).message).toContain(path);
  });

  test("test_load_notJson_failsNamingFile", async () => {
    const bad = join(directory, "not-json");
    const { path } = await writeTestImageModel({ directory: bad });
    await writeFile(path, "{");
    await expect(loadImagePipeline(bad)).rejects.toThrow(ImagePipelineManifestInvalidError);
  });
});
