import type { ResponsesRequest } from "./toChatCompletionRequest.ts";

/** An `output_text` content part. */
export type ResponseOutputText = {
  type: "output_text";
  text: string;
  annotations: [];
  logprobs: [];
};
export type ResponseOutputRefusal = { type: "refusal"; refusal: string };

/** An assistant message item of `output`. */
export type ResponseOutputMessage = {
  type: "message";
  id: string;
  status: "in_progress" | "completed" | "incomplete";
  role: "assistant";
  content: (ResponseOutputText | ResponseOutputRefusal)[];
};

/** A function call item of `output`: `call_id` is what the `function_call_output` item answers. */
export type ResponseFunctionCall = {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: "in_progress" | "completed" | "incomplete";
};

export type ResponseOutputItem = ResponseOutputMessage | ResponseFunctionCall;

export type ResponseUsage = {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
};

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** OpenAI's `response` object, as Aviary fills it. */
export type ResponseObject = {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  completed_at: number | null;
  background: false;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Record<string, string>;
  model: string;
  output: ResponseOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  reasoning: { effort: null; summary: null };
  service_tier: "default";
  /** Whether the output items are kept for `item_reference` (never the response itself). */
  store: boolean;
  temperature: number;
  text: { format: Record<string, unknown> };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number;
  truncation: "disabled";
  usage: ResponseUsage | null;
  user: string | null;
};

export type BuildResponseParameters = {
  request: ResponsesRequest;
  /** `resp_…` */
  id: string;
  /** Unix time, seconds. */
  createdAt: number;
  status: ResponseStatus;
  output: ResponseOutputItem[];
  usage?: ResponseUsage | null;
  incompleteDetails?: ResponseObject["incomplete_details"];
  error?: ResponseObject["error"];
  /** Whether the output items are kept for `item_reference` (`ResponseItemMemory`). @default false */
  store?: boolean;
};
export type BuildResponseReturnType = ResponseObject;

/**
 * The `response` object for a request: its own settings echoed (model, instructions, tools, sampling, as
 * OpenAI does, with OpenAI's defaults where the request set none), the output, the status and usage. `store`
 * says whether the output items are kept for `item_reference` (responses themselves never are, so
 * `previous_response_id` is null).
 *
 * @param parameters - the request, the response's id and creation time, status, output and usage.
 * @example
 * ```ts
 * const response = buildResponse({ request, id: responseId(), createdAt: 1_700_000_000, status: "in_progress", output: [] });
 * ```
 */
export function buildResponse(parameters: BuildResponseParameters): BuildResponseReturnType {
  const { request, status } = parameters;
  return {
    id: parameters.id,
    object: "response",
    created_at: parameters.createdAt,
    status,
    completed_at: status === "completed" ? Math.floor(Date.now() / 1000) : null,
    background: false,
    error: parameters.error ?? null,
    incomplete_details: parameters.incompleteDetails ?? null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    metadata: request.metadata ?? {},
    model: request.model,
    output: parameters.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: parameters.store ?? false,
    temperature: request.temperature ?? 1,
    text: {
      format: (request.text?.format as Record<string, unknown> | null | undefined) ?? { type: "text" },
    },
    tool_choice: request.tool_choice ?? "auto",
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: "disabled",
    usage: parameters.usage ?? null,
    user: request.user ?? null,
  };
}

/**
 * A fresh id with OpenAI's prefix (`resp`, `msg`, `fc`): random, never reused.
 *
 * @example
 * ```ts
 * responseItemId("msg"); // "msg_3f2a…"
 * ```
 */
export function responseItemId(prefix: "resp" | "msg" | "fc"): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * The Responses usage for a chat/completions `usage` (`prompt_tokens` → `input_tokens`, …).
 *
 * @example
 * ```ts
 * toResponseUsage({ prompt_tokens: 5, completion_tokens: 3 }); // { input_tokens: 5, output_tokens: 3, total_tokens: 8, … }
 * ```
 */
export function toResponseUsage(usage: {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number | undefined;
  prompt_tokens_details?: { cached_tokens?: number | undefined } | null | undefined;
}): ResponseUsage {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
}
