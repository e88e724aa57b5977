// The failover rules shared by the SDK and the gateway, against scriptable suppliers: what is retried (connect
// errors, 5xx, refusals another supplier may not have, timeouts, invalid receipts: all before the first
// content), what is not (the client's mistakes), and that a stream broken after its first event surfaces.
import { afterEach, describe, expect, it } from "vitest";
import { RelayFailedError, StreamBrokenError } from "../src/errors.ts";
import { recordRelayAttempt } from "../src/relay/recordRelayAttempt.ts";
import { type RelayAttemptReport, relayWithFailover } from "../src/relay/relayWithFailover.ts";
import { SupplierStatsBook } from "../src/routing/index.ts";
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
const started: FakeSupplier[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((supplier) => supplier.close()));
});

async function suppliers(...behaviors: FakeBehavior[]) {
  const list = await Promise.all(behaviors.map((behavior) => startFakeSupplier(behavior)));
  started.push(...list);
  return list.map((supplier) => ({
    address: supplier.supplier,
    endpoint: supplier.url,
    operator: supplier.operator,
    fake: supplier,
  }));
}

async function relay(
  candidates: Awaited<ReturnType<typeof suppliers>>,
  extra: { maxAttempts?: number } = {},
) {
  const reports: RelayAttemptReport<(typeof candidates)[number]>[] = [];
  const nonces: bigint[] = [];
  const result = relayWithFailover({
    candidates,
    route: "chat/completions",
    body: encoder.encode(body),
    domain,
    signRelay: async (candidate) => {
      const signed = await signedRelay(candidate.fake, body);
      nonces.push(signed.request.nonce);
      return signed;
    },
    onAttempt: (report) => reports.push(report),
    firstByteTimeoutMs: 2_000,
    chunkTimeoutMs: 300,
    ...extra,
  });
  return { result, reports, nonces };
}

describe("relayWithFailover", () => {
  it("fails over a 500, then a refused connection, to a supplier that answers; a fresh nonce per attempt", async () => {
    const list = await suppliers(answerError(500, "internal_error"), answerJson(), answerJson("third"));
    await list[1]?.fake.close();
    const { result, reports, nonces } = await relay([list[0], list[1], list[2]] as typeof list);
    const answer = await result;
    expect(answer.kind).toBe("json");
    expect(answer.candidate.address).toBe(list[2]?.address);
    if (answer.kind === "json") expect(new TextDecoder().decode(answer.body)).toBe(chatJson("third"));
    expect(new Set(nonces).size).toBe(3);
    expect(
      reports.map((report) => (report.outcome.ok ? "ok" : report.outcome.classification.failureKind)),
    ).toEqual(["5xx", "connect", "ok"]);
    expect(answer.attempts).toHaveLength(3);
  });

  it("fails over an invalid receipt (not trusted) and charges it as bad-receipt", async () => {
    const tampered: FakeBehavior = async ({ response, receiptFor }) => {
      response.writeHead(200, {
        "content-type": "application/json",
        "aviary-receipt": await receiptFor(chatJson("real")),
      });
      response.end(chatJson("tampered"));
    };
    const list = await suppliers(tampered, answerJson("honest"));
    const { result, reports } = await relay(list);
    const answer = await result;
    expect(answer.candidate.address).toBe(list[1]?.address);
    const book = new SupplierStatsBook();
    for (const report of reports) recordRelayAttempt(book, report);
    expect(book.get(list[0]?.address ?? "")?.reputation).toBe(30);
    expect(book.get(list[1]?.address ?? "")?.reputation).toBe(81);
  });

  it("does not retry the client's mistake: the refusal is the answer", async () => {
    const list = await suppliers(answerError(400, "invalid_request", "messages: bad"), answerJson());
    const { result, reports } = await relay(list);
    const error = await result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RelayFailedError);
    expect(error).toMatchObject({ status: 400, code: "invalid_request" });
    expect(reports).toHaveLength(1);
    expect(list[1]?.fake.requests).toBe(0);
  });

  it("answers 503 when no supplier could be reached, 502 when they all failed, with every attempt", async () => {
    const down = await suppliers(answerJson(), answerJson());
    for (const supplier of down) await supplier.fake.close();
    const unreachable = await (await relay(down)).result.catch((caught: unknown) => caught);
    expect(unreachable).toMatchObject({ status: 503, code: "connection_error" });
    expect((unreachable as RelayFailedError).attempts).toHaveLength(2);

    const failing = await suppliers(answerError(500, "internal_error"), answerError(502, "backend_error"));
    const failed = await (await relay(failing)).result.catch((caught: unknown) => caught);
    expect(failed).toMatchObject({ status: 502, code: "backend_error" });
  });

  it("stops after maxAttempts", async () => {
    const list = await suppliers(
      answerError(503, "shutting_down"),
      answerError(503, "shutting_down"),
      answerJson(),
    );
    const failed = await (await relay(list, { maxAttempts: 2 })).result.catch((caught: unknown) => caught);
    expect(failed).toMatchObject({ status: 503, code: "shutting_down" });
    expect(list[2]?.fake.requests).toBe(0);
  });

  it("fails a stream over while nothing was sent: an error event or a cut before the first event", async () => {
    const list = await suppliers(
      answerStream(["a"], { errorAfter: 0 }),
      answerStream(["a"], { cutAfter: 0, delayMs: 10 }),
      answerStream(["x", "y"]),
    );
    const { result, reports } = await relay(list);
    const answer = await result;
    if (answer.kind !== "stream") throw new Error("expected a stream");
    expect(answer.candidate.address).toBe(list[2]?.address);
    expect(JSON.parse(answer.firstEvent?.data ?? "").choices[0].delta.content).toBe("x");
    const rest: string[] = [];
    for await (const event of answer.events) rest.push(JSON.parse(event.data).choices[0].delta.content);
    expect(rest).toEqual(["y"]);
    expect((await answer.receipt).outputUnits).toBe(2n);
    expect(reports.map((report) => report.outcome.ok)).toEqual([false, false, true]);
    const last = reports.at(-1);
    expect(last?.outcome.ok && last.outcome.ttftMs).toBeGreaterThan(0);
  });

  it("surfaces a stream broken after its first event as an error, with no failover", async () => {
    const list = await suppliers(
      answerStream(["a", "b", "c"], { cutAfter: 2, delayMs: 20 }),
      answerStream(["x"]),
    );
    const { result, reports } = await relay(list);
    const answer = await result;
    if (answer.kind !== "stream") throw new Error("expected a stream");
    const error = await (async () => {
      for await (const _event of answer.events);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StreamBrokenError);
    expect(list[1]?.fake.requests).toBe(0);
    const last = reports.at(-1);
    expect(last?.outcome).toMatchObject({
      ok: false,
      afterFirstEvent: true,
      classification: { failureKind: "stream-broken" },
    });
  });

  it("throws RelayFailedError without candidates", async () => {
    const error = await (await relay([])).result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "RelayFailedError", status: 503, code: "no_supplier_available" });
  });
});
