import { z } from "zod";
import { createSseParser, type SseItem } from "../relay/createSseParser.ts";
import {
  buildResponse,
  type ResponseFunctionCall,
  type ResponseObject,
  type ResponseOutputItem,
  type ResponseOutputMessage,
  type ResponseUsage,
  responseItemId,
  toResponseUsage,
} from "./buildResponse.ts";
import type { ResponsesRequest } from "./toChatCompletionRequest.ts";
import { chatUsageSchema, incompleteDetailsOf, statusOf } from "./toResponseObject.ts";

/** `chat.completion.chunk` as far as the translation reads it. */
const chatChunkSchema = z
  .object({
    choices: z
      .array(
        z
          .object({
            finish_reason: z.string().nullish(),
            delta: z
              .object({
                content: z.string().nullish(),
                refusal: z.string().nullish(),
                tool_calls: z
                  .array(
                    z
                      .object({
                        index: z.number().int().nonnegative().optional(),
                        id: z.string().nullish(),
                        function: z
                          .object({ name: z.string().nullish(), arguments: z.string().nullish() })
                          .passthrough()
                          .nullish(),
                      })
                      .passthrough(),
                  )
                  .nullish(),
              })
              .passthrough()
              .nullish(),
          })
          .passthrough(),
      )
      .optional(),
    usage: chatUsageSchema.nullish(),
  })
  .passthrough();

const chatErrorSchema = z.object({
  error: z.object({ code: z.string().nullish(), message: z.string() }).passthrough(),
});

export type ToResponseEventStreamParameters = {
  request: ResponsesRequest;
  /**
   * The chat relay's event stream, as `encodeRelayResponse` writes it: `chat.completion.chunk` data events,
   * comments (the receipt), then `data: [DONE]` once the receipt verified, or a `data: {"error": …}` event.
   */
  chat: ReadableStream<Uint8Array>;
  /** @default a fresh `resp_…` */
  id?: string;
  /** Unix time, seconds. @default now */
  createdAt?: number;
  /** The response's `store`: whether its output items will be kept for `item_reference`. @default false */
  store?: boolean;
  /**
   * Called once with the final response (completed or incomplete, its items finished) just before its last
   * event is written: where `relayResponses` remembers the items. Not called for a failed or cancelled stream.
   */
  onFinished?: (response: ResponseObject) => void;
};
export type ToResponseEventStreamReturnType = ReadableStream<Uint8Array>;

/** The open message item: its one content part is text or, when the model refused, a refusal. */
type OpenText = {
  kind: "text";
  part: "output_text" | "refusal";
  outputIndex: number;
  item: ResponseOutputMessage;
  text: string;
};
type OpenCall = { kind: "call"; outputIndex: number; item: ResponseFunctionCall };

const encoder = new TextEncoder();

/**
 * Re-encodes a chat/completions event stream as the Responses API's streamed events, piped as chunks arrive:
 * `response.created`, `response.in_progress`; per text `response.output_item.added`,
 * `response.content_part.added`, `response.output_text.delta`…, `response.output_text.done`,
 * `response.content_part.done`, `response.output_item.done`; per tool call `response.output_item.added`,
 * `response.function_call_arguments.delta`…, `response.function_call_arguments.done`,
 * `response.output_item.done` (a refusal: `response.refusal.delta`… and `response.refusal.done` in a
 * `refusal` part); and last `response.completed` (or `response.incomplete` when the output
 * limit cut it) with the full response and its usage. That last event is written only when the chat stream
 * sent `[DONE]`, which it does only once the supplier's receipt verified: a stream that breaks (or whose
 * receipt is bad) ends with `response.failed` instead, never with a clean end. Comments (the receipt) are
 * passed on. Cancelling the returned stream cancels the chat stream.
 *
 * @param parameters - the Responses request and the chat event stream.
 * @example
 * ```ts
 * const events = toResponseEventStream({ request, chat: chatResponse.body });
 * return new Response(events, { headers: { "content-type": "text/event-stream" } });
 * ```
 */
