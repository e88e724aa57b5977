// Failover through createAviaryFetch with the openai client, against two real supplier nodes behind proxies a
// test can switch: connection refused, HTTP 500, and a body byte flipped so that the receipt no longer covers
// it (not trusted: retried elsewhere when not streamed; an explicit error, never [DONE], when streamed).

import {
  startTestNetwork,
  type TestNetwork,
  type TestSupplier,
  testModelName,
} from "@aviary/testkit/direct-network";
import OpenAI from "openai";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAviaryFetch } from "../src/createAviaryFetch.ts";
import type { SupplierCandidateInfo } from "../src/discovery/discoverSuppliers.ts";
import { ReceiptInvalidError } from "../src/errors.ts";
import type { RelayAttemptReport } from "../src/relay/relayWithFailover.ts";

let network: TestNetwork;
let first: TestSupplier;
let second: TestSupplier;

beforeAll(async () => {
  network = await startTestNetwork([
    { inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n },
    { inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n },
  ]);
  [first, second] = network.suppliers as [TestSupplier, TestSupplier];
});

afterEach(async () => {
  for (const supplier of network.suppliers) await supplier.proxy.setMode("pass");
});

afterAll(async () => {
  await network?.stop();
});

/** An openai client whose fetch tries `first` before `second`, and the attempts it reports. */
function client() {
  const reports: RelayAttemptReport<SupplierCandidateInfo>[] = [];
  const aviaryFetch = createAviaryFetch({
    account: privateKeyToAccount(network.application.privateKey),
    chain: network.chain,
    provider: { order: [first.owner.address, second.owner.address] },
    onAttempt: (report) => reports.push(report),
  });
  const openai = new OpenAI({
    apiKey: "unused",
    baseURL: "http://aviary.local/v1",
    fetch: aviaryFetch,
    maxRetries: 0,
  });
  const summary = () =>
    reports.map((report) => [
      report.candidate.address === first.owner.address ? "first" : "second",
      report.outcome.ok ? "ok" : report.outcome.failure.kind,
    ]);
  return { openai, reports, summary };
}

const chat = { model: testModelName, messages: [{ role: "user" as const, content: "Hello" }], max_tokens: 6 };

describe("failover", () => {
  it("a supplier that is down (connection refused): the request succeeds on the other", async () => {
    await first.proxy.setMode("down");
    const { openai, summary } = client();
    const { response, data } = await openai.chat.completions.create(chat).withResponse();
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get("aviary-supplier")).toBe(second.owner.address);
    expect(summary()).toEqual([
      ["first", "network"],
      ["second", "ok"],
    ]);
  });

  it("a supplier that answers 500: retried on the other", async () => {
    await first.proxy.setMode("error500");
    const { openai, summary } = client();
    const before = first.proxy.requests;
    const data = await openai.chat.completions.create(chat);
    expect(data.choices[0]?.message.content).toBeTypeOf("string");
    expect(first.proxy.requests).toBe(before + 1);
    expect(summary()).toEqual([
      ["first", "http"],
      ["second", "ok"],
    ]);
  });

  it("a streamed request whose first supplier answers 500 is failed over before its first byte", async () => {
    await first.proxy.setMode("error500");
    const { openai, summary } = client();
    const stream = await openai.chat.completions.create({ ...chat, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect(summary()).toEqual([
      ["first", "http"],
      ["second", "ok"],
    ]);
  });

  it("a tampered body: ReceiptInvalidError, answered by the other supplier, and the liar is not trusted again", async () => {
    await first.proxy.setMode("tamper");
    const { openai, reports, summary } = client();
    const { response } = await openai.chat.completions.create(chat).withResponse();
    expect(response.headers.get("aviary-supplier")).toBe(second.owner.address);
    expect(summary()).toEqual([
      ["first", "receipt-invalid"],
      ["second", "ok"],
    ]);
    const failed = reports[0]?.outcome;
    expect(failed?.ok === false && failed.error).toBeInstanceOf(ReceiptInvalidError);
    expect(failed?.ok === false && failed.error).toMatchObject({ reason: "response_hash_mismatch" });

    // Although `provider.order` puts it first, the same fetch does not send it the next request.
    await first.proxy.setMode("pass");
    const before = first.proxy.requests;
    await openai.chat.completions.create(chat);
    expect(first.proxy.requests).toBe(before);
    expect(summary().at(-1)).toEqual(["second", "ok"]);
  });

  it("a tampered stream: the chunks arrive, then an explicit error instead of [DONE]", async () => {
    await first.proxy.setMode("tamper");
    const { openai, summary } = client();
    const stream = await openai.chat.completions.create({ ...chat, stream: true });
    const chunks: unknown[] = [];
    const error = await (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })().catch((caught: unknown) => caught);
    expect(chunks.length).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ code: "receipt_invalid" });
    expect(summary()).toEqual([["first", "receipt-invalid"]]);

    // The raw bytes: no [DONE] after the error event.
    await first.proxy.setMode("tamper");
    const raw = await client()
      .openai.chat.completions.create({ ...chat, stream: true })
      .asResponse();
    const text = await raw.text();
    expect(text).toMatch(/data: \{"error":\{[^\n]*"code":"receipt_invalid"[^\n]*\}\}\n\n$/);
    expect(text).not.toContain("[DONE]");
  });

  it("every supplier down: 503", async () => {
    await first.proxy.setMode("down");
    await second.proxy.setMode("down");
    const { openai } = client();
    const error = await openai.chat.completions.create(chat).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 503, code: "connection_error" });
  });
});
