// A scriptable supplier on loopback that speaks the relay transport (protocol.md §4) and signs real receipts
// with its own operator key: for the relay unit tests that are about HTTP behaviour, not inference.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeRelayHeader,
  encodeReceiptHeader,
  encodeRelayHeader,
  hashRelayRequest,
  RECEIPT_HEADER,
  RECEIPT_SSE_PREFIX,
  type RelayRequest,
  signRelayReceipt,
  signRelayRequest,
} from "@aviary/protocol";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

export const domain = {
  chainId: 31337,
  verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address,
};

export type FakeExchange = {
  request: RelayRequest;
  route: string;
  body: string;
  response: ServerResponse;
  /** Signs a receipt over `bytes` with the operator key; returns the encoded receipt. */
  receiptFor: (
    bytes: Uint8Array | string,
    units?: { inputUnits?: bigint; outputUnits?: bigint },
  ) => Promise<string>;
};
export type FakeBehavior = (exchange: FakeExchange) => void | Promise<void>;

export type FakeSupplier = {
  url: string;
  supplier: Address;
  operator: Address;
  operatorKey: Hex;
  requests: number;
  behavior: FakeBehavior;
  close: () => Promise<void>;
};

const encoder = new TextEncoder();

export async function startFakeSupplier(behavior: FakeBehavior): Promise<FakeSupplier> {
  const operatorKey = generatePrivateKey();
  const state: FakeSupplier = {
    url: "",
    supplier: privateKeyToAccount(generatePrivateKey()).address,
    operator: privateKeyToAccount(operatorKey).address,
    operatorKey,
    requests: 0,
    behavior,
    close: async () => {},
  };
  const server: Server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const parts: Buffer[] = [];
    incoming.on("data", (part: Buffer) => parts.push(part));
    incoming.on("end", async () => {
      state.requests += 1;
      const body = Buffer.concat(parts).toString("utf8");
      const { request } = decodeRelayHeader(String(incoming.headers["aviary-relay"] ?? ""));
      const receiptFor: FakeExchange["receiptFor"] = async (bytes, units = {}) => {
        const receipt = {
          request: hashRelayRequest(request),
          responseHash: keccak256(typeof bytes === "string" ? encoder.encode(bytes) : bytes),
          inputUnits: units.inputUnits ?? 3n,
          outputUnits: units.outputUnits ?? 2n,
        };
        const signature = await signRelayReceipt({ domain, receipt, signer: operatorKey });
        return encodeReceiptHeader({ receipt, signature });
      };
      try {
        await state.behavior({
          request,
          route: incoming.url?.replace("/v1/relay/", "") ?? "",
          body,
          response,
          receiptFor,
        });
      } catch (error) {
        response.destroy(error as Error);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

export const chatJson = (content = "hello") =>
  JSON.stringify({
    id: "x",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });

/** Answers a verified JSON body. */
export const answerJson =
  (content = "hello"): FakeBehavior =>
  async ({ response, receiptFor }) => {
    const text = chatJson(content);
    response.writeHead(200, { "content-type": "application/json", [RECEIPT_HEADER]: await receiptFor(text) });
    response.end(text);
  };

export const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })}\n\n`;

/** Answers a stream of `contents` with a receipt and [DONE], written in separate writes `delayMs` apart. */
export const answerStream =
  (
    contents: string[],
    options: {
      delayMs?: number;
      tamper?: boolean;
      skipReceipt?: boolean;
      cutAfter?: number;
      errorAfter?: number;
    } = {},
  ): FakeBehavior =>
  async ({ response, receiptFor }) => {
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
    let sent = "";
    for (const [index, content] of contents.entries()) {
      if (options.cutAfter !== undefined && index >= options.cutAfter) {
        response.destroy();
        return;
      }
      if (options.errorAfter !== undefined && index >= options.errorAfter) {
        response.end(
          `data: ${JSON.stringify({ error: { message: "backend died", type: "server_error", param: null, code: "backend_error" } })}\n\n`,
        );
        return;
      }
      const text = chunk(content);
      sent += text;
      response.write(options.tamper && index === 0 ? text.replace(content, `${content}!`) : text);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    }
    if (!options.skipReceipt) response.write(`${RECEIPT_SSE_PREFIX}${await receiptFor(sent)}\n\n`);
    response.end("data: [DONE]\n\n");
  };

/** Answers an OpenAI-shaped error. */
export const answerError =
  (status: number, code: string, message = code): FakeBehavior =>
  ({ response }) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { message, type: "server_error", param: null, code } }));
  };

let nonce = 1n;
/** Signs a relay for `supplier` as a fresh application would (a new nonce every call). */
export async function signedRelay(
  supplier: Pick<FakeSupplier, "supplier">,
  body: string,
  overrides: Partial<RelayRequest> = {},
): Promise<{ header: string; request: RelayRequest }> {
  nonce += 1n;
  const request: RelayRequest = {
    application: "0x1111111111111111111111111111111111111111",
    supplier: supplier.supplier,
    model: keccak256(toHex("fake-model")),
    session: 1n,
    nonce,
    bodyHash: keccak256(encoder.encode(body)),
    inputPrice: 10n,
    outputPrice: 20n,
    maxCost: 1000n,
    ...overrides,
  };
  const signature = await signRelayRequest({ domain, request, signer: applicationKey });
  return { header: encodeRelayHeader({ request, signature }), request };
}
const applicationKey = generatePrivateKey();
