// One relay attempt against a scriptable supplier: receipts verified against the exact bytes, refusals parsed,
// timeouts before the first byte and between chunks, and streams that must end with a receipt and [DONE].
import { RECEIPT_HEADER, RECEIPT_SSE_PREFIX } from "@aviary/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { ReceiptInvalidError, RelayAttemptError, StreamBrokenError } from "../src/errors.ts";
import { type SendRelayAttemptParameters, sendRelayAttempt } from "../src/relay/sendRelayAttempt.ts";
import {
  answerError,
  answerJson,
  answerStream,
  chatJson,
  domain,
  type FakeBehavior,
  type FakeSupplier,
  signedRelay,
  startFakeSupplier,
} from "./utils/fakeSupplier.ts";

const encoder = new TextEncoder();
const body = JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "hi" }] });
let supplier: FakeSupplier | undefined;

afterEach(async () => {
  await supplier?.close();
  supplier = undefined;
});

async function attempt(behavior: FakeBehavior, overrides: Partial<SendRelayAttemptParameters> = {}) {
  supplier = await startFakeSupplier(behavior);
  const { header, request } = await signedRelay(supplier, body);
  return sendRelayAttempt({
    endpoint: supplier.url,
    route: "chat/completions",
    body: encoder.encode(body),
    header,
    request,
    operator: supplier.operator,
    domain,
    ...overrides,
  });
}

async function collect(events: AsyncIterable<{ data: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const event of events) out.push(event.data);
  return out;
}

