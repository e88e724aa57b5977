// The supplier node serving images end to end: anvil with the real contracts, the embedded image runtime on
// the generated test image model beside the text test model, signed images relays, receipts billing
// images × steps, the relay log, and the refusals (maxCost, size, steps, stream, the wrong kind of model).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, startDevnet, token } from "@aviary/devnet";
import { decodePng } from "@aviary/image-runtime";
import { aviaryRegistryAbi, decodeReceiptHeader, hashRelayRequest, RECEIPT_HEADER } from "@aviary/protocol";
import {
  ensureTestImageModel,
  ensureTestModel,
  testImageModelName,
  testModelName,
} from "@aviary/test-models";
import {
  actor,
  type Clients,
  clients,
  devnetChainConfig,
  devnetSessionParams,
  type RelayTarget,
  sendRelay,
  setUpNetwork,
} from "@aviary/testkit";
import pino from "pino";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSupplierConfig } from "../src/config/supplierConfig.ts";
import { type SupplierNode, startSupplier } from "../src/startSupplier.ts";

const textPrices = { inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n };
const imageOutputPrice = 5n * 10n ** 12n;
/** ModelKind.Image in AviaryTypes.sol. */
const imageKind = 3;

let devnet: Devnet;
let c: Clients;
let node: SupplierNode;
let text: RelayTarget;
let image: RelayTarget;

const app = () => actor(devnet, "application");
const imageBody = (extra: Record<string, unknown> = {}) => ({
  model: testImageModelName,
  prompt: "a heron at dawn",
  n: 2,
  size: "64x64",
  steps: 4,
  seed: 9,
  response_format: "b64_json",
  ...extra,
});
const sendImage = (body: Record<string, unknown>, options: Parameters<typeof sendRelay>[4] = {}) =>
  sendRelay(image, app().address, app().privateKey, body, { route: "images/generations", ...options });

async function recordedKeys(): Promise<Hex[]> {
  const keys: Hex[] = [];
  for await (const record of node.store.readSession(image.session)) keys.push(record.relayKey);
  return keys;
}

async function expectRefusal(response: Response, status: number, code: string, param?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get(RECEIPT_HEADER)).toBeNull();
  const { error } = (await response.json()) as { error: { code: string; param: string | null } };
  expect(error.code).toBe(code);
  if (param !== undefined) expect(error.param).toBe(param);
}

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), "aviary-supplier-images-"));
  const textModel = await ensureTestModel({ directory: join(home, "models"), preset: "tiny" });
  const imageModel = await ensureTestImageModel({ directory: join(home, "models") });
  devnet = await startDevnet({ home, persist: false });
  c = clients(devnet);
  const owner = actor(devnet, "supplier-1");
  const operator = actor(devnet, "spare-1");
  const source = actor(devnet, "model-source");
  const setup = await setUpNetwork(c, {
    source,
    sourceShareBps: 1500,
    suppliers: [{ owner, operator, ...textPrices }],
    applications: [{ actor: app(), stake: token(1000) }],
    model: { name: testModelName, weightsDigest: textModel.sha256 },
  });
  // The image model: registered by the same source, offered from the next session on.
  const registry = { address: c.contracts.registry, abi: aviaryRegistryAbi } as const;
  await c.send(source, {
    ...registry,
    functionName: "registerModel",
    args: [
      testImageModelName,
      imageModel.sha256,
      "file://models/aviary-test-image",
      imageKind,
      source.address,
      1500,
    ],
  });
  const imageModelId = keccak256(toHex(testImageModelName));
  await c.send(owner, { ...registry, functionName: "setOffer", args: [imageModelId, 0n, imageOutputPrice] });
  const session = setup.session + 1n;
  await c.mineTo(session * devnetSessionParams.sessionBlocks);

  const config = parseSupplierConfig({
    chain: devnetChainConfig(devnet),
    supplier: owner.address,
    operatorKey: operator.privateKey,
    server: { host: "127.0.0.1", port: 0 },
    dataDir: join(home, "supplier-data"),
    models: [
      {
        name: testModelName,
        inputPrice: textPrices.inputPrice.toString(),
        outputPrice: textPrices.outputPrice.toString(),
        backend: { type: "embedded", path: textModel.path },
      },
      {
        name: testImageModelName,
        inputPrice: "0",
        outputPrice: imageOutputPrice.toString(),
        backend: { type: "embedded-image", path: imageModel.path, threads: 1 },
      },
    ],
  });
  node = await startSupplier(config, { logger: pino({ level: "silent" }) });
  const domain = { chainId: devnet.chainId, verifyingContract: devnet.contracts.settlement as Address };
  text = { url: node.url, domain, supplier: owner.address, model: setup.modelId, session, ...textPrices };
  image = {
    url: node.url,
    domain,
    supplier: owner.address,
    model: imageModelId,
    session,
    inputPrice: 0n,
    outputPrice: imageOutputPrice,
  };
}, 120_000);

