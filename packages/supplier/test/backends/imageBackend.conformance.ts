import { decodePng } from "@aviary/image-runtime";
import { unsupportedRequestField } from "@aviary/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Backend, BackendRequest, BackendStreamEvent } from "../../src/backends/Backend.ts";
import { BackendError } from "../../src/backends/errors.ts";

/** What {@link describeImageBackendConformance} needs: a started image backend and what to undo afterwards. */
export type ImageBackendConformanceSetup = () => Promise<{
  backend: Backend;
  teardown?: () => Promise<void>;
}>;

const modelName = "conformance-image-model";

const imageBody = {
  model: modelName,
  prompt: "a small bird on a branch",
  n: 1,
  size: "64x64",
  steps: 3,
  seed: 7,
};

function request(body: Record<string, unknown>, signal = AbortSignal.timeout(60_000)): BackendRequest {
  return { route: "images/generations", body, signal };
}

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

async function drain(stream: AsyncIterable<BackendStreamEvent>): Promise<void> {
  for await (const _event of stream) {
    // Nothing: image backends refuse before the first event.
  }
}

function pngOf(item: unknown): Uint8Array {
  const b64 = (item as { b64_json?: unknown }).b64_json;
  expect(typeof b64).toBe("string");
  return new Uint8Array(Buffer.from(b64 as string, "base64"));
}

/**
 * The suite every image {@link Backend} passes (the text backends' `describeBackendConformance`, for
 * `images/generations`): the contract's response JSON (`created`, `data[].b64_json` PNGs of the asked size,
 * `usage: { images, steps, units }`), usage billing images × steps and no input, never streamed, `url` refused,
 * invalid bodies refused with 400 naming the field, aborts, and concurrency. It calls `backend.close()` and then
 * `teardown` after the last test.
 *
 * The backend must render `64x64` and at least 3 steps (the generated test image model does).
 *
 * @param name - the suite's name (e.g. `"EmbeddedImageBackend"`).
 * @param setup - starts the backend (and whatever it needs) and returns it.
 * @example
 * ```ts
 * describeImageBackendConformance("EmbeddedImageBackend", async () => {
 *   const model = await ensureTestImageModel({ directory: temporaryDirectory });
 *   const backend = new EmbeddedImageBackend({ path: model.path, expectedSha256: model.sha256 });
 *   await backend.start();
 *   return { backend };
 * });
 * ```
 */
export function describeImageBackendConformance(name: string, setup: ImageBackendConformanceSetup): void {
  describe(`${name} (image backend conformance)`, () => {
    let backend: Backend;
    let teardown: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ backend, teardown } = await setup());
    });

    afterAll(async () => {
      await backend?.close();
      await teardown?.();
    });

    test("describes itself, serves images/generations, and declares what it renders", () => {
      expect(backend.description).toMatch(/\S/);
      expect(backend.supports("images/generations")).toBe(true);
      const capabilities = backend.capabilities();
      expect(["embedded", "openai"]).toContain(capabilities.backend);
      expect(capabilities.image?.sizes).toContain("64x64");
      expect(capabilities.image?.maxSteps).toBeGreaterThanOrEqual(3);
      expect(capabilities.image?.maxPromptCharacters).toBeGreaterThan(0);
      expect(unsupportedRequestField("images/generations", imageBody, capabilities)).toBeUndefined();
      // An image model is refused text requests by name.
      expect(
        unsupportedRequestField(
          "chat/completions",
          { model: modelName, messages: [{ role: "user", content: "hi" }] },
          capabilities,
        )?.param,
      ).toBe("model");
    });

    test("renders n PNGs of the asked size, billed n × steps with no input units", async () => {
      const { body, usage } = await backend.complete(request({ ...imageBody, n: 2, steps: 3 }));
      expect(typeof body.created).toBe("number");
      const data = body.data as unknown[];
      expect(data).toHaveLength(2);
      for (const item of data) {
        const png = decodePng(pngOf(item));
        expect([png.width, png.height]).toEqual([64, 64]);
      }
      expect(usage).toEqual({ promptTokens: 0, completionTokens: 6 });
      expect(body.usage).toEqual({ images: 2, steps: 3, units: 6 });
    });

    test("is never streamed: 400 unsupported_parameter naming stream", async () => {
      const error = await rejection(drain(backend.stream(request(imageBody))));
      expect(error.status).toBe(400);
      expect(error.code).toBe("unsupported_parameter");
      expect((error as { param?: string }).param).toBe("stream");
    });

    test("answers b64_json only: response_format url is a 400 naming it", async () => {
      const error = await rejection(backend.complete(request({ ...imageBody, response_format: "url" })));
      expect(error.status).toBe(400);
      expect((error as { param?: string }).param).toBe("response_format");
    });

    test("invalid bodies are refused with 400 naming the field", async () => {
      for (const [body, param] of [
        [{ ...imageBody, prompt: undefined }, "prompt"],
        [{ ...imageBody, n: 0 }, "n"],
        [{ ...imageBody, steps: 0 }, "steps"],
        [{ ...imageBody, size: "big" }, "size"],
      ] as const) {
        const error = await rejection(backend.complete(request(body)));
        expect(error.status).toBe(400);
        expect((error as { param?: string }).param).toBe(param);
      }
    });

    test("an already-aborted signal is refused, and the backend keeps serving", async () => {
      const controller = new AbortController();
      controller.abort();
      await rejection(backend.complete(request(imageBody, controller.signal)));
      const after = await backend.complete(request(imageBody));
      expect(after.usage.completionTokens).toBe(3);
    });

    test("concurrent requests all complete", async () => {
      const results = await Promise.all(
        [1, 2, 3].map((seed) => backend.complete(request({ ...imageBody, seed }))),
      );
      for (const result of results) expect(result.body.data as unknown[]).toHaveLength(1);
    });
  });
}
