import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SupplierCapabilitiesError } from "../errors.ts";
import { fetchSupplierCapabilities, UNKNOWN_MODEL_CAPABILITIES } from "./fetchSupplierCapabilities.ts";

const modelA = `0x${"a".repeat(64)}`;
const modelB = `0x${"B".repeat(64)}`;
const answers: Record<string, { status?: number; body: string; delayMs?: number; location?: string }> = {
  "/good": {
    body: JSON.stringify({
      models: [
        { modelId: modelA, capabilities: { ...UNKNOWN_MODEL_CAPABILITIES, tools: true, extra: 1 } },
        // Malformed declarations: not supported, or (no backend) unknown.
        { modelId: modelB, capabilities: { backend: "openai", tools: "yes", contextLength: -1 } },
        { modelId: `0x${"c".repeat(64)}`, capabilities: { tools: true } },
        { modelId: `0x${"d".repeat(64)}` },
      ],
    }),
  },
  "/image": {
    body: JSON.stringify({
      models: [
        {
          modelId: modelA,
          capabilities: {
            ...UNKNOWN_MODEL_CAPABILITIES,
            image: { sizes: ["64x64", "256x256"], maxSteps: 50, maxPromptCharacters: 1000, extra: 1 },
          },
        },
        // A malformed image declaration: not an image model.
        { modelId: modelB, capabilities: { ...UNKNOWN_MODEL_CAPABILITIES, image: { sizes: ["big"] } } },
      ],
    }),
  },
  "/down": { status: 500, body: "{}" },
  "/notJson": { body: "<html>" },
  "/huge": { body: JSON.stringify({ models: [], padding: "x".repeat(5_000) }) },
  "/slow": { body: JSON.stringify({ models: [] }), delayMs: 500 },
  // A redirect elsewhere (the endpoint is on chain, anyone's to write): not followed.
  "/redirect": { status: 302, body: "", location: "/good/v1/supplier" },
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    const answer = answers[(request.url ?? "").replace(/\/v1\/supplier$/, "")];
    const send = () =>
      response
        .writeHead(answer?.status ?? 200, answer?.location ? { location: answer.location } : {})
        .end(answer?.body ?? "{}");
    if (answer?.delayMs) setTimeout(send, answer.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("fetchSupplierCapabilities", () => {
  it("test_fetchSupplierCapabilities_perModel_malformedFieldsNotSupported_noBackendLeftOut", async () => {
    const declared = await fetchSupplierCapabilities({ endpoint: `${base}/good` });
    expect(declared.get(modelA)).toEqual({ ...UNKNOWN_MODEL_CAPABILITIES, tools: true });
    expect(declared.get(modelB.toLowerCase())).toEqual({ ...UNKNOWN_MODEL_CAPABILITIES, backend: "openai" });
    expect(declared.size).toBe(2);
  });

  it("test_fetchSupplierCapabilities_image_keptWhenWellFormed_droppedWhenMalformed", async () => {
    const declared = await fetchSupplierCapabilities({ endpoint: `${base}/image` });
    expect(declared.get(modelA)).toEqual({
      ...UNKNOWN_MODEL_CAPABILITIES,
      image: { sizes: ["64x64", "256x256"], maxSteps: 50, maxPromptCharacters: 1000 },
    });
    expect(declared.get(modelB.toLowerCase())).toEqual(UNKNOWN_MODEL_CAPABILITIES);
    expect(declared.get(modelB.toLowerCase())).not.toHaveProperty("image");
  });

  it.each([
    "/down",
    "/notJson",
    "/huge",
    "/slow",
    "/redirect",
    "/missing-port",
  ])("test_fetchSupplierCapabilities_unreadable_throwsSupplierCapabilitiesError %s", async (path) => {
    const endpoint = path === "/missing-port" ? "http://127.0.0.1:9" : `${base}${path}`;
    const error = await fetchSupplierCapabilities({ endpoint, maxBytes: 1_000, timeoutMs: 200 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SupplierCapabilitiesError);
    expect((error as SupplierCapabilitiesError).isRetryable).toBe(true);
  });
});
