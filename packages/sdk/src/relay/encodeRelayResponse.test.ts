import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { ReceiptInvalidError } from "../errors.ts";
import { encodeRelayResponse, type RelayStreamEnding } from "./encodeRelayResponse.ts";
import { plainRelayAnswer } from "./plainRelayAnswer.ts";
import type { RelayWithFailoverReturnType } from "./relayWithFailover.ts";
import type { VerifiedReceipt } from "./verifyRelayReceipt.ts";

const candidate = {
  address: "0x00000000000000000000000000000000000000aa" as Address,
  endpoint: "http://127.0.0.1:1",
  operator: "0x00000000000000000000000000000000000000bb" as Address,
};
const receipt = { encoded: "RECEIPT", cost: 5n, inputUnits: 1n, outputUnits: 2n } as VerifiedReceipt;

function streamed(payloads: string[], ending: "verified" | "broken") {
  async function* events() {
    for (const data of payloads.slice(1)) yield { data };
    if (ending === "broken")
      throw new ReceiptInvalidError({ reason: "response_hash_mismatch", supplier: candidate.address });
  }
  const receiptPromise =
    ending === "verified" ? Promise.resolve(receipt) : Promise.reject(new Error("no receipt"));
  receiptPromise.catch(() => {});
  return {
    kind: "stream",
    status: 200,
    firstEvent: { data: payloads[0] as string },
    events: events(),
    receipt: receiptPromise,
    cancel: () => {},
    candidate,
    request: {} as never,
    attempts: [],
  } as RelayWithFailoverReturnType<typeof candidate>;
}

describe("encodeRelayResponse", () => {
  it("test_encodeRelayResponse_json_bytesAsTheyAre_receiptHeaderOnRequest", async () => {
    const body = new TextEncoder().encode('{"id":"x"}');
    const result = {
      kind: "json",
      status: 200,
      body,
      json: {},
      receipt,
      candidate,
      request: {},
      attempts: [],
    } as never;
    const passed = encodeRelayResponse({ result, includeReceipt: true, headers: { "x-a": "1" } });
    expect(passed.headers.get("aviary-receipt")).toBe("RECEIPT");
    expect(passed.headers.get("x-a")).toBe("1");
    expect(await passed.text()).toBe('{"id":"x"}');
    expect(encodeRelayResponse({ result }).headers.get("aviary-receipt")).toBeNull();
    // The same answer as plain bytes for a socket writer: the same status, headers and the very bytes.
    const plain = plainRelayAnswer(
      encodeRelayResponse({ result, includeReceipt: true, headers: { "x-a": "1" } }),
    );
    expect(plain?.status).toBe(200);
    expect(plain?.body).toBe(body);
    const fromResponse: Record<string, string> = {};
    passed.headers.forEach((value, name) => {
      fromResponse[name] = value;
    });
    expect(
      Object.fromEntries(
        Object.entries(plain?.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
      ),
    ).toEqual(fromResponse);
    // A stream, or any other Response, has none: it is read as a Response.
    expect(plainRelayAnswer(encodeRelayResponse({ result: streamed(["a"], "verified") }))).toBeUndefined();
    expect(plainRelayAnswer(new Response("x"))).toBeUndefined();
  });

  it("test_encodeRelayResponse_verifiedStream_endsWithDoneAfterTheReceipt", async () => {
    const endings: RelayStreamEnding[] = [];
    const withReceipt = encodeRelayResponse({
      result: streamed(["a", "b\nc"], "verified"),
      includeReceipt: true,
      collectEvents: true,
      onStreamEnd: (ending) => endings.push(ending),
    });
    expect(await withReceipt.text()).toBe(
      "data: a\n\ndata: b\ndata: c\n\n: aviary-receipt RECEIPT\n\ndata: [DONE]\n\n",
    );
    expect(endings).toEqual([{ ok: true, receipt, events: ["a", "b\nc"] }]);
    const without = encodeRelayResponse({ result: streamed(["a"], "verified") });
    expect(await without.text()).toBe("data: a\n\ndata: [DONE]\n\n");
  });

  it("test_encodeRelayResponse_brokenStream_explicitErrorEventAndNoDone", async () => {
    const endings: RelayStreamEnding[] = [];
    const response = encodeRelayResponse({
      result: streamed(["a", "b"], "broken"),
      onStreamEnd: (ending) => endings.push(ending),
    });
    const text = await response.text();
    expect(text).toMatch(
      /^data: a\n\ndata: b\n\ndata: \{"error":\{[^\n]*"code":"receipt_invalid"[^\n]*\}\}\n\n$/,
    );
    expect(text).not.toContain("[DONE]");
    expect(endings[0]?.ok).toBe(false);
  });
});
