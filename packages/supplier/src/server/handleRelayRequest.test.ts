// The supplier's HTTP surface on node:http, over a scripted chain and a scripted backend: body limits (declared
// and chunked), receipts that bind the struct hash and relay key computed once, streams piped as the backend
// yields, a client that goes away aborting the backend (nothing recorded, nonce freed, in-flight count back to
// zero), shutdown refusals, and the hono routes beside.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeReceiptHeader,
  encodeRelayHeader,
  hashRelayRequest,
  RECEIPT_HEADER,
  RELAY_HEADER,
  type RelayRequest,
  relayKey,
  signRelayRequest,
} from "@aviary/protocol";
import { type Address, hexToBytes, keccak256, type PublicClient, toBytes, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { Backend, BackendRequest, BackendStreamEvent } from "../backends/Backend.ts";
import { MemoryRelayStore } from "../store/MemoryRelayStore.ts";
import { BudgetMeter } from "./BudgetMeter.ts";
import { ChainView } from "./ChainView.ts";
import { createSupplierListener } from "./createSupplierApp.ts";
import { SupplierMetrics } from "./metrics.ts";
import { NonceGuard } from "./NonceGuard.ts";

const sessionParams = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };
const domain = { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const supplier = privateKeyToAccount(generatePrivateKey()).address;
const operatorKey = generatePrivateKey();
const applicationKey = generatePrivateKey();
const application = privateKeyToAccount(applicationKey).address;
const modelName = "test-model";
const modelId = keccak256(toHex(modelName));
const session = 3n;
const maxBodyBytes = 4096;

const publicClient = {
  getBlockNumber: async () => session * sessionParams.sessionBlocks,
  readContract: async ({ functionName }: { functionName: string }) => {
    if (functionName === "offerAt") return [true, 1n, 2n];
    if (functionName === "applicationStakeAt") return 3n * 10n ** 21n;
    throw new Error(`unexpected read ${functionName}`);
  },
} as unknown as PublicClient;

/** A backend whose streams the test releases chunk by chunk; records the signals it was given. */
const backendState = {
  signals: [] as AbortSignal[],
  release: undefined as (() => void) | undefined,
  streamEnded: false,
};
const backend: Backend = {
  description: "scripted",
  start: async () => {},
  close: async () => {},
  supports: () => true,
  capabilities: () => ({
    backend: "embedded",
    tools: true,
    jsonSchema: true,
    logprobs: true,
    images: false,
    contextLength: 2048,
  }),
  complete: async (request: BackendRequest) => {
    backendState.signals.push(request.signal);
    return {
      body: { id: "x", object: "chat.completion", choices: [{ index: 0, message: { content: "hi" } }] },
      usage: { promptTokens: 3, completionTokens: 2 },
    };
  },
  async *stream(request: BackendRequest): AsyncGenerator<BackendStreamEvent> {
    backendState.signals.push(request.signal);
    try {
      yield {
        type: "chunk",
        chunk: { id: "s", created: 1, choices: [{ index: 0, delta: { content: "a" } }] },
      };
      // Wait for the test (or an abort) before the rest.
      await new Promise<void>((resolve, reject) => {
        backendState.release = resolve;
        request.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
      });
      yield {
        type: "chunk",
        chunk: { id: "s", created: 1, choices: [{ index: 0, delta: { content: "b" } }] },
      };
      yield { type: "usage", usage: { promptTokens: 3, completionTokens: 2 } };
    } finally {
      backendState.streamEnded = true;
    }
  },
};

let server: Server;
let url: string;
let store: MemoryRelayStore;
let nonces: NonceGuard;
const inFlight = { count: 0 };
let accepting = true;
let nonce = 0n;

beforeAll(async () => {
  const chain = new ChainView({ publicClient, registry: supplier, supplier, sessionParams });
  await chain.start();
  store = new MemoryRelayStore();
  await store.open();
  nonces = new NonceGuard();
  const meter = new BudgetMeter();
  const metrics = new SupplierMetrics();
  server = createServer(
    createSupplierListener({
      relay: {
        supplier,
        domain,
        sessionParams,
        models: new Map([
          [modelId.toLowerCase(), { name: modelName, modelId, backend, inputPrice: 1n, outputPrice: 2n }],
        ]),
        chain,
        nonces,
        meter,
      },
      serve: { domain, operatorKey: hexToBytes(operatorKey), store, nonces, meter, metrics },
      operator: privateKeyToAccount(operatorKey).address,
      endpoint: "http://test",
      version: "test",
      maxBodyBytes,
      inFlight,
      accepting: () => accepting,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  backendState.signals = [];
  backendState.release = undefined;
  backendState.streamEnded = false;
  accepting = true;
});

async function signed(bodyText: string): Promise<{ header: string; request: RelayRequest }> {
  nonce += 1n;
  const request: RelayRequest = {
    application,
    supplier,
    model: modelId,
    session,
    nonce,
    bodyHash: keccak256(toBytes(bodyText)),
    inputPrice: 1n,
    outputPrice: 2n,
    maxCost: 10_000n,
  };
  const signature = await signRelayRequest({ domain, request, signer: applicationKey });
  return { header: encodeRelayHeader({ request, signature }), request };
}

const chat = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: modelName, messages: [{ role: "user", content: "hi" }], max_tokens: 4, ...extra });

const waitFor = async (condition: () => boolean) => {
  for (let tries = 0; tries < 200 && !condition(); tries += 1) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
};

describe("relay handler on node:http", () => {
  test("test_relay_nonStreamed_receiptBindsTheStructHashAndIsLoggedFirst", async () => {
    const bodyText = chat();
    const { header, request } = await signed(bodyText);
    const response = await fetch(`${url}/v1/relay/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", [RELAY_HEADER]: header },
      body: bodyText,
    });
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const { receipt } = decodeReceiptHeader(response.headers.get(RECEIPT_HEADER));
    expect(receipt.request).toBe(hashRelayRequest(request));
    expect(receipt.responseHash).toBe(keccak256(bytes));
    const records = [];
    for await (const record of store.readSession(session)) records.push(record);
    expect(records.at(-1)?.relayKey).toBe(relayKey({ domain, request }));
    expect(inFlight.count).toBe(0);
  });

  test("test_relay_bodyOverTheLimit_is413_declaredOrChunked", async () => {
    const big = chat({ padding: "x".repeat(maxBodyBytes) });
    const { header } = await signed(big);
    const declared = await fetch(`${url}/v1/relay/chat/completions`, {
      method: "POST",
      headers: { [RELAY_HEADER]: header },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(declared.headers.get("connection")).toBe("close");
    expect(await declared.json()).toMatchObject({ error: { code: "body_too_large" } });

    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = httpRequest(`${url}/v1/relay/chat/completions`, {
        method: "POST",
        headers: { [RELAY_HEADER]: header, "transfer-encoding": "chunked" },
      });
      outgoing.on("response", (incoming) => {
        let body = "";
        incoming.on("data", (part) => {
          body += part;
        });
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body }));
      });
      outgoing.on("error", reject);
      for (let offset = 0; offset < big.length; offset += 512)
        outgoing.write(big.slice(offset, offset + 512));
      outgoing.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ error: { code: "body_too_large" } });
    await waitFor(() => inFlight.count === 0);
  });

  test("test_relay_stream_isPipedAsTheBackendYields_thenTheReceipt", async () => {
    const bodyText = chat({ stream: true });
    const { header } = await signed(bodyText);
    const response = await fetch(`${url}/v1/relay/chat/completions`, {
      method: "POST",
      headers: { [RELAY_HEADER]: header },
      body: bodyText,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    // The first chunk arrived while the backend is still holding the rest.
    expect(first).toContain('"content":"a"');
    expect(backendState.streamEnded).toBe(false);
    expect(inFlight.count).toBe(1);
    await waitFor(() => backendState.release !== undefined);
    backendState.release?.();
    let rest = "";
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      rest += new TextDecoder().decode(next.value);
    }
    expect(rest).toContain(": aviary-receipt ");
    expect(rest.endsWith("data: [DONE]\n\n")).toBe(true);
    await waitFor(() => inFlight.count === 0);
  });

  test("test_relay_clientGoesAwayMidStream_abortsTheBackend_andBillsNothing", async () => {
    const bodyText = chat({ stream: true });
    const { header, request } = await signed(bodyText);
    const before = (await collect()).length;
    const controller = new AbortController();
    const response = await fetch(`${url}/v1/relay/chat/completions`, {
      method: "POST",
      headers: { [RELAY_HEADER]: header },
      body: bodyText,
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await waitFor(() => backendState.signals[0]?.aborted === true);
    await waitFor(() => backendState.streamEnded);
    await waitFor(() => inFlight.count === 0);
    expect((await collect()).length).toBe(before);
    // The nonce was freed: the same relay may be retried.
    expect(nonces.take(session, relayKey({ domain, request }))).toBe(true);
  });

  test("test_relay_whileShuttingDown_is503_andOtherRoutesStayOnHono", async () => {
    accepting = false;
    const bodyText = chat();
    const { header } = await signed(bodyText);
    const refused = await fetch(`${url}/v1/relay/chat/completions`, {
      method: "POST",
      headers: { [RELAY_HEADER]: header },
      body: bodyText,
    });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: "shutting_down" } });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(503);
    accepting = true;
    const unknown = await fetch(`${url}/v1/relay/images`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "unknown_route" } });
    const wrongMethod = await fetch(`${url}/v1/relay/chat/completions`);
    expect(wrongMethod.status).toBe(404);
    const described = await fetch(`${url}/v1/supplier`);
    expect(described.status).toBe(200);
  });
});

async function collect() {
  const records = [];
  for await (const record of store.readSession(session)) records.push(record);
  return records;
}
