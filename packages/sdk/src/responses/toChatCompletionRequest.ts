import { z } from "zod";
import { RelayBodyInvalidError } from "../errors.ts";
import type { RememberedResponseItem } from "./ResponseItemMemory.ts";
import { responsesRequestField, responsesRouterFields } from "./responsesRequestFields.ts";

// The Responses request, as far as Aviary reads it (zod: this is the edge). Unknown and refused top-level
// fields are caught before this schema, with the field named; inside items, extra keys (`id`, `status`,
// `phase`) are accepted and carry no meaning here.

const jsonObject = z.record(z.string(), z.unknown());

const functionTool = z
  .object({
    type: z.literal("function"),
    name: z.string().min(1),
    description: z.string().nullish(),
    parameters: jsonObject.nullish(),
    strict: z.boolean().nullish(),
  })
  .passthrough();

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), name: z.string().min(1) }).passthrough(),
]);

const textFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }).passthrough(),
  z.object({ type: z.literal("json_object") }).passthrough(),
  z
    .object({
      type: z.literal("json_schema"),
      name: z.string().min(1),
      schema: jsonObject,
      description: z.string().nullish(),
      strict: z.boolean().nullish(),
    })
    .passthrough(),
]);

/** `POST /v1/responses` body (the supported subset). */
export const responsesRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.unknown()).min(1, "must contain at least one item")]),
    instructions: z.string().nullish(),
    max_output_tokens: z.number().int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    seed: z.number().int().nullish(),
    tools: z.array(z.unknown()).nullish(),
    tool_choice: z.unknown().optional(),
    parallel_tool_calls: z.boolean().nullish(),
    text: z.object({ format: textFormat.nullish(), verbosity: z.null().optional() }).passthrough().nullish(),
    stream: z.boolean().nullish(),
    store: z.boolean().nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    user: z.string().nullish(),
  })
  .passthrough();

export type ResponsesRequest = z.output<typeof responsesRequestSchema>;

export type ToChatCompletionRequestParameters = {
  /** The Responses request body exactly as the client sent it. */
  bytes: Uint8Array;
  /**
   * Resolves an `item_reference` input item: the earlier output item with this id that the caller may refer
   * to (`ResponseItemMemory.recall` under the caller's scope), or undefined.
   * @default none: every `item_reference` is refused
   */
  recallItem?: (id: string) => RememberedResponseItem | undefined;
};
export type ToChatCompletionRequestReturnType = {
  /** The Responses request as parsed (what the response echoes: model, instructions, tools, …). */
  request: ResponsesRequest;
  /** The equivalent chat/completions body, for the ordinary chat relay. */
  chat: Record<string, unknown>;
};
export type ToChatCompletionRequestErrorType = RelayBodyInvalidError;

type ChatMessage = Record<string, unknown> & { role: string };

/**
 * Translates an OpenAI Responses request into the chat/completions request that serves it: `instructions`
 * becomes the first system message, `input` items become messages (a `function_call` item an assistant
 * `tool_calls` entry, a `function_call_output` item a `tool` message), `max_output_tokens` → `max_tokens`,
 * flat function tools → chat's nested ones, `text.format` → `response_format`. A stream always asks for usage
 * (the Responses API ends with it). An `item_reference` item stands for the earlier output item it names
 * (`recallItem`), translated as if sent in full. Anything the translation cannot honour is refused, never
 * dropped.
 *
 * @param parameters - the request bytes, and how to resolve item references.
 * @throws {RelayBodyInvalidError} `invalid_json`; `unknown_parameter` for a field the Responses API does not
 *   have; `unsupported_parameter` for one Aviary does not offer (`previous_response_id`, `reasoning`, built-in
 *   tools, …); `invalid_request` for a bad value; `item_not_found` for an `item_reference` that `recallItem`
 *   does not resolve (`param` `input.<index>.id`). Each names the field in `param`.
 * @example
 * ```ts
 * const { chat } = toChatCompletionRequest({ bytes: new TextEncoder().encode(JSON.stringify({ model: "m", input: "Hi" })) });
 * // chat: { model: "m", messages: [{ role: "user", content: "Hi" }] }
 * ```
 */