export function toResponseEventStream(
  parameters: ToResponseEventStreamParameters,
): ToResponseEventStreamReturnType {
  const { request } = parameters;
  const id = parameters.id ?? responseItemId("resp");
  const createdAt = parameters.createdAt ?? Math.floor(Date.now() / 1000);
  const reader = parameters.chat.getReader();
  const parser = createSseParser();
  const output: ResponseOutputItem[] = [];
  const calls = new Map<number, OpenCall>();
  let open: OpenText | OpenCall | undefined;
  let sequence = 0;
  let finishReason: string | null | undefined;
  let usage: ResponseUsage | null = null;
  let finished = false;
  // Set when the chat stream sent something unreadable: it is cancelled (an error event or `[DONE]` already
  // ended it; cancelling those would report a client disconnect).
  let abandon = false;
  let chunks: Uint8Array[] = [];

  const emit = (type: string, payload: Record<string, unknown>) => {
    const data = JSON.stringify({ type, sequence_number: sequence++, ...payload });
    chunks.push(encoder.encode(`event: ${type}\ndata: ${data}\n\n`));
  };
  const response = (status: ResponseObject["status"], extra: Partial<ResponseObject> = {}) => ({
    ...buildResponse({
      request,
      id,
      createdAt,
      status,
      output: status === "in_progress" ? [] : output,
      usage: status === "in_progress" ? null : usage,
      store: parameters.store ?? false,
    }),
    ...extra,
  });

  const openText = (part: OpenText["part"]): OpenText => {
    const item: ResponseOutputMessage = {
      type: "message",
      id: responseItemId("msg"),
      status: "in_progress",
      role: "assistant",
      content: [],
    };
    const text: OpenText = { kind: "text", part, outputIndex: output.length, item, text: "" };
    output.push(item);
    emit("response.output_item.added", { output_index: text.outputIndex, item: { ...item, content: [] } });
    emit("response.content_part.added", {
      item_id: item.id,
      output_index: text.outputIndex,
      content_index: 0,
      part: partOf(part, ""),
    });
    return text;
  };

  const close = (status: "completed" | "incomplete") => {
    const current = open;
    open = undefined;
    if (!current) return;
    const { outputIndex, item } = current;
    if (current.kind === "text") {
      const part = partOf(current.part, current.text);
      if (current.part === "refusal") {
        emit("response.refusal.done", {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          refusal: current.text,
        });
      } else {
        emit("response.output_text.done", {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          text: current.text,
          logprobs: [],
        });
      }
      emit("response.content_part.done", {
        item_id: item.id,
        output_index: outputIndex,
        content_index: 0,
        part,
      });
      current.item.content = [part];
    } else {
      emit("response.function_call_arguments.done", {
        item_id: item.id,
        output_index: outputIndex,
        name: current.item.name,
        arguments: current.item.arguments,
      });
    }
    item.status = status;
    emit("response.output_item.done", { output_index: outputIndex, item: { ...item } });
  };

  const onChunk = (chunk: z.output<typeof chatChunkSchema>) => {
    if (chunk.usage) usage = toResponseUsage(chunk.usage);
    // n is 1 on every Aviary relay: the first choice is the answer.
    const choice = chunk.choices?.[0];
    if (!choice) return;
    if (choice.finish_reason) finishReason = choice.finish_reason;
    for (const part of ["output_text", "refusal"] as const) {
      const delta = part === "output_text" ? choice.delta?.content : choice.delta?.refusal;
      if (!delta) continue;
      if (open?.kind !== "text" || open.part !== part) {
        close("completed");
        open = openText(part);
      }
      const text = open as OpenText;
      text.text += delta;
      const position = { item_id: text.item.id, output_index: text.outputIndex, content_index: 0, delta };
      if (part === "refusal") emit("response.refusal.delta", position);
      else emit("response.output_text.delta", { ...position, logprobs: [] });
    }
    for (const delta of choice.delta?.tool_calls ?? []) {
      const index = delta.index ?? 0;
      let call = calls.get(index);
      if (!call) {
        close("completed");
        const item: ResponseFunctionCall = {
          type: "function_call",
          id: responseItemId("fc"),
          call_id: delta.id ?? `call_${crypto.randomUUID().replaceAll("-", "")}`,
          name: delta.function?.name ?? "",
          arguments: "",
          status: "in_progress",
        };
        call = { kind: "call", outputIndex: output.length, item };
        output.push(item);
        calls.set(index, call);
        open = call;
        emit("response.output_item.added", { output_index: call.outputIndex, item: { ...item } });
      } else if (!call.item.name && delta.function?.name) call.item.name = delta.function.name;
      const argumentsDelta = delta.function?.arguments;
      if (argumentsDelta) {
        call.item.arguments += argumentsDelta;
        emit("response.function_call_arguments.delta", {
          item_id: call.item.id,
          output_index: call.outputIndex,
          delta: argumentsDelta,
        });
      }
    }
  };

  const complete = () => {
    finished = true;
    // An empty generation still answers one (empty) message, as the non-streamed translation does.
    if (output.length === 0) open = openText("output_text");
    const status = statusOf(finishReason);
    close(status === "incomplete" ? "incomplete" : "completed");
    const final = response(status, { incomplete_details: incompleteDetailsOf(finishReason) });
    parameters.onFinished?.(final);
    emit(status === "incomplete" ? "response.incomplete" : "response.completed", { response: final });
  };

  const fail = (code: string, message: string) => {
    finished = true;
    emit("response.failed", { response: response("failed", { error: { code, message } }) });
  };

  const onItem = (item: SseItem) => {
    if (item.type === "comment") {
      chunks.push(encoder.encode(`: ${item.text}\n\n`));
      return;
    }
    if (item.data === "[DONE]") {
      complete();
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(item.data);
    } catch {
      abandon = true;
      fail("invalid_upstream_response", "The supplier's stream sent an event that is not JSON.");
      return;
    }
    const error = chatErrorSchema.safeParse(json);
    if (error.success) {
      fail(error.data.error.code ?? "stream_broken", error.data.error.message);
      return;
    }
    const chunk = chatChunkSchema.safeParse(json);
    if (!chunk.success) {
      abandon = true;
      fail(
        "invalid_upstream_response",
        "The supplier's stream sent an event that is not a chat.completion.chunk.",
      );
      return;
    }
    onChunk(chunk.data);
  };

  const flush = (controller: ReadableStreamDefaultController<Uint8Array>): boolean => {
    if (chunks.length === 0) return false;
    for (const chunk of chunks) controller.enqueue(chunk);
    chunks = [];
    return true;
  };

  emit("response.created", { response: response("in_progress") });
  emit("response.in_progress", { response: response("in_progress") });

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (finished) {
          flush(controller);
          controller.close();
          return;
        }
        if (flush(controller)) return;
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (error) {
          fail("stream_broken", `The relay's stream broke: ${(error as Error).message ?? String(error)}`);
          continue;
        }
        for (const item of next.done ? parser.end() : parser.push(next.value)) {
          onItem(item);
          if (finished) break;
        }
        if (next.done && !finished) fail("stream_broken", "The relay's stream ended before it completed.");
        if (abandon && !next.done) void reader.cancel(new Error("unreadable chat stream")).catch(() => {});
      }
    },
    async cancel(reason) {
      finished = true;
      await reader.cancel(reason);
    },
  });
}

function partOf(part: OpenText["part"], text: string): ResponseOutputMessage["content"][number] {
  return part === "refusal"
    ? { type: "refusal", refusal: text }
    : { type: "output_text", text, annotations: [], logprobs: [] };
}