describe("sendRelayAttempt: JSON answers", () => {
  it("returns the exact bytes, the parsed body and the verified receipt with its cost", async () => {
    const result = await attempt(answerJson("hello"));
    expect(result.kind).toBe("json");
    if (result.kind !== "json") return;
    expect(new TextDecoder().decode(result.body)).toBe(chatJson("hello"));
    expect(result.json).toMatchObject({ object: "chat.completion" });
    expect(result.receipt).toMatchObject({ inputUnits: 3n, outputUnits: 2n, cost: 3n * 10n + 2n * 20n });
  });

  it("rejects a body that is not what the receipt covers", async () => {
    const tampered: FakeBehavior = async ({ response, receiptFor }) => {
      response.writeHead(200, {
        "content-type": "application/json",
        [RECEIPT_HEADER]: await receiptFor(chatJson("a")),
      });
      response.end(chatJson("b"));
    };
    await expect(attempt(tampered)).rejects.toMatchObject({
      name: "ReceiptInvalidError",
      reason: "response_hash_mismatch",
    });
  });

  it("rejects a missing receipt, one signed by someone else, and one above maxCost", async () => {
    const missing: FakeBehavior = ({ response }) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(chatJson());
    };
    await expect(attempt(missing)).rejects.toMatchObject({ reason: "missing" });
    await supplier?.close();
    await expect(
      attempt(answerJson(), { operator: "0x2222222222222222222222222222222222222222" }),
    ).rejects.toMatchObject({ reason: "wrong_signer" });
    await supplier?.close();
    const expensive: FakeBehavior = async ({ response, receiptFor }) => {
      const text = chatJson();
      response.writeHead(200, {
        "content-type": "application/json",
        [RECEIPT_HEADER]: await receiptFor(text, { outputUnits: 1000n }),
      });
      response.end(text);
    };
    const error = await attempt(expensive).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReceiptInvalidError);
    expect(error).toMatchObject({ reason: "over_max_cost", isRetryable: true });
  });

  it("parses refusals into status, code and message", async () => {
    const error = await attempt(answerError(409, "replayed_nonce", "already served")).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RelayAttemptError);
    expect(error).toMatchObject({
      kind: "http",
      status: 409,
      code: "replayed_nonce",
      supplierMessage: "already served",
    });
    await supplier?.close();
    const garbage: FakeBehavior = ({ response }) => {
      response.writeHead(500);
      response.end("<html>oops</html>");
    };
    await expect(attempt(garbage)).rejects.toMatchObject({
      kind: "http",
      status: 500,
      code: "http_500",
      isRetryable: true,
    });
  });

  it("reports a refused connection as a network error", async () => {
    supplier = await startFakeSupplier(answerJson());
    const { header, request } = await signedRelay(supplier, body);
    const url = supplier.url;
    await supplier.close();
    const error = await sendRelayAttempt({
      endpoint: url,
      route: "chat/completions",
      body: encoder.encode(body),
      header,
      request,
      operator: supplier.operator,
      domain,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: "RelayAttemptError",
      kind: "network",
      networkCode: "ECONNREFUSED",
      isRetryable: true,
    });
  });

  it("times out when no response comes in time", async () => {
    const silent: FakeBehavior = () => {};
    const started = Date.now();
    await expect(attempt(silent, { firstByteTimeoutMs: 150 })).rejects.toMatchObject({ kind: "timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("sendRelayAttempt: streams", () => {
  it("yields the data events in order and verifies the receipt over every byte before it", async () => {
    const result = await attempt(answerStream(["a", "b", "c"], { delayMs: 5 }));
    expect(result.kind).toBe("stream");
    if (result.kind !== "stream") return;
    const events = await collect(result.events);
    expect(events.map((data) => JSON.parse(data).choices[0].delta.content)).toEqual(["a", "b", "c"]);
    expect((await result.receipt).cost).toBe(70n);
  });

  it("rejects a stream whose bytes differ from what the receipt covers: events throw, receipt rejects", async () => {
    const result = await attempt(answerStream(["a", "b"], { tamper: true }));
    if (result.kind !== "stream") throw new Error("expected a stream");
    await expect(collect(result.events)).rejects.toMatchObject({
      name: "ReceiptInvalidError",
      reason: "response_hash_mismatch",
    });
    await expect(result.receipt).rejects.toBeInstanceOf(ReceiptInvalidError);
  });

  it("rejects [DONE] without a receipt", async () => {
    const result = await attempt(answerStream(["a"], { skipReceipt: true }));
    if (result.kind !== "stream") throw new Error("expected a stream");
    await expect(collect(result.events)).rejects.toMatchObject({ reason: "missing" });
  });

  it("rejects an event after the receipt (not covered by it)", async () => {
    const late: FakeBehavior = async ({ response, receiptFor }) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      const first = 'data: {"a":1}\n\n';
      response.write(first);
      response.write(`${RECEIPT_SSE_PREFIX}${await receiptFor(first)}\n\n`);
      response.end('data: {"smuggled":true}\n\ndata: [DONE]\n\n');
    };
    const result = await attempt(late);
    if (result.kind !== "stream") throw new Error("expected a stream");
    await expect(collect(result.events)).rejects.toMatchObject({
      name: "ReceiptInvalidError",
      reason: "malformed",
    });
  });

  it("a stream cut without [DONE] throws StreamBrokenError (never a clean end)", async () => {
    const result = await attempt(answerStream(["a", "b", "c"], { cutAfter: 2, delayMs: 20 }));
    if (result.kind !== "stream") throw new Error("expected a stream");
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of result.events) seen.push(event.data);
    })().catch((caught: unknown) => caught);
    expect(seen).toHaveLength(2);
    expect(error).toBeInstanceOf(StreamBrokenError);
    await expect(result.receipt).rejects.toBeInstanceOf(StreamBrokenError);
  });

  it("an error event throws StreamBrokenError with the supplier's code", async () => {
    const result = await attempt(answerStream(["a", "b"], { errorAfter: 1 }));
    if (result.kind !== "stream") throw new Error("expected a stream");
    await expect(collect(result.events)).rejects.toMatchObject({
      reason: "error_event",
      code: "backend_error",
    });
  });

  it("times out between chunks", async () => {
    const result = await attempt(answerStream(["a", "b"], { delayMs: 400 }), { chunkTimeoutMs: 100 });
    if (result.kind !== "stream") throw new Error("expected a stream");
    await expect(collect(result.events)).rejects.toMatchObject({
      name: "StreamBrokenError",
      reason: "timeout",
    });
  });

  it("cancel() closes the supplier's stream and rejects the receipt", async () => {
    const result = await attempt(answerStream(["a", "b", "c"], { delayMs: 200 }));
    if (result.kind !== "stream") throw new Error("expected a stream");
    result.cancel();
    await expect(result.receipt).rejects.toMatchObject({ name: "RelayAbortedError" });
  });
});