export function toChatCompletionRequest({
  bytes,
  recallItem,
}: ToChatCompletionRequestParameters): ToChatCompletionRequestReturnType {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new RelayBodyInvalidError({
      code: "invalid_json",
      message: "The request body is not JSON.",
      cause,
    });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw invalid("The request body must be a JSON object.", null);
  checkTopLevelFields(json as Record<string, unknown>);
  const parsed = responsesRequestSchema.safeParse(json);
  if (!parsed.success) throw fromZod(parsed.error, []);
  const request = parsed.data;

  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: "system", content: request.instructions });
  if (typeof request.input === "string") messages.push({ role: "user", content: request.input });
  else {
    for (const [index, item] of request.input.entries())
      addInputItem(messages, resolveReference(item, index, recallItem), index);
  }

  const chat: Record<string, unknown> = { model: request.model, messages };
  if (request.max_output_tokens != null) chat.max_tokens = request.max_output_tokens;
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  if (request.seed != null) chat.seed = request.seed;
  if (request.tools != null && request.tools.length > 0) chat.tools = request.tools.map(toChatTool);
  if (request.tool_choice != null) chat.tool_choice = toChatToolChoice(request.tool_choice);
  if (request.parallel_tool_calls != null) chat.parallel_tool_calls = request.parallel_tool_calls;
  const format = request.text?.format;
  if (format != null && format.type !== "text") chat.response_format = toResponseFormat(format);
  if (request.stream) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  for (const name of responsesRouterFields) {
    const value = (request as Record<string, unknown>)[name];
    if (value !== undefined) chat[name] = value;
  }
  return { request, chat };
}

function checkTopLevelFields(body: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(body)) {
    if ((responsesRouterFields as readonly string[]).includes(name)) continue;
    const entry = responsesRequestField(name);
    if (!entry) {
      throw new RelayBodyInvalidError({
        code: "unknown_parameter",
        message: `Unknown parameter: '${name}' (not an OpenAI Responses field).`,
        param: name,
      });
    }
    if (value === null || value === undefined) continue;
    if (entry.support === "refused" || (entry.acceptsValue && !entry.acceptsValue(value))) {
      throw unsupported(
        entry.support === "refused"
          ? `\`${name}\` is not supported: ${entry.note}.`
          : `\`${name}\` is supported ${entry.note}; got ${JSON.stringify(value)}.`,
        name,
      );
    }
  }
  const verbosity = (body.text as { verbosity?: unknown } | undefined | null)?.verbosity;
  if (verbosity !== undefined && verbosity !== null)
    throw unsupported(
      "`text.verbosity` is not supported: the served models have no verbosity setting.",
      "text.verbosity",
    );
}

const contentPart = z.discriminatedUnion("type", [
  z.object({ type: z.literal("input_text"), text: z.string() }).passthrough(),
  z.object({ type: z.literal("output_text"), text: z.string() }).passthrough(),
  z.object({ type: z.literal("refusal"), refusal: z.string() }).passthrough(),
  z
    .object({
      type: z.literal("input_image"),
      image_url: z.string().nullish(),
      file_id: z.string().nullish(),
      detail: z.string().nullish(),
    })
    .passthrough(),
  z.object({ type: z.literal("input_file") }).passthrough(),
]);

const messageItem = z
  .object({
    type: z.literal("message").optional(),
    role: z.enum(["user", "assistant", "system", "developer"]),
    content: z.union([z.string(), z.array(contentPart)]),
  })
  .passthrough();

const functionCallItem = z
  .object({
    type: z.literal("function_call"),
    call_id: z.string().min(1),
    name: z.string().min(1),
    arguments: z.string(),
  })
  .passthrough();

const functionCallOutputItem = z
  .object({
    type: z.literal("function_call_output"),
    call_id: z.string().min(1),
    output: z.union([z.string(), z.array(contentPart)]),
  })
  .passthrough();

function addInputItem(messages: ChatMessage[], item: unknown, index: number): void {
  const path = ["input", index];
  const type =
    (item as { type?: unknown } | null)?.type ?? (isObject(item) && "role" in item ? "message" : undefined);
  if (type === "message") {
    const message = parseItem(messageItem, item, path);
    messages.push(toChatMessage(message, path));
    return;
  }
  if (type === "function_call") {
    const call = parseItem(functionCallItem, item, path);
    const toolCall = {
      id: call.call_id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    };
    // Calls that follow an assistant message (its text, or calls made in parallel) belong to that message.
    const last = messages.at(-1);
    if (last?.role === "assistant") {
      last.tool_calls = [...((last.tool_calls as unknown[] | undefined) ?? []), toolCall];
      return;
    }
    messages.push({ role: "assistant", content: null, tool_calls: [toolCall] });
    return;
  }
  if (type === "function_call_output") {
    const output = parseItem(functionCallOutputItem, item, path);
    const content =
      typeof output.output === "string" ? output.output : textOf(output.output, [...path, "output"]);
    messages.push({ role: "tool", tool_call_id: output.call_id, content });
    return;
  }
  if (typeof type === "string") {
    throw unsupported(
      `\`input.${index}.type\` ${JSON.stringify(type)} is not supported: only message, function_call and function_call_output items.`,
      `input.${index}.type`,
    );
  }
  throw invalid(`input.${index}: an item needs a type (or a role, for a message).`, `input.${index}`);
}

