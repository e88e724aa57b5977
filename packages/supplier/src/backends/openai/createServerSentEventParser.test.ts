import { describe, expect, test } from "vitest";
import { createServerSentEventParser, type ServerSentEvent } from "./createServerSentEventParser.ts";

function parseInPieces(text: string, size: number): ServerSentEvent[] {
  const parser = createServerSentEventParser();
  const events: ServerSentEvent[] = [];
  for (let index = 0; index < text.length; index += size)
    events.push(...parser.feed(text.slice(index, index + size)));
  events.push(...parser.end());
  return events;
}

describe("createServerSentEventParser", () => {
  const stream =
    '\uFEFFdata: {"a":1}\n\n' +
    ": a comment\r\n" +
    "event: update\r\nid: 7\r\ndata: first line\r\ndata:second line\r\n\r\n" +
    "retry: 1000\rdata: cr only\r\r" +
    "data\n\n" +
    "unknown: field\n\n" +
    "data: [DONE]";

  const expected: ServerSentEvent[] = [
    { data: '{"a":1}' },
    { data: "first line\nsecond line", event: "update", id: "7" },
    { data: "cr only", id: "7" },
    { data: "", id: "7" },
    { data: "[DONE]", id: "7" },
  ];

  test("parses fields, comments, multi-line data and every line ending", () => {
    expect(parseInPieces(stream, stream.length)).toEqual(expected);
  });

  test("gives the same events however the text is split (even inside \\r\\n)", () => {
    for (const size of [1, 2, 3, 5, 7, 13]) expect(parseInPieces(stream, size)).toEqual(expected);
  });

  test("ignores a blank line with no data and keeps an unterminated event for end()", () => {
    const parser = createServerSentEventParser();
    expect(parser.feed("\n\n\ndata: x")).toEqual([]);
    expect(parser.end()).toEqual([{ data: "x" }]);
    expect(parser.end()).toEqual([]);
  });
});
