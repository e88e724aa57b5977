import { openAiError } from "@aviary/protocol";
import { relayErrorResponse } from "../relay/relayErrorResponse.ts";
import type { ResponseObject } from "./buildResponse.ts";
import { ResponsesUpstreamInvalidError } from "./errors.ts";
import type { ResponseItemMemory } from "./ResponseItemMemory.ts";
import { toChatCompletionRequest } from "./toChatCompletionRequest.ts";
import { toResponseEventStream } from "./toResponseEventStream.ts";
import { toResponseObject } from "./toResponseObject.ts";

export type RelayResponsesParameters = {
  /** The Responses request body exactly as the client sent it. */
  bytes: Uint8Array;
  /**
   * Runs the ordinary chat/completions relay for a body and answers as that route does: the chat.completion
   * JSON, its event stream, or an OpenAI error (the gateway's `handleRelay`, `createAviaryFetch`'s relay).
   * Keys, admission, signing, receipts and accounting are all that relay's: a Responses request is billed and
   * settled as the chat request it becomes.
   */
  relayChat: (chatBytes: Uint8Array) => Promise<Response>;
  /**
   * Where output items are kept for `item_reference`, and whose they are (the gateway: the API key id): a
   * finished response's items are remembered under `scope` unless the request says `store: false`, and a
   * request's `item_reference` items are resolved under `scope` only.
   * @default none: nothing is kept (`store: false` in every response), every `item_reference` is refused
   */
  items?: { memory: ResponseItemMemory; scope: string };
};
export type RelayResponsesReturnType = Response;

const encoder = new TextEncoder();

/**
 * `POST /v1/responses` over a chat/completions relay, for the gateway and `createAviaryFetch` alike: the
 * Responses request translated (`toChatCompletionRequest`; a field that cannot be honoured is a 400 naming
 * it, before any supplier is asked), relayed as chat, and the answer translated back (`toResponseObject`, or
 * `toResponseEventStream` for a stream, piped). The relay's headers (supplier, attempts, receipt) are kept.
 * A relay error keeps its status and OpenAI shape, its `param` renamed to the Responses field
 * (`max_tokens` → `max_output_tokens`, `messages` → `input`, `response_format` → `text.format`).
 * With `items`, a completed (or incomplete) response's output items are remembered, unless the request set
 * `store: false`: for a stream, as its last event is written, before the client can send the next turn.
 *
 * @param parameters - the request bytes, the chat relay to run, and the item memory.
 * @example
 * ```ts
 * const response = await relayResponses({
 *   bytes,
 *   relayChat: (chat) => handleRelay(context, "chat/completions", key, chat, signal),
 * });
 * ```
 */
export async function relayResponses({
  bytes,
  relayChat,
  items,
}: RelayResponsesParameters): Promise<RelayResponsesReturnType> {
  let translated: ReturnType<typeof toChatCompletionRequest>;
  try {
    translated = toChatCompletionRequest({
      bytes,
      ...(items ? { recallItem: (id: string) => items.memory.recall(items.scope, id) } : {}),
    });
  } catch (error) {
    return relayErrorResponse(error);
  }
  const { request } = translated;
  // OpenAI's default is `store: true`: absent means kept.
  const store = items !== undefined && request.store !== false;
  const remember = (response: ResponseObject) => {
    if (store) items.memory.remember(items.scope, response.output);
  };
  const chat = await relayChat(encoder.encode(JSON.stringify(translated.chat)));
  const headers: Record<string, string> = {};
  chat.headers.forEach((value, name) => {
    if (name !== "content-type" && name !== "content-length") headers[name] = value;
  });
  if (chat.status !== 200) return renameErrorParam(chat, headers);
  const contentType = chat.headers.get("content-type") ?? "";
  if (contentType.startsWith("text/event-stream") && chat.body) {
    return new Response(toResponseEventStream({ request, chat: chat.body, store, onFinished: remember }), {
      status: 200,
      headers: {
        ...headers,
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
      },
    });
  }
  let body: string;
  try {
    const response = toResponseObject({ request, completion: await chat.json(), store });
    remember(response);
    body = JSON.stringify(response);
  } catch (error) {
    const message =
      error instanceof ResponsesUpstreamInvalidError
        ? error.shortMessage
        : "The supplier's answer is not JSON.";
    return new Response(JSON.stringify(openAiError(502, "invalid_upstream_response", message)), {
      status: 502,
      headers: { ...headers, "content-type": "application/json" },
    });
  }
  return new Response(body, { status: 200, headers: { ...headers, "content-type": "application/json" } });
}

const renamedParams: [RegExp, string][] = [
  [/^messages(\.|$)/, "input$1"],
  [/^(max_tokens|max_completion_tokens)$/, "max_output_tokens"],
  [/^response_format(\.|$)/, "text.format$1"],
  [/^tools\.(\d+)\.function\./, "tools.$1."],
];

async function renameErrorParam(chat: Response, headers: Record<string, string>): Promise<Response> {
  const text = await chat.text();
  let body = text;
  try {
    const parsed = JSON.parse(text) as { error?: { param?: unknown } };
    const param = parsed.error?.param;
    if (typeof param === "string" && parsed.error) {
      // `messages.N` indexes differ from `input.N` (instructions, merged calls): only the field is named.
      let renamed = param;
      for (const [pattern, replacement] of renamedParams) renamed = renamed.replace(pattern, replacement);
      if (renamed.startsWith("input.")) renamed = "input";
      parsed.error.param = renamed;
      body = JSON.stringify(parsed);
    }
  } catch {
    // Not JSON: passed on as it came.
  }
  return new Response(body, {
    status: chat.status,
    headers: { ...headers, "content-type": chat.headers.get("content-type") ?? "application/json" },
  });
}
