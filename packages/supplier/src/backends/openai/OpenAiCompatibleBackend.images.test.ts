import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTestImageModel } from "@aviary/test-models";
import {
  type StartOpenAiImageTestServerReturnType,
  startOpenAiImageTestServer,
} from "@aviary/testkit/openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describeImageBackendConformance } from "../../../test/backends/imageBackend.conformance.ts";
import { BackendError, BackendOptionsInvalidError } from "../errors.ts";
import { EmbeddedImageBackend } from "../image/EmbeddedImageBackend.ts";
import { OpenAiCompatibleBackend } from "./OpenAiCompatibleBackend.ts";

const directory = mkdtempSync(join(tmpdir(), "aviary-openai-images-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const upstreamModel = "sd-upstream";
const image = { sizes: ["64x64", "128x128"], maxSteps: 30, maxPromptCharacters: 1000 };

async function startUpstream(): Promise<{
  server: StartOpenAiImageTestServerReturnType;
  renderer: EmbeddedImageBackend;
}> {
  const model = await ensureTestImageModel({ directory });
  const renderer = new EmbeddedImageBackend({ path: model.path });
  await renderer.start();
  const server = await startOpenAiImageTestServer({ backend: renderer, modelName: upstreamModel });
  return { server, renderer };
}

describeImageBackendConformance("OpenAiCompatibleBackend (images)", async () => {
  const { server, renderer } = await startUpstream();
  const backend = new OpenAiCompatibleBackend({
    baseUrl: server.baseUrl,
    model: upstreamModel,
    routes: ["images/generations"],
    capabilities: { image },
  });
  await backend.start();
  return {
    backend,
    teardown: async () => {
      await server.close();
      await renderer.close();
    },
  };
});

describe("OpenAiCompatibleBackend images/generations", () => {
  let server: StartOpenAiImageTestServerReturnType;
  let renderer: EmbeddedImageBackend;
  let backend: OpenAiCompatibleBackend;

  beforeAll(async () => {
    ({ server, renderer } = await startUpstream());
    backend = new OpenAiCompatibleBackend({
      baseUrl: server.baseUrl,
      model: upstreamModel,
      routes: ["images/generations"],
      capabilities: { image },
    });
    await backend.start();
  });
  afterAll(async () => {
    await backend?.close();
    await server?.close();
    await renderer?.close();
  });

  const body = { model: "aviary-image", prompt: "a heron", n: 2, size: "64x64", steps: 5, seed: 3 };
  const signal = () => AbortSignal.timeout(60_000);

  test("forwards the body with the upstream's model and b64_json, and bills returned images × requested steps", async () => {
    server.setDropImages(0);
    const { body: answer, usage } = await backend.complete({
      route: "images/generations",
      body,
      signal: signal(),
    });
    expect(server.received.at(-1)).toMatchObject({
      ...body,
      model: upstreamModel,
      response_format: "b64_json",
    });
    expect(answer.data as unknown[]).toHaveLength(2);
    expect(answer.usage).toEqual({ images: 2, steps: 5, units: 10 });
    expect(usage).toEqual({ promptTokens: 0, completionTokens: 10 });
    expect(backend.capabilities()).toMatchObject({ backend: "openai", image });
  });

  test("an upstream that returns fewer images than asked is a 502 naming data, and nothing is billed", async () => {
    server.setDropImages(1);
    try {
      const error = (await backend
        .complete({ route: "images/generations", body, signal: signal() })
        .catch((error: unknown) => error)) as BackendError;
      expect(error).toBeInstanceOf(BackendError);
      expect(error.status).toBe(502);
      expect(error.message).toMatch(/`data` has 1 images, 2 were asked for/);
    } finally {
      server.setDropImages(0);
    }
  });

  test("routes with images/generations need capabilities.image", () => {
    const create = () =>
      new OpenAiCompatibleBackend({
        baseUrl: server.baseUrl,
        model: upstreamModel,
        routes: ["images/generations"],
      });
    expect(create).toThrow(BackendOptionsInvalidError);
    expect(create).toThrow(/capabilities\.image/);
  });
});
