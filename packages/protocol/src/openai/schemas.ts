import { z } from "zod";

// OpenAI request bodies, as OpenAI documents them. Unknown top-level fields pass the schema untouched: whether a
// supplier can serve a field is `unsupportedRequestField`'s decision (an `openai`-type backend passes vendor
// fields on). The fields OpenAI defines are checked here, so that a bad value is a 400 naming its path.
// Every object is loose and nothing has a default: the parsed body is what the client sent, field for field
// (the gateway forwards it, an `openai` backend passes it upstream).

/** OpenAI's rule for function and schema names. */
const functionName = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1–64 letters, digits, underscores or dashes");
/** Deepest nesting of objects and arrays a JSON Schema may have (OpenAI allows 10 levels of properties). */
export const MAX_JSON_SCHEMA_DEPTH = 64;

/**
 * A JSON Schema (an object; its contents are the runtime's to interpret), at most
 * {@link MAX_JSON_SCHEMA_DEPTH} levels deep: every reader of it (grammar compilers, the prompt's canonical
 * JSON) walks it recursively, so a deeper one must be refused here rather than overflow a stack later.
 */
const jsonSchemaObject = z
  .record(z.string(), z.unknown(), { error: "must be a JSON Schema object" })
  .refine((schema) => nestingDepth(schema) <= MAX_JSON_SCHEMA_DEPTH, {
    error: `is nested more than ${MAX_JSON_SCHEMA_DEPTH} levels deep`,
  });

/** Levels of objects and arrays in `value` (a scalar is 0), counted without recursion, stopping past the limit. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (current === null || typeof current !== "object") continue;
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_JSON_SCHEMA_DEPTH) return deepest;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
}

const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.looseObject({
    url: z.string().min(1),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
const audioPart = z.looseObject({
  type: z.literal("input_audio"),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
});
const filePart = z.looseObject({ type: z.literal("file"), file: z.looseObject({}) });
const refusalPart = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });

const textContent = z.union([z.string(), z.array(textPart).min(1)], {
  error: "must be a string or a non-empty array of text parts",
});
const userContent = z.union(
  [z.string(), z.array(z.discriminatedUnion("type", [textPart, imagePart, audioPart, filePart])).min(1)],
  { error: "must be a string or a non-empty array of content parts (text, image_url, input_audio, file)" },
);

/** A call the assistant made, as it comes back in `message.tool_calls` and is sent again in the history. */
const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const name = z.string().optional();

export const chatMessageSchema = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content: textContent, name }),
  z.looseObject({ role: z.literal("developer"), content: textContent, name }),
  z.looseObject({ role: z.literal("user"), content: userContent, name }),
  z
    .looseObject({
      role: z.literal("assistant"),
      content: z
        .union([z.string(), z.array(z.discriminatedUnion("type", [textPart, refusalPart]))], {
          error: "must be a string, an array of text or refusal parts, or null",
        })
        .nullish(),
      refusal: z.string().nullish(),
      tool_calls: z.array(toolCall).nullish(),
      name,
    })
    .refine(
      (message) =>
        message.content != null || (message.tool_calls?.length ?? 0) > 0 || message.function_call != null,
      { error: "an assistant message needs content or tool_calls", path: ["content"] },
    ),
  z.looseObject({ role: z.literal("tool"), content: textContent, tool_call_id: z.string().min(1) }),
]);

const functionTool = z.looseObject({
  type: z.literal("function", { error: 'only function tools ("type": "function") are supported' }),
  function: z.looseObject({
    name: functionName,
    description: z.string().optional(),
    parameters: jsonSchemaObject.optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union(
  [
    z.enum(["none", "auto", "required"]),
    z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: functionName }) }),
  ],
  { error: 'must be "none", "auto", "required" or {"type": "function", "function": {"name": …}}' },
);

const responseFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({
      name: functionName,
      description: z.string().optional(),
      schema: jsonSchemaObject.optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const penalty = z.number().min(-2).max(2).nullish();
const logitBias = z
  .record(
    z.string().regex(/^\d+$/, "keys must be token ids (decimal integers)"),
    z.number().min(-100).max(100),
    { error: "must be an object of token id → bias" },
  )
  .refine((bias) => Object.keys(bias).length <= 300, { error: "at most 300 token biases" })
  .nullish();

const stop = z
  .union([z.string(), z.array(z.string()).max(4, "at most 4 stop sequences")], {
    error: "must be a string or an array of up to 4 strings",
  })
  .nullish();
const sampling = {
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop,
  stream: z.boolean().nullish(),
  stream_options: z
    .looseObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
    .nullish(),
  // Values beyond 1 are valid OpenAI: whether a supplier serves them is `unsupportedRequestField`'s call.
  n: z.number().int().min(1).max(128).nullish(),
  frequency_penalty: penalty,
  presence_penalty: penalty,
  logit_bias: logitBias,
  user: z.string().nullish(),
};

/** `POST /v1/chat/completions` body. */
export const chatCompletionRequestSchema = z
  .looseObject({
    model: z.string().min(1),
    messages: z.array(chatMessageSchema).min(1, "must contain at least one message"),
    max_completion_tokens: z.number().int().positive().nullish(),
    ...sampling,
    tools: z.array(functionTool).min(1, "must list at least one tool (or leave tools out)").nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: responseFormat.nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    safety_identifier: z.string().nullish(),
    prompt_cache_key: z.string().nullish(),
    store: z.boolean().nullish(),
    metadata: z.record(z.string(), z.string(), { error: "must be an object of strings" }).nullish(),
    service_tier: z.enum(["auto", "default", "flex", "scale", "priority"]).nullish(),
    modalities: z.array(z.enum(["text", "audio"])).nullish(),
    audio: z.looseObject({}).nullish(),
    prediction: z.looseObject({}).nullish(),
    reasoning_effort: z.enum(["none", "minimal", "low", "medium", "high"]).nullish(),
    verbosity: z.enum(["low", "medium", "high"]).nullish(),
    web_search_options: z.looseObject({}).nullish(),
    functions: z.array(z.looseObject({ name: functionName })).nullish(),
    function_call: z.union([z.string(), z.looseObject({ name: z.string() })]).nullish(),
  })
  .superRefine((body, context) => {
    const choice = body.tool_choice;
    const tools = body.tools ?? [];
    if (typeof choice === "object" && choice !== null) {
      if (!tools.some((tool) => tool.function.name === choice.function.name)) {
        context.addIssue({
          code: "custom",
          path: ["tool_choice", "function", "name"],
          message: `names no tool in tools: "${choice.function.name}"`,
        });
      }
    } else if ((choice === "required" || choice === "auto") && tools.length === 0) {
      context.addIssue({ code: "custom", path: ["tool_choice"], message: `"${choice}" needs tools` });
    }
    for (const [index, tool] of tools.entries()) {
      if (tools.findIndex((other) => other.function.name === tool.function.name) !== index) {
        context.addIssue({
          code: "custom",
          path: ["tools", index, "function", "name"],
          message: `"${tool.function.name}" names two tools`,
        });
      }
    }
    if (body.top_logprobs != null && body.logprobs !== true) {
      context.addIssue({ code: "custom", path: ["top_logprobs"], message: "needs logprobs: true" });
    }
  });

const tokenIds = z.array(z.number().int().nonnegative());

/** `POST /v1/completions` body. */
export const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union(
    [z.string(), z.array(z.string()).min(1), tokenIds.min(1), z.array(tokenIds.min(1)).min(1)],
    {
      error: "must be a string, strings, token ids, or arrays of token ids",
    },
  ),
  ...sampling,
  logprobs: z.number().int().min(0).max(5).nullish(),
  best_of: z.number().int().min(1).max(20).nullish(),
  echo: z.boolean().nullish(),
  suffix: z.string().nullish(),
});

/** `POST /v1/embeddings` body. */
export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union(
    [
      z.string(),
      z.array(z.string()).min(1).max(2048),
      tokenIds.min(1),
      z.array(tokenIds.min(1)).min(1).max(2048),
    ],
    { error: "must be a string, 1–2048 strings, token ids, or 1–2048 arrays of token ids" },
  ),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().nullish(),
});

/** Most images one request may ask for (OpenAI's own limit). */
export const MAX_IMAGES_PER_REQUEST = 10;
/** Most denoising steps a request may ask for on any model (a model may allow fewer: its `image.maxSteps`). */
export const MAX_IMAGE_STEPS = 150;
/** Longest image prompt any model may be sent, in characters (OpenAI's gpt-image limit); models allow fewer. */
export const MAX_IMAGE_PROMPT_CHARACTERS = 32_000;

/**
 * `POST /v1/images/generations` body: OpenAI's fields, plus the common open-model extensions `seed`,
 * `steps`, `negative_prompt` and `guidance_scale`. Sizes are `WxH`; which ones a model renders is its
 * suppliers' declaration (`capabilities.image.sizes`), checked by `unsupportedRequestField`.
 */
export const imageGenerationRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z
    .string({ error: "must be a string" })
    .min(1, { error: "must not be empty" })
    .max(MAX_IMAGE_PROMPT_CHARACTERS, { error: `must be at most ${MAX_IMAGE_PROMPT_CHARACTERS} characters` }),
  n: z.number().int().min(1).max(MAX_IMAGES_PER_REQUEST).nullish(),
  size: z
    .string()
    .regex(/^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$/, { error: 'must be "WIDTHxHEIGHT", e.g. "256x256"' })
    .nullish(),
  response_format: z.enum(["b64_json", "url"]).nullish(),
  seed: z.number().int().min(0).max(0xffff_ffff).nullish(),
  steps: z.number().int().min(1).max(MAX_IMAGE_STEPS).nullish(),
  negative_prompt: z
    .string()
    .max(MAX_IMAGE_PROMPT_CHARACTERS, { error: `must be at most ${MAX_IMAGE_PROMPT_CHARACTERS} characters` })
    .nullish(),
  guidance_scale: z.number().min(0).max(30).nullish(),
  user: z.string().nullish(),
  stream: z.boolean().nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type ImageGenerationRequest = z.output<typeof imageGenerationRequestSchema>;
export type CompletionRequest = z.output<typeof completionRequestSchema>;
export type EmbeddingRequest = z.output<typeof embeddingRequestSchema>;

/** The OpenAI routes Aviary relays, with their body schemas. */
export const openAiRouteSchemas = {
  "chat/completions": chatCompletionRequestSchema,
  completions: completionRequestSchema,
  embeddings: embeddingRequestSchema,
  "images/generations": imageGenerationRequestSchema,
} as const;

export type OpenAiRoute = keyof typeof openAiRouteSchemas;

/** `usage` of an OpenAI response. */
export const usageSchema = z
  .object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative().optional().default(0),
    total_tokens: z.number().int().nonnegative().optional(),
  })
  .passthrough();

/**
 * The most tokens a request may produce: `max_completion_tokens`, else `max_tokens`, else `fallback`.
 *
 * @example
 * ```ts
 * requestedMaxTokens({ max_tokens: 64 }, 256); // 64
 * ```
 */
export function requestedMaxTokens(
  body: { max_tokens?: number | null; max_completion_tokens?: number | null },
  fallback: number,
): number {
  return body.max_completion_tokens ?? body.max_tokens ?? fallback;
}
