// The gateway checks supplier receipts under the one signature rule (protocol.md §4: 65 bytes r ‖ s ‖ v,
// v ∈ {27, 28}, s ≤ n/2): a receipt signed by the right operator but encoded with v = 0/1, or with the high
// s of the same signature, is refused as invalid, never stored (so never reconciled or reported). The
// supplier is a stand-in HTTP server that answers like a node and signs with the registered operator key.
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, startDevnet, token } from "@aviary/devnet";
import {
  decodeRelayHeader,
  encodeReceiptHeader,
  hashRelayRequest,
  RECEIPT_HEADER,
  RELAY_HEADER,
  signRelayReceipt,
} from "@aviary/protocol";
import { actor, type Clients, clients, devnetChainConfig, registry, setUpNetwork } from "@aviary/testkit";
import pino from "pino";
import { type Hex, hexToBytes, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../src/config/gatewayConfig.ts";
import { type GatewayNode, startGateway } from "../src/startGateway.ts";

/** secp256k1's group order n. */
const curveOrder = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

type Encoding = "canonical" | "v-0-1" | "high-s";

/** The same ECDSA signature (it recovers to the same signer) in an encoding the one rule allows or refuses. */
function encode(signature: Hex, encoding: Encoding): Hex {
  const bytes = hexToBytes(signature);
  const v = bytes[64] ?? 27;
  if (encoding === "v-0-1") bytes[64] = v - 27;
  if (encoding === "high-s") {
    const s = BigInt(toHex(bytes.subarray(32, 64)));
    bytes.set(hexToBytes(toHex(curveOrder - s, { size: 32 })), 32);
    bytes[64] = v === 27 ? 28 : 27;
  }
  return toHex(bytes);
}

let devnet: Devnet;
let c: Clients;
let supplierServer: Server;
let gateway: GatewayNode;
let apiKey: string;
let encoding: Encoding = "canonical";

beforeAll(async () => {
  devnet = await startDevnet({ home: mkdtempSync(join(tmpdir(), "aviary-receipt-rule-")), persist: false });
  c = clients(devnet);
  const owner = actor(devnet, "supplier-1");
  const gatewayActor = actor(devnet, "gateway");
  const application = actor(devnet, "application");
  const { session } = await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps: 1000,
    suppliers: [{ owner, operator: owner, inputPrice: 10n, outputPrice: 20n }],
    gateway: gatewayActor,
    applications: [{ actor: application, stake: token(1000), delegateTo: gatewayActor }],
  });
  const domain = c.domain;
  supplierServer = createServer((incoming, outgoing) => {
    // Discovery also reads GET /v1/supplier (declared capabilities): this supplier declares none.
    if (!incoming.url?.startsWith("/v1/relay/")) {
      outgoing.writeHead(404).end();
      return;
    }
    incoming.resume();
    incoming.on("end", async () => {
      const { request } = decodeRelayHeader(String(incoming.headers[RELAY_HEADER.toLowerCase()]));
      const body = new TextEncoder().encode(
        JSON.stringify({
          id: `chatcmpl-${request.nonce}`,
          object: "chat.completion",
          created: 0,
          model: "aviary-test-model-f32",
          choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
        }),
      );
      const receipt = {
        request: hashRelayRequest(request),
        responseHash: keccak256(body),
        inputUnits: 5n,
        outputUnits: 1n,
      };
      const signature = await signRelayReceipt({ domain, receipt, signer: owner.privateKey });
      outgoing.writeHead(200, {
        "content-type": "application/json",
        [RECEIPT_HEADER]: encodeReceiptHeader({ receipt, signature: encode(signature, encoding) }),
      });
      outgoing.end(body);
    });
  });
  await new Promise<void>((resolve) => supplierServer.listen(0, "127.0.0.1", resolve));
  await c.send(owner, {
    ...registry(c),
    functionName: "setSupplierEndpoint",
    args: [`http://127.0.0.1:${(supplierServer.address() as AddressInfo).port}`],
  });
  // A few blocks into the session: the gateway's lagging session is this one.
  await c.mineTo(session * 20n + 4n);
  gateway = await startGateway(
    parseGatewayConfig({
      chain: devnetChainConfig(devnet),
      gatewayKey: gatewayActor.privateKey,
      applications: [application.address],
      server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 0 },
      store: ":memory:",
      routing: { maxAttempts: 1 },
      defaultMaxTokens: 16,
    }),
    { logger: pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" }) },
  );
  apiKey = (await gateway.store.createKey({ name: "receipt-rule" })).key;
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise<void>((resolve) => (supplierServer ? supplierServer.close(() => resolve()) : resolve()));
  await devnet?.stop();
});

const chat = () =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "aviary-test-model-f32",
      messages: [{ role: "user", content: "Hello" }],
      max_tokens: 4,
    }),
  });

describe("the gateway's receipt check (one signature rule)", () => {
  it.each([
    "v-0-1",
    "high-s",
  ] as const)("refuses a receipt signed with %s and stores nothing", async (bad) => {
    encoding = bad;
    const response = await chat();
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("suppliers_unavailable");
    expect(await gateway.store.receiptsFor({})).toEqual([]);
    const usage = await gateway.store.usage({ limit: 10 });
    expect(usage.filter((record) => record.status === "ok")).toEqual([]);
  });

  it("accepts the canonical encoding of the same signature (v 27/28, low s) and keeps the receipt", async () => {
    encoding = "canonical";
    const response = await chat();
    expect(response.status).toBe(200);
    const receipts = await gateway.store.receiptsFor({});
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.receiptSignature).toMatch(/^0x[0-9a-f]{128}(1b|1c)$/);
  });
});
