import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePng, loadImagePipeline } from "@aviary/image-runtime";
import { ensureTestImageModel } from "@aviary/test-models";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describeImageBackendConformance } from "../../../test/backends/imageBackend.conformance.ts";
import type { BackendRequest } from "../Backend.ts";
import { BackendError } from "../errors.ts";
import { EmbeddedImageBackend } from "./EmbeddedImageBackend.ts";

const directory = mkdtempSync(join(tmpdir(), "aviary-image-backend-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describeImageBackendConformance("EmbeddedImageBackend", async () => {
  const model = await ensureTestImageModel({ directory });
  const backend = new EmbeddedImageBackend({ path: model.path, expectedSha256: model.sha256 });
  await backend.start();
  return { backend };
});

const request = (body: Record<string, unknown>, signal = AbortSignal.timeout(60_000)): BackendRequest => ({
  route: "images/generations",
  body,
  signal,
});

describe("EmbeddedImageBackend", () => {
  let backend: EmbeddedImageBackend;
  let model: Awaited<ReturnType<typeof ensureTestImageModel>>;

  beforeAll(async () => {
    model = await ensureTestImageModel({ directory });
    backend = new EmbeddedImageBackend({ path: model.path, expectedSha256: model.sha256 });
    await backend.start();
  });
  afterAll(() => backend?.close());

  test("renders what the runtime renders for the same parameters, byte for byte", async () => {
    const body = {
      model: "m",
      prompt: "a fox",
      negative_prompt: "blur",
      guidance_scale: 3,
      n: 2,
      size: "64x64",
      steps: 4,
      seed: 11,
    };
    const { body: answer } = await backend.complete(request(body));
    const pipeline = await loadImagePipeline(model.path);
    try {
      const direct = await pipeline.render({
        prompt: "a fox",
        negativePrompt: "blur",
        guidanceScale: 3,
        n: 2,
        width: 64,
        height: 64,
        steps: 4,
        seed: 11,
      });
      const served = (answer.data as Array<{ b64_json: string }>).map((item) => item.b64_json);
      expect(served).toEqual(direct.images.map((png) => Buffer.from(png).toString("base64")));
    } finally {
      await pipeline.close();
    }
  });

  test("defaults: one image of 256x256 at the pipeline's default steps", async () => {
    const { body, usage } = await backend.complete(request({ model: "m", prompt: "a fox", steps: 2 }));
    const png = decodePng(
      Buffer.from((body.data as Array<{ b64_json: string }>)[0]?.b64_json ?? "", "base64"),
    );
    expect([png.width, png.height]).toEqual([256, 256]);
    expect(usage.completionTokens).toBe(2);
  });

  test("a size or step count the pipeline does not render is a 400 naming it", async () => {
    for (const [body, param] of [
      [{ model: "m", prompt: "a", size: "100x100", steps: 2 }, "size"],
      [{ model: "m", prompt: "a", size: "64x64", steps: 149 }, "steps"],
    ] as const) {
      const error = (await backend.complete(request(body)).catch((error: unknown) => error)) as BackendError;
      expect(error).toBeInstanceOf(BackendError);
      expect(error.status).toBe(400);
      expect((error as { param?: string }).param).toBe(param);
    }
  });

  test("an abort mid-render stops it", async () => {
    const controller = new AbortController();
    const pending = backend.complete(
      request({ model: "m", prompt: "a", size: "256x256", steps: 50, n: 4 }, controller.signal),
    );
    setTimeout(() => controller.abort(new Error("gone")), 20);
    const error = (await pending.catch((error: unknown) => error)) as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect(error.status).toBe(499);
  });

  test("a pipeline that is not the registered one is not served", async () => {
    const other = new EmbeddedImageBackend({ path: model.path, expectedSha256: `0x${"0".repeat(64)}` });
    const error = (await other.start().catch((error: unknown) => error)) as BackendError;
    expect(error.code).toBe("model_digest_mismatch");
    const missing = new EmbeddedImageBackend({ path: join(directory, "nothing-here") });
    expect(((await missing.start().catch((error: unknown) => error)) as BackendError).code).toBe(
      "model_not_found",
    );
  });
});
