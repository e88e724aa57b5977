// Text-to-image end to end: the official `openai` client's `images.generate` through a gateway and directly
// (`createAviaryFetch`) over real supplier nodes serving the generated test image model on the embedded image
// runtime (anvil, the contracts, signed relays, verified receipts). The PNGs must equal the runtime's own
// render for the same prompt, seed, steps and size, byte for byte; bad input is an OpenAI-shaped 400 naming
// the field; the key's budget and usage count images × steps × the price.
import { decodePng, type ImagePipeline, loadImagePipeline } from "@aviary/image-runtime";
import { openAiRequestFields } from "@aviary/protocol";
import { testImageModelName } from "@aviary/test-models";
import {
  directOpenAiClient,
  imageOutputPrice,
  startNetworkGateway,
  startTestNetwork,
  type TestNetwork,
  testModelName,
} from "@aviary/testkit/network";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { GatewayNode } from "../src/startGateway.ts";

type ImageBody = Record<string, unknown> & { model: string; prompt: string };
type ImagesAnswer = {
  created: number;
  data: { b64_json?: string; url?: string }[];
  usage?: { images: number; steps: number; units: number };
};

let network: TestNetwork;
let gateway: GatewayNode;
let apiKey: string;
let client: OpenAI;
let direct: OpenAI;
let pipeline: ImagePipeline;

const prompt = "a red fox in the snow";

beforeAll(async () => {
  network = await startTestNetwork({ suppliers: 2, images: {} });
  gateway = await startNetworkGateway(network, {
    routing: {
      strategy: "quality-price",
      maxAttempts: 2,
      firstByteTimeoutMs: 60_000,
      idleTimeoutMs: 30_000,
    },
  });
  apiKey = (await gateway.store.createKey({ name: "images" })).key;
  client = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  direct = directOpenAiClient(network);
  const imageModel = network.imageModel;
  if (!imageModel) throw new Error("the network has no image model");
  pipeline = await loadImagePipeline(imageModel.path);
});

afterAll(async () => {
  await pipeline?.close();
  await gateway?.stop();
  await network?.stop();
});

/** `images.generate` with the open-model extensions (`seed`, `steps`) and sizes the client's types do not know. */
function generate(openai: OpenAI, body: ImageBody): Promise<ImagesAnswer> {
  const answer = openai.images.generate(body as unknown as OpenAI.ImageGenerateParamsNonStreaming);
  return answer as unknown as Promise<ImagesAnswer>;
}

/** The runtime's own render: what every supplier must answer. */
async function reference(body: { n: number; size: string; seed: number; steps: number }): Promise<Buffer[]> {
  const [width, height] = body.size.split("x").map(Number) as [number, number];
  const rendered = await pipeline.render({
    prompt,
    n: body.n,
    width,
    height,
    steps: body.steps,
    seed: body.seed,
  });
  return rendered.images.map((image) => Buffer.from(image));
}

function expectPngs(answer: ImagesAnswer, expected: Buffer[], size: number): void {
  expect(answer.data).toHaveLength(expected.length);
  for (const [index, entry] of answer.data.entries()) {
    expect(typeof entry.b64_json).toBe("string");
    const png = Buffer.from(entry.b64_json as string, "base64");
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height]).toEqual([size, size]);
    expect(png.equals(expected[index] as Buffer), `image ${index} equals the reference render`).toBe(true);
  }
}

