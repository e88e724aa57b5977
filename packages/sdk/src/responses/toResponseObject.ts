import { z } from "zod";
import {
  buildResponse,
  type ResponseObject,
  type ResponseOutputItem,
  type ResponseStatus,
  responseItemId,
  toResponseUsage,
} from "./buildResponse.ts";
import { ResponsesUpstreamInvalidError } from "./errors.ts";
import type { ResponsesRequest } from "./toChatCompletionRequest.ts";

const chatUsage = z
  .object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
    total_tokens: z.number().int().nonnegative().optional(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().optional() }).passthrough().nullish(),
  })
  .passthrough();

const chatToolCall = z
  .object({
    id: z.string(),
    type: z.literal("function").optional(),
    function: z.object({ name: z.string(), arguments: z.string() }).passthrough(),
  })
  .passthrough();

/** `chat.completion` as far as the translation reads it (the supplier's answer: checked, not trusted). */
export const chatCompletionSchema = z
  .object({
    created: z.number().optional(),
    choices: z
      .array(
        z
          .object({
            finish_reason: z.string().nullish(),
            message: z
              .object({
                content: z.string().nullish(),
                refusal: z.string().nullish(),
                tool_calls: z.array(chatToolCall).nullish(),
              })
              .passthrough(),
          })
          .passthrough(),
      )
      .min(1),
    usage: chatUsage.nullish(),
  })
  .passthrough();

export { chatUsage as chatUsageSchema };

export type ToResponseObjectParameters = {
  request: ResponsesRequest;
  /** The chat.completion the relay answered (JSON). */
  completion: unknown;
  /** @default a fresh `resp_…` */
  id?: string;
  /** The response's `store`: whether its output items will be kept for `item_reference`. @default false */
  store?: boolean;
};
export type ToResponseObjectReturnType = ResponseObject;
export type ToResponseObjectErrorType = ResponsesUpstreamInvalidError;

/**
 * The Responses `response` for a chat.completion: the message's text as one `message` item with an
 * `output_text` part (a refusal as a `refusal` part), each tool call as a `function_call` item (its chat id
 * as `call_id`), `finish_reason: "length"` as status `incomplete` (`max_output_tokens`), usage renamed
 * (`input_tokens`, `output_tokens`, `total_tokens`).
 *
 * @param parameters - the Responses request and the chat.completion.
 * @throws {ResponsesUpstreamInvalidError} when the completion is not a chat.completion.
 * @example
 * ```ts
 * const response = toResponseObject({ request, completion: await chatResponse.json() });
 * console.log(response.output[0]);
 * ```
 */
export function toResponseObject(parameters: ToResponseObjectParameters): ToResponseObjectReturnType {
  const parsed = chatCompletionSchema.safeParse(parameters.completion);
  if (!parsed.success) {
    throw new ResponsesUpstreamInvalidError({ what: "a chat.completion", cause: parsed.error });
  }
  const completion = parsed.data;
  // n is 1 on every Aviary relay: the first choice is the answer.
  const choice = completion.choices[0] as (typeof completion.choices)[number];
  const { message } = choice;
  const status = statusOf(choice.finish_reason);
  const itemStatus = status === "incomplete" ? "incomplete" : "completed";
  const output: ResponseOutputItem[] = [];
  const toolCalls = message.tool_calls ?? [];
  const text = message.content ?? "";
  if (message.refusal) {
    output.push({
      type: "message",
      id: responseItemId("msg"),
      status: itemStatus,
      role: "assistant",
      content: [{ type: "refusal", refusal: message.refusal }],
    });
  } else if (text !== "" || toolCalls.length === 0) {
    output.push({
      type: "message",
      id: responseItemId("msg"),
      status: itemStatus,
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of toolCalls) {
    output.push({
      type: "function_call",
      id: responseItemId("fc"),
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: "completed",
    });
  }
  return buildResponse({
    request: parameters.request,
    id: parameters.id ?? responseItemId("resp"),
    createdAt: completion.created ?? Math.floor(Date.now() / 1000),
    status,
    output,
    usage: completion.usage ? toResponseUsage(completion.usage) : null,
    incompleteDetails: incompleteDetailsOf(choice.finish_reason),
    store: parameters.store ?? false,
  });
}

/** The response status for a chat `finish_reason`. */
export function statusOf(finishReason: string | null | undefined): ResponseStatus {
  return finishReason === "length" || finishReason === "content_filter" ? "incomplete" : "completed";
}

/** Why a response is incomplete, for a chat `finish_reason` (null when it is not). */
export function incompleteDetailsOf(
  finishReason: string | null | undefined,
): ResponseObject["incomplete_details"] {
  if (finishReason === "length") return { reason: "max_output_tokens" };
  if (finishReason === "content_filter") return { reason: "content_filter" };
  return null;
}
