// The `--model` and `--backend` paths of `npm start`: a GGUF of the user's, and an external
// OpenAI-compatible server, each served by three suppliers behind the gateway (the test image model beside
// it). Real chain, nodes, runtime.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTestModel } from "@aviary/test-models";
import { startInstantOpenAiServer } from "@aviary/testkit";
import OpenAI from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { LocalNetworkModelError } from "../src/errors.ts";
import { resolveNetworkModel } from "../src/resolveNetworkModel.ts";
import { startLocalNetwork } from "../src/startLocalNetwork.ts";
import { repositoryCli } from "./utils/repositoryCli.ts";

const homes: string[] = [];
const home = () => {
  const path = mkdtempSync(join(tmpdir(), "aviary-network-"));
  homes.push(path);
  return path;
};
afterAll(() => {
  for (const path of homes) rmSync(path, { recursive: true, force: true });
});
const freePorts = { gateway: 0, explorer: 0, suppliers: [0, 0, 0] as [number, number, number] };

describe("startLocalNetwork", () => {
  it("serves a GGUF given with --model under its file name, registered with its sha256", async () => {
    const file = await ensureTestModel({ directory: home(), preset: "tiny", seed: 7 });
    const network = await startLocalNetwork({
      cli: repositoryCli,
      home: home(),
      persist: false,
      modelPath: file.path,
      ports: freePorts,
    });
    try {
      expect(network.model.name).toBe("aviary-test-model-tiny-f32-seed7");
      expect(network.model.weightsDigest).toBe(file.sha256);
      const openai = new OpenAI({ baseURL: `${network.gateway.url}/v1`, apiKey: network.gateway.apiKey });
      const completion = await openai.chat.completions.create({
        model: network.model.name,
        messages: [{ role: "user", content: "Hello" }],
        max_tokens: 4,
      });
      expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    } finally {
      await network.stop();
    }
  });

  it("serves an external OpenAI-compatible server given with --backend", async () => {
    const upstream = await startInstantOpenAiServer();
    const network = await startLocalNetwork({
      cli: repositoryCli,
      home: home(),
      persist: false,
      backend: { baseUrl: `${upstream.baseUrl}`, model: "instant", capabilities: { logprobs: true } },
      ports: freePorts,
    });
    try {
      expect(network.model.name).toBe("instant");
      expect(network.model.verified).toBe(false);
      const before = upstream.requests;
      const openai = new OpenAI({ baseURL: `${network.gateway.url}/v1`, apiKey: network.gateway.apiKey });
      const completion = await openai.chat.completions.create({
        model: "instant",
        messages: [{ role: "user", content: "Hello" }],
        max_tokens: 4,
      });
      expect(completion.choices[0]?.message.content).toBeTypeOf("string");
      expect(upstream.requests).toBeGreaterThan(before);
      // The test image model is served beside the user's text model.
      expect(network.imageModel.name).toBe("aviary-test-image");
      const image = await openai.images.generate({
        model: network.imageModel.name,
        prompt: "a heron",
        size: "64x64" as "256x256",
        response_format: "b64_json",
      });
      expect(
        Buffer.from(image.data?.[0]?.b64_json ?? "", "base64")
          .subarray(1, 4)
          .toString(),
      ).toBe("PNG");
      // `--backend-capabilities logprobs`: declared by every supplier; what is not declared is refused by name.
      for (const supplier of network.suppliers) {
        const declared = (await (await fetch(`${supplier.endpoint}/v1/supplier`)).json()) as {
          models: { capabilities: Record<string, unknown> }[];
        };
        expect(declared.models[0]?.capabilities).toMatchObject({
          backend: "openai",
          logprobs: true,
          tools: false,
        });
      }
      await expect(
        openai.chat.completions.create({
          model: "instant",
          messages: [{ role: "user", content: "Hello" }],
          tools: [{ type: "function", function: { name: "now" } }],
        }),
      ).rejects.toMatchObject({ status: 400, code: "unsupported_parameter", param: "tools" });
    } finally {
      await network.stop();
      await upstream.close();
    }
  });

  it("refuses a --model that is not a readable file, and a --backend that is not http(s)", async () => {
    await expect(
      resolveNetworkModel({ modelsDirectory: home(), modelPath: join(home(), "missing.gguf") }),
    ).rejects.toThrow(LocalNetworkModelError);
    await expect(
      resolveNetworkModel({ modelsDirectory: home(), backend: { baseUrl: "ftp://x", model: "m" } }),
    ).rejects.toThrow(/http\(s\) URL/);
  });
});
