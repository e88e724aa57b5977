// The incremental SSE parser: chunk boundaries anywhere (inside CRLF, inside UTF-8 characters), comments with
// their byte offsets (what the receipt hash covers), CR / LF / CRLF line ends, and the spec's field rules.

import { seededRandom as prng } from "@aviary/protocol";
import { describe, expect, it } from "vitest";
import { createSseParser, type SseItem } from "../src/relay/createSseParser.ts";

const encoder = new TextEncoder();

function parseChunks(chunks: Uint8Array[]): SseItem[] {
  const parser = createSseParser();
  const items: SseItem[] = [];
  for (const chunk of chunks) items.push(...parser.push(chunk));
  items.push(...parser.end());
  return items;
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    chunks.push(bytes.slice(from, cut));
    from = cut;
  }
  chunks.push(bytes.slice(from));
  return chunks;
}

const supplierStream =
  'data: {"id":"a","choices":[{"delta":{"content":"héllo 🐦"}}]}\n\n' +
  ": keep-alive\n\n" +
  'data: {"id":"a","choices":[{"delta":{"content":" wörld"}}]}\n\n' +
  ": aviary-receipt AAAA_bbb-123\n\n" +
  "data: [DONE]\n\n";

describe("createSseParser", () => {
  it("parses data events and comments, with each comment's byte offset", () => {
    const bytes = encoder.encode(supplierStream);
    const items = parseChunks([bytes]);
    expect(items.map((item) => (item.type === "event" ? item.data : `:${item.text}`))).toEqual([
      '{"id":"a","choices":[{"delta":{"content":"héllo 🐦"}}]}',
      ":keep-alive",
      '{"id":"a","choices":[{"delta":{"content":" wörld"}}]}',
      ":aviary-receipt AAAA_bbb-123",
      "[DONE]",
    ]);
    const receipt = items.find((item) => item.type === "comment" && item.text.startsWith("aviary-receipt"));
    // The offset counts bytes, not characters (the stream has multi-byte characters before it).
    const expected = encoder.encode(
      supplierStream.slice(0, supplierStream.indexOf(": aviary-receipt")),
    ).length;
    expect(receipt).toMatchObject({ type: "comment", offset: expected });
  });

  it("gives the same items for every single split point and byte-at-a-time", () => {
    const bytes = encoder.encode(supplierStream);
    const whole = parseChunks([bytes]);
    for (let cut = 0; cut <= bytes.length; cut += 1)
      expect(parseChunks(splitAt(bytes, [cut]))).toEqual(whole);
    expect(parseChunks(Array.from(bytes, (byte) => Uint8Array.of(byte)))).toEqual(whole);
  });

  it("gives the same items for random chunkings (including empty chunks)", () => {
    const text = supplierStream.replaceAll("\n", "\r\n") + supplierStream.replaceAll("\n", "\r");
    const bytes = encoder.encode(text);
    const whole = parseChunks([bytes]);
    expect(whole.filter((item) => item.type === "event")).toHaveLength(6);
    const random = prng(7);
    for (let round = 0; round < 300; round += 1) {
      const cuts = Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
        Math.floor(random() * (bytes.length + 1)),
      );
      expect(parseChunks(splitAt(bytes, cuts))).toEqual(whole);
    }
  });

  it("treats CRLF, CR and LF alike, and a CRLF split across chunks as one line end", () => {
    const lf = parseChunks([encoder.encode("data: a\n\ndata: b\n\n")]);
    const crlf = parseChunks([encoder.encode("data: a\r\n\r\ndata: b\r\n\r\n")]);
    const cr = parseChunks([encoder.encode("data: a\r\rdata: b\r\r")]);
    expect(crlf).toEqual(lf);
    expect(cr).toEqual(lf);
    // "\r" | "\n\r\n": the LF right after a chunk-final CR is part of the same line end (not an empty line).
    const split = parseChunks([encoder.encode("data: a\r"), encoder.encode("\ndata: c\r\n\r\n")]);
    expect(split).toEqual([{ type: "event", data: "a\nc", event: undefined, id: undefined }]);
    // Offsets after CRLF line ends count both bytes.
    const items = parseChunks([encoder.encode("data: x\r\n\r\n: note\r\n")]);
    expect(items[1]).toEqual({ type: "comment", text: "note", offset: 11 });
  });

  it("joins multi-line data, reads event and id, ignores retry and unknown fields", () => {
    const items = parseChunks([
      encoder.encode("event: delta\nid: 7\nretry: 100\nfoo: bar\ndata: line 1\ndata:line 2\ndata\n\n"),
    ]);
    expect(items).toEqual([{ type: "event", data: "line 1\nline 2\n", event: "delta", id: "7" }]);
  });

  it("does not dispatch an event without data, nor an unterminated one at the end", () => {
    expect(parseChunks([encoder.encode("event: ping\n\n")])).toEqual([]);
    expect(parseChunks([encoder.encode("data: cut off\n")])).toEqual([]);
    expect(parseChunks([encoder.encode("data: cut off")])).toEqual([]);
  });

  it("skips a leading BOM, even split across chunks", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode("data: x\n\n")]);
    expect(parseChunks(splitAt(bytes, [1, 2]))).toEqual([
      { type: "event", data: "x", event: undefined, id: undefined },
    ]);
  });

  it("counts the bytes fed", () => {
    const parser = createSseParser();
    parser.push(encoder.encode("data: é"));
    parser.push(encoder.encode("\n\n"));
    expect(parser.bytes).toBe(10);
  });
});