async function waitFor<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let tries = 0; tries < 100; tries++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("images through the gateway", () => {
  test("lists the image model, priced per image·step", async () => {
    const models = await client.models.list();
    const entry = models.data.find((model) => model.id === testImageModelName) as unknown as {
      kind: string;
      pricing: { prompt: string; completion: string; unit: string };
    };
    expect(entry).toMatchObject({
      kind: "image",
      pricing: { prompt: "0", completion: imageOutputPrice.toString(), unit: "token wei per image·step" },
    });
  });

  test("images.generate: PNGs of the asked size, equal to the reference render; usage in images × steps", async () => {
    const body = { n: 2, size: "64x64", seed: 7, steps: 4 };
    const answer = await generate(client, { model: testImageModelName, prompt, ...body });
    expectPngs(answer, await reference(body), 64);
    expect(answer.usage).toEqual({ images: 2, steps: 4, units: 8 });
    expect(typeof answer.created).toBe("number");
  });

  test("n = 10 at 512x512 (the largest answer, ~8 MB of base64) passes every size limit on the way", async () => {
    const body = { n: 10, size: "512x512", seed: 3, steps: 1 };
    const answer = await generate(client, { model: testImageModelName, prompt, ...body });
    expectPngs(answer, await reference(body), 512);
  });

  test("the key's usage records the relay's cost: units × the price per image·step", async () => {
    const { key, record } = await gateway.store.createKey({ name: "images-accounting" });
    const accounted = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await generate(accounted, { model: testImageModelName, prompt, n: 3, size: "64x64", seed: 1, steps: 5 });
    const usage = await waitFor(async () => {
      const records = await gateway.store.usage({ keyId: record.id });
      return records.length > 0 ? records : undefined;
    }, "the usage record");
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({
      route: "images/generations",
      model: testImageModelName,
      status: "ok",
      inputTokens: 0,
      outputTokens: 15,
      costWei: 15n * imageOutputPrice,
    });
    const keys = await gateway.store.listKeys();
    expect(keys.find((entry) => entry.id === record.id)?.spentWei).toBe(15n * imageOutputPrice);
  });

  test('response_format "url": a gateway URL whose GET answers the same PNG; unknown ids are a 404', async () => {
    const body = { n: 1, size: "64x64", seed: 11, steps: 3 };
    const answer = await generate(client, {
      model: testImageModelName,
      prompt,
      ...body,
      response_format: "url",
    });
    expect(answer.data).toHaveLength(1);
    const url = answer.data[0]?.url as string;
    expect(url).toMatch(new RegExp(`^${gateway.url}/v1/images/[A-Za-z0-9_-]{22}\\.png$`));
    expect(answer.data[0]?.b64_json).toBeUndefined();
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get("content-type")).toBe("image/png");
    const png = Buffer.from(await fetched.arrayBuffer());
    expect(png.equals((await reference(body))[0] as Buffer)).toBe(true);

    const missing = await fetch(`${gateway.url}/v1/images/AAAAAAAAAAAAAAAAAAAAAA.png`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("image_not_found");
  });

  const badInput: { what: string; body: Partial<ImageBody>; param: string }[] = [
    { what: "a size no supplier renders", body: { size: "100x100" }, param: "size" },
    { what: "n = 11", body: { n: 11 }, param: "n" },
    { what: "a prompt longer than the model reads", body: { prompt: "x".repeat(1001) }, param: "prompt" },
    { what: "more steps than the model runs", body: { steps: 51 }, param: "steps" },
    { what: "a chat model", body: { model: testModelName }, param: "model" },
    { what: "stream: true", body: { stream: true }, param: "stream" },
    { what: "quality", body: { quality: "hd" }, param: "quality" },
    { what: "a field OpenAI does not define", body: { foo_bar: 1 }, param: "foo_bar" },
  ];
  test.each(badInput)("$what is a 400 naming `$param`", async ({ body, param }) => {
    const response = await fetch(`${gateway.url}/v1/images/generations`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: testImageModelName, prompt, size: "64x64", steps: 2, ...body }),
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as {
      error: { message: string; type: string; param: string | null; code: string | null };
    };
    expect(error.param).toBe(param);
    expect(typeof error.message).toBe("string");
    expect(error.type).toBe("invalid_request_error");
  });

  test("an image model on a text route is a 400 naming `model`", async () => {
    await expect(
      client.chat.completions.create({
        model: testImageModelName,
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toMatchObject({ status: 400, param: "model" });
  });

  test("every refused images field of the protocol's table is refused by name", async () => {
    const refused = openAiRequestFields.filter(
      (entry) => entry.route === "images/generations" && entry.embedded === "refused",
    );
    expect(refused.length).toBeGreaterThan(0);
    for (const entry of refused) {
      await expect(
        generate(client, { model: testImageModelName, prompt, size: "64x64", steps: 2, [entry.name]: 1 }),
        entry.name,
      ).rejects.toMatchObject({ status: 400, param: entry.name });
    }
  });

  test("a key whose budget cannot cover n × steps × the price is refused with 402, nothing relayed", async () => {
    const units = 2n * 4n;
    const { key, record } = await gateway.store.createKey({
      name: "images-poor",
      budgetWei: units * imageOutputPrice - 1n,
    });
    const poor = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(
      generate(poor, { model: testImageModelName, prompt, n: 2, size: "64x64", steps: 4 }),
    ).rejects.toMatchObject({ status: 402, code: "insufficient_quota" });
    // One image·step fewer fits.
    await generate(poor, { model: testImageModelName, prompt, n: 1, size: "64x64", steps: 7 });
    const keys = await gateway.store.listKeys();
    expect(keys.find((entry) => entry.id === record.id)?.spentWei).toBe(7n * imageOutputPrice);
  });
});

describe("images directly (createAviaryFetch)", () => {
  test("images.generate: PNGs equal to the reference render", async () => {
    const body = { n: 2, size: "64x64", seed: 99, steps: 3 };
    const answer = await generate(direct, { model: testImageModelName, prompt, ...body });
    expectPngs(answer, await reference(body), 64);
    expect(answer.usage).toEqual({ images: 2, steps: 3, units: 6 });
  });

  test('response_format "url" is a 400 naming `response_format`', async () => {
    await expect(
      generate(direct, {
        model: testImageModelName,
        prompt,
        size: "64x64",
        steps: 2,
        response_format: "url",
      }),
    ).rejects.toMatchObject({ status: 400, param: "response_format" });
  });

  test("a size no supplier renders and stream: true are 400s naming the field", async () => {
    await expect(
      generate(direct, { model: testImageModelName, prompt, size: "100x100", steps: 2 }),
    ).rejects.toMatchObject({ status: 400, param: "size" });
    await expect(
      generate(direct, { model: testImageModelName, prompt, size: "64x64", steps: 2, stream: true }),
    ).rejects.toMatchObject({ status: 400, param: "stream" });
  });
});
