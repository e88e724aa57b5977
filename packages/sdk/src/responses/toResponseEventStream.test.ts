import { describe, expect, it } from "vitest";
import { createSseParser } from "../relay/createSseParser.ts";
import { toChatCompletionRequest } from "./toChatCompletionRequest.ts";
import { toResponseEventStream } from "./toResponseEventStream.ts";

const encoder = new TextEncoder();
const request = toChatCompletionRequest({
  bytes: encoder.encode(JSON.stringify({ model: "m", input: "x", stream: true })),
}).request;

/** A chat relay stream as `encodeRelayResponse` writes it, cut into small chunks anywhere. */
function chatStream(
  payloads: (string | Record<string, unknown>)[],
  tail = ": aviary-receipt abc\n\ndata: [DONE]\n\n",
) {
  const text =
    payloads
      .map((payload) => `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`)
      .join("") + tail;
  const bytes = encoder.encode(text);
  let offset = 0;
  let cancelled: unknown;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 7));
      offset += 7;
    },
    cancel(reason) {
      cancelled = reason ?? true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

type Event = {
  event: string | undefined;
  data: Record<string, unknown> & { type: string; sequence_number: number };
};

async function readEvents(
  stream: ReadableStream<Uint8Array>,
): Promise<{ events: Event[]; comments: string[] }> {
  const parser = createSseParser();
  const events: Event[] = [];
  const comments: string[] = [];
  const reader = stream.getReader();
  for (;;) {
    const next = await reader.read();
    for (const item of next.done ? parser.end() : parser.push(next.value)) {
      if (item.type === "comment") comments.push(item.text);
      else events.push({ event: item.event, data: JSON.parse(item.data) });
    }
    if (next.done) return { events, comments };
  }
}

const chunk = (delta: Record<string, unknown>, finish_reason: string | null = null) => ({
  object: "chat.completion.chunk",
  choices: [{ index: 0, delta, finish_reason }],
});
const usageChunk = {
  object: "chat.completion.chunk",
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
};

describe("toResponseEventStream", () => {
  it("test_toResponseEventStream_text_eventsInOrderThenCompletedWithUsage", async () => {
    const { stream } = chatStream([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({}, "stop"),
      usageChunk,
    ]);
    const { events, comments } = await readEvents(toResponseEventStream({ request, chat: stream }));
    expect(events.map((event) => event.data.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    for (const event of events) expect(event.event).toBe(event.data.type);
    expect(events.map((event) => event.data.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events[0]?.data.response).toMatchObject({ status: "in_progress", output: [], usage: null });
    const itemId = (events[2]?.data.item as { id: string }).id;
    expect(events[4]?.data).toMatchObject({
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      delta: "Hel",
    });
    expect(events[6]?.data).toMatchObject({ text: "Hello" });
    expect(events[8]?.data.item).toMatchObject({
      status: "completed",
      content: [{ type: "output_text", text: "Hello" }],
    });
    const completed = events[9]?.data.response as Record<string, unknown>;
    expect(completed).toMatchObject({
      id: (events[0]?.data.response as { id: string }).id,
      status: "completed",
      output: [{ type: "message", id: itemId, content: [{ text: "Hello" }] }],
      usage: { input_tokens: 5, output_tokens: 3, total_tokens: 8 },
    });
    expect(comments).toEqual(["aviary-receipt abc"]);
  });

  it("test_toResponseEventStream_toolCalls_argumentDeltasPerItem", async () => {
    const { stream } = chatStream([
      chunk({
        role: "assistant",
        content: null,
        tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "f", arguments: "" } }],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
      chunk({
        tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "g", arguments: "{}" } }],
      }),
      chunk({}, "tool_calls"),
      usageChunk,
    ]);
    const { events } = await readEvents(toResponseEventStream({ request, chat: stream }));
    expect(events.map((event) => event.data.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events[2]?.data).toMatchObject({
      output_index: 0,
      item: { type: "function_call", call_id: "call_a", name: "f", arguments: "", status: "in_progress" },
    });
    expect(events[5]?.data).toMatchObject({ output_index: 0, name: "f", arguments: '{"a":1}' });
    expect(events[7]?.data).toMatchObject({ output_index: 1, item: { call_id: "call_b", name: "g" } });
    expect((events[11]?.data.response as { output: unknown[] }).output).toEqual([
      expect.objectContaining({
        type: "function_call",
        call_id: "call_a",
        arguments: '{"a":1}',
        status: "completed",
      }),
      expect.objectContaining({
        type: "function_call",
        call_id: "call_b",
        arguments: "{}",
        status: "completed",
      }),
    ]);
  });

  it("test_toResponseEventStream_length_incompleteEvent", async () => {
    const { stream } = chatStream([chunk({ content: "abc" }), chunk({}, "length"), usageChunk]);
    const { events } = await readEvents(toResponseEventStream({ request, chat: stream }));
    const last = events.at(-1)?.data;
    expect(last?.type).toBe("response.incomplete");
    expect(last?.response).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
    });
  });

  it("test_toResponseEventStream_errorEvent_failedNeverCompleted", async () => {
    const { stream } = chatStream(
      [chunk({ content: "abc" })],
      `data: ${JSON.stringify({ error: { message: "bad receipt", type: "server_error", param: null, code: "receipt_invalid" } })}\n\n`,
    );
    const { events } = await readEvents(toResponseEventStream({ request, chat: stream }));
    const types = events.map((event) => event.data.type);
    expect(types).not.toContain("response.completed");
    expect(events.at(-1)?.data).toMatchObject({
      type: "response.failed",
      response: { status: "failed", error: { code: "receipt_invalid", message: "bad receipt" } },
    });
  });

  it("test_toResponseEventStream_endWithoutDone_failed", async () => {
    const { stream } = chatStream([chunk({ content: "abc" })], "");
    const { events } = await readEvents(toResponseEventStream({ request, chat: stream }));
    expect(events.at(-1)?.data).toMatchObject({
      type: "response.failed",
      response: { error: { code: "stream_broken" } },
    });
  });

  it("test_toResponseEventStream_unreadableEvent_failedAndChatCancelled", async () => {
    const chat = chatStream(["not json", chunk({ content: "later" })]);
    const { events } = await readEvents(toResponseEventStream({ request, chat: chat.stream }));
    expect(events.at(-1)?.data).toMatchObject({
      type: "response.failed",
      response: { error: { code: "invalid_upstream_response" } },
    });
    expect(chat.cancelled()).toBeDefined();
  });

  it("test_toResponseEventStream_cancel_cancelsTheChatStream", async () => {
    const chat = chatStream([chunk({ content: "abc" }), chunk({ content: "def" })]);
    const reader = toResponseEventStream({ request, chat: chat.stream }).getReader();
    await reader.read();
    await reader.cancel(new Error("client left"));
    expect(chat.cancelled()).toBeInstanceOf(Error);
  });

  it("test_toResponseEventStream_refusal_refusalPartEvents", async () => {
    const { stream } = chatStream([
      chunk({ refusal: "I can" }),
      chunk({ refusal: "not." }),
      chunk({}, "stop"),
      usageChunk,
    ]);
    const { events } = await readEvents(toResponseEventStream({ request, chat: stream }));
    expect(events.map((event) => event.data.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.refusal.delta",
      "response.refusal.delta",
      "response.refusal.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events[3]?.data.part).toEqual({ type: "refusal", refusal: "" });
    expect(events[6]?.data).toMatchObject({ refusal: "I cannot." });
    expect((events[9]?.data.response as { output: unknown[] }).output).toEqual([
      expect.objectContaining({ content: [{ type: "refusal", refusal: "I cannot." }] }),
    ]);
  });

  it("test_toResponseEventStream_emptyGeneration_oneEmptyMessage", async () => {
    const { stream } = chatStream([chunk({}, "stop"), usageChunk]);
    const { events } = await readEvents(toResponseEventStream({ request, chat: stream }));
    expect(events.map((event) => event.data.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
  });
});