const itemReference = z.object({ type: z.literal("item_reference"), id: z.string().min(1) }).passthrough();

/** The item an `item_reference` stands for (other items as they are). */
function resolveReference(
  item: unknown,
  index: number,
  recallItem: ToChatCompletionRequestParameters["recallItem"],
): unknown {
  if ((item as { type?: unknown } | null)?.type !== "item_reference") return item;
  const { id } = parseItem(itemReference, item, ["input", index]);
  const remembered = recallItem?.(id);
  if (remembered) return remembered;
  throw new RelayBodyInvalidError({
    code: "item_not_found",
    message: `\`input.${index}.id\`: no item ${JSON.stringify(id)} is known here. Output items are kept for item_reference for an hour, only by the gateway that produced them and only for the API key that made the request; send the item itself instead (store: false makes the Vercel AI SDK send items in full).`,
    param: `input.${index}.id`,
  });
}

function toChatMessage(message: z.output<typeof messageItem>, path: (string | number)[]): ChatMessage {
  const { role, content } = message;
  if (typeof content === "string") return { role, content };
  const contentPath = [...path, "content"];
  if (role !== "user") return { role, content: textOf(content, contentPath) };
  const parts = content.map((part, partIndex) => {
    const partPath = [...contentPath, partIndex].join(".");
    if (part.type === "input_text" || part.type === "output_text") return { type: "text", text: part.text };
    if (part.type === "input_image") {
      if (!part.image_url)
        throw unsupported(
          `\`${partPath}\`: only images given by image_url are supported (no file_id).`,
          partPath,
        );
      return {
        type: "image_url",
        image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) },
      };
    }
    throw unsupported(`\`${partPath}\`: ${part.type} parts are not supported in user messages.`, partPath);
  });
  return { role, content: parts };
}

/** The text of content parts (system, developer and assistant messages, tool outputs carry text only). */
function textOf(parts: z.output<typeof contentPart>[], path: (string | number)[]): string {
  return parts
    .map((part, partIndex) => {
      if (part.type === "input_text" || part.type === "output_text") return part.text;
      if (part.type === "refusal") return part.refusal;
      const partPath = [...path, partIndex].join(".");
      throw unsupported(`\`${partPath}\`: only text parts are supported here (got ${part.type}).`, partPath);
    })
    .join("");
}

function toChatTool(tool: unknown, index: number): Record<string, unknown> {
  const type = (tool as { type?: unknown } | null)?.type;
  if (type !== "function") {
    throw unsupported(
      `\`tools.${index}.type\` ${JSON.stringify(type)} is not supported: only function tools (built-in tools such as web_search or file_search are not offered).`,
      `tools.${index}.type`,
    );
  }
  const parsed = parseItem(functionTool, tool, ["tools", index]);
  return {
    type: "function",
    function: {
      name: parsed.name,
      ...(parsed.description != null ? { description: parsed.description } : {}),
      ...(parsed.parameters != null ? { parameters: parsed.parameters } : {}),
      ...(parsed.strict != null ? { strict: parsed.strict } : {}),
    },
  };
}

function toChatToolChoice(choice: unknown): unknown {
  const parsed = toolChoice.safeParse(choice);
  if (!parsed.success) {
    throw unsupported(
      `\`tool_choice\` is supported as none, auto, required or {"type":"function","name":…}; got ${JSON.stringify(choice)}.`,
      "tool_choice",
    );
  }
  const value = parsed.data;
  return typeof value === "string" ? value : { type: "function", function: { name: value.name } };
}

function toResponseFormat(format: z.output<typeof textFormat>): Record<string, unknown> {
  if (format.type !== "json_schema") return { type: format.type };
  return {
    type: "json_schema",
    json_schema: {
      name: format.name,
      schema: format.schema,
      ...(format.description != null ? { description: format.description } : {}),
      ...(format.strict != null ? { strict: format.strict } : {}),
    },
  };
}

function parseItem<T extends z.ZodType>(schema: T, value: unknown, path: (string | number)[]): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZod(parsed.error, path);
  return parsed.data;
}

function fromZod(error: z.ZodError, path: (string | number)[]): RelayBodyInvalidError {
  const issue = error.issues[0];
  const param = [...path, ...(issue?.path ?? [])].map(String).join(".") || null;
  return invalid(`${param ? `${param}: ` : ""}${issue?.message ?? "invalid body"}`, param);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(message: string, param: string | null): RelayBodyInvalidError {
  return new RelayBodyInvalidError({ code: "invalid_request", message, param });
}

function unsupported(message: string, param: string): RelayBodyInvalidError {
  return new RelayBodyInvalidError({ code: "unsupported_parameter", message, param });
}
