// The generated test image model: byte-identical on every write, its digest pinned, a damaged part rewritten.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ImagePipeline, loadImagePipeline } from "@aviary/image-runtime";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureTestImageModel } from "./ensureTestImageModel.ts";
import { testImageModelName } from "./image/testImageModelManifest.ts";
import { writeTestImageModel } from "./writeTestImageModel.ts";

const hash = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let directory: string;
let manifestPath: string;
let pipeline: ImagePipeline;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-test-image-model-"));
  const model = await ensureTestImageModel({ directory });
  manifestPath = model.path;
  pipeline = await loadImagePipeline(model.path);
});

afterAll(async () => {
  await pipeline.close();
  await rm(directory, { recursive: true, force: true });
});

describe("test image model", () => {
  test("test_writeTestImageModel_twice_byteIdentical", async () => {
    const first = await writeTestImageModel({ directory: join(directory, "first") });
    const second = await writeTestImageModel({ directory: join(directory, "second") });
    expect(second.sha256).toBe(first.sha256);
    for (const file of ["pipeline.json", "prompt-encoder.onnx", "denoiser.onnx", "decoder.onnx"])
      expect(await readFile(join(directory, "second", file))).toEqual(
        await readFile(join(directory, "first", file)),
      );
    expect(first.bytes).toBeLessThan(300_000);
  });

  test("test_ensureTestImageModel_digest_stableAndMatchesManifest", async () => {
    const model = await ensureTestImageModel({ directory });
    expect(model.name).toBe(testImageModelName);
    expect(model.path).toBe(manifestPath);
    expect(model.sha256).toBe(`0x${hash(await readFile(model.path))}`);
    expect(pipeline.digest).toBe(model.sha256);
    // Pinned: a change to the generator changes every digest downstream; update deliberately.
    expect(model.sha256).toMatchInlineSnapshot(
      `"0x2cf6d6f4823c8c9ad391e16d76e32ad8cacae57a07a037c1021ce6e9f47876f4"`,
    );
  });

  test("test_ensureTestImageModel_tamperedPart_rewritten", async () => {
    const tamperedDirectory = join(directory, "tampered-ensure");
    const model = await ensureTestImageModel({ directory: tamperedDirectory });
    const decoderPath = join(tamperedDirectory, `${testImageModelName}-seed42`, "decoder.onnx");
    await writeFile(decoderPath, "not onnx");
    const again = await ensureTestImageModel({ directory: tamperedDirectory });
    expect(again.sha256).toBe(model.sha256);
    await (await loadImagePipeline(again.path)).close();
  });
});