afterAll(async () => {
  await node?.stop();
  await devnet?.stop();
});

describe("supplier node serving images", () => {
  it("lists the image model with its image capabilities", async () => {
    const body = (await (await fetch(`${node.url}/v1/supplier`)).json()) as {
      models: Array<{ name: string; routes: string[]; capabilities: Record<string, unknown> }>;
    };
    const listed = body.models.find((model) => model.name === testImageModelName);
    expect(listed).toMatchObject({
      routes: ["images/generations"],
      inputPrice: "0",
      outputPrice: imageOutputPrice.toString(),
      capabilities: {
        backend: "embedded",
        tools: false,
        jsonSchema: false,
        logprobs: false,
        images: false,
        contextLength: null,
        dataRetention: "unspecified",
        image: {
          sizes: expect.arrayContaining(["64x64", "256x256"]),
          maxSteps: 50,
          maxPromptCharacters: 1000,
        },
      },
    });
  });

  it("answers a signed images relay with PNGs, a receipt of n × steps output units and no input, logged first", async () => {
    const { response, request, relayKey } = await sendImage(imageBody());
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const body = JSON.parse(Buffer.from(bytes).toString("utf8")) as {
      created: number;
      data: Array<{ b64_json: string }>;
      usage: { images: number; steps: number; units: number };
    };
    expect(body.data).toHaveLength(2);
    for (const item of body.data) {
      const png = decodePng(Buffer.from(item.b64_json, "base64"));
      expect([png.width, png.height]).toEqual([64, 64]);
    }
    expect(body.usage).toEqual({ images: 2, steps: 4, units: 8 });
    const { receipt } = decodeReceiptHeader(response.headers.get(RECEIPT_HEADER));
    expect(receipt.request).toBe(hashRelayRequest(request));
    expect(receipt.responseHash).toBe(keccak256(bytes));
    expect(receipt.inputUnits).toBe(0n);
    expect(receipt.outputUnits).toBe(8n);
    expect(await recordedKeys()).toContain(relayKey);
  });

  it("refuses a maxCost below n × steps × price with 402, rendering and logging nothing", async () => {
    const before = await recordedKeys();
    const { response, relayKey } = await sendImage(imageBody(), {
      overrides: { maxCost: 8n * imageOutputPrice - 1n },
    });
    await expectRefusal(response, 402, "max_cost_too_low");
    const after = await recordedKeys();
    expect(after).toEqual(before);
    expect(after).not.toContain(relayKey);
    // Exactly enough is served.
    const exact = await sendImage(imageBody(), { overrides: { maxCost: 8n * imageOutputPrice } });
    expect(exact.response.status).toBe(200);
    expect(decodeReceiptHeader(exact.response.headers.get(RECEIPT_HEADER)).receipt.outputUnits).toBe(8n);
  });

  it("refuses a size, a step count or a stream the model does not serve, naming the field", async () => {
    await expectRefusal(
      (await sendImage(imageBody({ size: "100x100" }))).response,
      400,
      "unsupported_parameter",
      "size",
    );
    await expectRefusal(
      (await sendImage(imageBody({ steps: 51 }))).response,
      400,
      "unsupported_parameter",
      "steps",
    );
    const stream = (await sendImage(imageBody({ stream: true }))).response;
    expect(stream.status).toBe(400);
    expect(((await stream.json()) as { error: { param: string } }).error.param).toBe("stream");
    const url = (await sendImage(imageBody({ response_format: "url" }))).response;
    expect(url.status).toBe(400);
    expect(((await url.json()) as { error: { param: string } }).error.param).toBe("response_format");
  });

  it("refuses a text route to the image model and an images relay to the text model, naming model", async () => {
    const chat = await sendRelay(
      image,
      app().address,
      app().privateKey,
      { model: testImageModelName, messages: [{ role: "user", content: "hi" }], max_tokens: 4 },
      { route: "chat/completions" },
    );
    await expectRefusal(chat.response, 400, "unsupported_parameter", "model");
    const images = await sendRelay(
      text,
      app().address,
      app().privateKey,
      { model: testModelName, prompt: "a heron", n: 1, size: "64x64", steps: 2 },
      { route: "images/generations" },
    );
    await expectRefusal(images.response, 400, "unsupported_parameter", "model");
  });

  it("keeps serving text beside images", async () => {
    const { response } = await sendRelay(text, app().address, app().privateKey, {
      model: testModelName,
      messages: [{ role: "user", content: "Hello" }],
      max_tokens: 4,
      temperature: 0,
    });
    expect(response.status).toBe(200);
    expect(decodeReceiptHeader(response.headers.get(RECEIPT_HEADER)).receipt.outputUnits).toBeGreaterThan(0n);
  });
});
