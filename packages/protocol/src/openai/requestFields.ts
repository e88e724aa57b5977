import { parseImageSize } from "./requestedImageUnits.ts";
import type { OpenAiRoute } from "./schemas.ts";

/**
 * What a model runtime does with a request field:
 * - `supported`: it changes the output as OpenAI documents;
 * - `no_effect`: accepted, and by OpenAI's own definition it does not change the output (an end-user id,
 *   a cache key): nothing is lost by not acting on it;
 * - `refused`: a 400 `unsupported_parameter` naming the field, never a silent drop.
 *
 * A field may be supported only for some values (`acceptsValue`): `n: 1`, `store: false`.
 */
export type FieldSupport = "supported" | "no_effect" | "refused";

/** The backends a supplier runs (see the supplier's `Backend`). */
export type BackendKind = "embedded" | "openai";

export type RequestField = {
  route: OpenAiRoute;
  /** The top-level body field, as OpenAI names it. */
  name: string;
  /** On the embedded runtime (node-llama-cpp for text, `@aviary/image-runtime` for images). */
  embedded: FieldSupport;
  /** Through an `openai`-type backend every OpenAI field is passed to the upstream as sent. */
  openai: "passed_through";
  /** For fields supported for some values only: true when `value` is one of them. */
  acceptsValue?: (value: unknown) => boolean;
  /**
   * The value limit holds on every backend, an `openai` one included: a relay's `maxCost` is signed for one
   * output of one prompt, so more choices or prompts could never be paid for.
   */
  boundsCost?: true;
  /** What the field does here, or why it is refused: the docs' table and the 400's message. */
  note: string;
};

const always = undefined;

function field(
  route: OpenAiRoute,
  name: string,
  embedded: FieldSupport,
  note: string,
  acceptsValue: ((value: unknown) => boolean) | undefined = always,
): RequestField {
  return { route, name, embedded, openai: "passed_through", note, ...(acceptsValue ? { acceptsValue } : {}) };
}

function costBound(entry: RequestField): RequestField {
  return { ...entry, boundsCost: true };
}

const chat = "chat/completions" as const;
const completions = "completions" as const;
const embeddings = "embeddings" as const;
const images = "images/generations" as const;

/**
 * Every field of OpenAI's request bodies for the routes Aviary relays, and what each backend does with it.
 * The gateway's docs table and the table-driven test are generated from this list; a field absent here is
 * not an OpenAI field and is refused by the embedded runtime (an `openai` backend passes it through).
 */
export const openAiRequestFields: readonly RequestField[] = [
  field(chat, "model", "supported", "the registered model name"),
  field(
    chat,
    "messages",
    "supported",
    "system, developer, user, assistant (with tool_calls) and tool messages; text parts",
  ),
  field(chat, "max_tokens", "supported", "output limit; the gateway signs maxCost for it"),
  field(chat, "max_completion_tokens", "supported", "same as max_tokens (wins over it)"),
  field(chat, "temperature", "supported", "0 is greedy"),
  field(chat, "top_p", "supported", "nucleus sampling"),
  field(
    chat,
    "seed",
    "supported",
    "same seed, same output on the same runtime; without one every request draws a fresh seed",
  ),
  field(chat, "stop", "supported", "up to 4 stop strings"),
  field(chat, "stream", "supported", "server-sent events"),
  field(
    chat,
    "stream_options",
    "supported",
    "include_usage (always on through the gateway: the receipt's units)",
  ),
  costBound(field(chat, "n", "supported", "only 1", (value) => value === 1 || value === null)),
  field(chat, "tools", "supported", "function tools, enforced by a grammar"),
  field(chat, "tool_choice", "supported", "none, auto, required, or a named function"),
  field(chat, "parallel_tool_calls", "supported", "false: at most one call"),
  field(
    chat,
    "response_format",
    "supported",
    "text, json_object, json_schema (strict or not), enforced by a grammar",
  ),
  field(
    chat,
    "logprobs",
    "supported",
    "log-probabilities of the message content's tokens (a tool-call answer has no content: its logprobs are null)",
  ),
  field(chat, "top_logprobs", "supported", "0–20 alternatives per token (needs logprobs)"),
  field(chat, "frequency_penalty", "supported", "-2 to 2, over the generated tokens"),
  field(chat, "presence_penalty", "supported", "-2 to 2, over the generated tokens"),
  field(chat, "logit_bias", "supported", "token id → bias (-100 to 100)"),
  field(chat, "user", "no_effect", "an end-user identifier; not used for generation"),
  field(chat, "safety_identifier", "no_effect", "an end-user identifier; not used for generation"),
  field(chat, "prompt_cache_key", "no_effect", "a cache hint; the output does not depend on it"),
  field(
    chat,
    "store",
    "supported",
    "only false: nothing is stored for later retrieval",
    (value) => value === false || value === null,
  ),
  field(chat, "metadata", "refused", "only meaningful with store, which is not offered"),
  field(
    chat,
    "service_tier",
    "supported",
    "only auto or default",
    (value) => value === "auto" || value === "default" || value === null,
  ),
  field(
    chat,
    "modalities",
    "supported",
    'only ["text"]',
    (value) => value === null || (Array.isArray(value) && value.length === 1 && value[0] === "text"),
  ),
  field(chat, "audio", "refused", "no audio output"),
  field(chat, "prediction", "refused", "predicted outputs are not implemented"),
  field(chat, "reasoning_effort", "refused", "the served models have no reasoning mode"),
  field(chat, "verbosity", "refused", "the served models have no verbosity setting"),
  field(chat, "web_search_options", "refused", "no web search"),
  field(chat, "functions", "refused", "deprecated by OpenAI: use tools"),
  field(chat, "function_call", "refused", "deprecated by OpenAI: use tool_choice"),

  field(completions, "model", "supported", "the registered model name"),
  costBound(
    field(
      completions,
      "prompt",
      "supported",
      "one prompt (a string or a one-string array)",
      (value) =>
        typeof value === "string" ||
        (Array.isArray(value) && value.length === 1 && typeof value[0] === "string"),
    ),
  ),
  field(completions, "max_tokens", "supported", "output limit (default 16)"),
  field(completions, "temperature", "supported", "0 is greedy"),
  field(completions, "top_p", "supported", "nucleus sampling"),
  field(
    completions,
    "seed",
    "supported",
    "same seed, same output on the same runtime; without one a fresh seed",
  ),
  field(completions, "stop", "supported", "up to 4 stop strings"),
  field(completions, "stream", "supported", "server-sent events"),
  field(completions, "stream_options", "supported", "include_usage"),
  costBound(field(completions, "n", "supported", "only 1", (value) => value === 1 || value === null)),
  field(completions, "logprobs", "supported", "0–5 alternatives per token"),
  field(completions, "frequency_penalty", "supported", "-2 to 2, over the generated tokens"),
  field(completions, "presence_penalty", "supported", "-2 to 2, over the generated tokens"),
  field(completions, "logit_bias", "supported", "token id → bias (-100 to 100)"),
  field(completions, "user", "no_effect", "an end-user identifier; not used for generation"),
  costBound(field(completions, "best_of", "supported", "only 1", (value) => value === 1 || value === null)),
  field(completions, "echo", "supported", "only false", (value) => value === false || value === null),
  field(completions, "suffix", "refused", "insertion (fill-in-the-middle) is not implemented"),

  field(embeddings, "model", "supported", "the registered model name"),
  field(embeddings, "input", "supported", "a string, strings, token ids, or arrays of token ids"),
  field(embeddings, "encoding_format", "supported", "float or base64 (little-endian float32)"),
  field(
    embeddings,
    "dimensions",
    "supported",
    "truncates and renormalizes; above the model's size is refused",
  ),
  field(embeddings, "user", "no_effect", "an end-user identifier; not used"),

  field(images, "model", "supported", "the registered name of an image model"),
  field(images, "prompt", "supported", "up to the model's `image.maxPromptCharacters`"),
  field(images, "n", "supported", "1–10 images; each is billed its steps"),
  field(images, "size", "supported", "one of the model's `image.sizes` (default 256x256)"),
  field(
    images,
    "response_format",
    "supported",
    "b64_json; url through the gateway (it serves the PNG for an hour)",
  ),
  field(images, "seed", "supported", "uint32; image i uses seed + i; without one the gateway draws one"),
  field(images, "steps", "supported", "denoising steps (default 20, at most the model's `image.maxSteps`)"),
  field(images, "negative_prompt", "supported", "classifier-free guidance away from it"),
  field(images, "guidance_scale", "supported", "classifier-free guidance scale (1 turns guidance off)"),
  field(images, "user", "no_effect", "an end-user identifier; not used for generation"),
  field(
    images,
    "stream",
    "supported",
    "only false: partial images are not streamed",
    (value) => value === false || value === null,
  ),
  field(images, "partial_images", "refused", "partial images are not streamed"),
  field(images, "quality", "refused", "quality is set by `steps`"),
  field(images, "style", "refused", "a DALL-E 3 option with no open-model equivalent"),
  field(images, "background", "refused", "transparent backgrounds are not rendered"),
  field(images, "moderation", "refused", "no moderation is applied by the runtime"),
  field(images, "output_format", "refused", "images are PNG"),
  field(images, "output_compression", "refused", "images are PNG"),
];

/** Fields of Aviary's router itself (OpenRouter's names): read by the gateway and the SDK, never sent on. */
export const routerFields = ["provider", "models"] as const;

const fieldsByRoute = new Map<OpenAiRoute, Map<string, RequestField>>();
for (const entry of openAiRequestFields) {
  const byName = fieldsByRoute.get(entry.route) ?? new Map<string, RequestField>();
  fieldsByRoute.set(entry.route, byName);
  byName.set(entry.name, entry);
}

/**
 * The table entry of `name` on `route`, or undefined when OpenAI has no such field.
 *
 * @example
 * ```ts
 * requestField("chat/completions", "tools")?.embedded; // "supported"
 * ```
 */
export function requestField(route: OpenAiRoute, name: string): RequestField | undefined {
  return fieldsByRoute.get(route)?.get(name);
}

/**
 * What a supplier declares, per model, in `GET /v1/supplier` (`models[].capabilities`), and what the gateway
 * and the SDK route on.
 */
export type ModelCapabilities = {
  /** `embedded`: the table above decides; `openai`: every field passes through to the upstream. */
  backend: BackendKind;
  /** Function tools (`tools`, `tool_choice`, `tool` messages and assistant `tool_calls`). */
  tools: boolean;
  /** `response_format` `json_object` and `json_schema`. */
  jsonSchema: boolean;
  logprobs: boolean;
  /** Image content parts in messages. */
  images: boolean;
  /** Tokens a request may hold (prompt + output), when known. */
  contextLength: number | null;
  /** `none`: the operator declares it keeps no prompt or output beyond serving the request. */
  dataRetention: "none" | "unspecified";
  /** Present exactly when the model generates images (`POST /v1/images/generations`): what it renders. */
  image?: ImageCapabilities;
};

/** What an image model renders: what `unsupportedRequestField` checks an images request against. */
export type ImageCapabilities = {
  /** Sizes it renders, `"WxH"`. */
  sizes: string[];
  maxSteps: number;
  /** Longest prompt (and negative prompt) it reads, in characters. */
  maxPromptCharacters: number;
};

/**
 * What the runtime itself can do: the capabilities without the operator's data policy (a declaration in the
 * supplier's configuration, not a property of the backend). What {@link unsupportedRequestField} reads.
 */
export type RuntimeCapabilities = Omit<ModelCapabilities, "dataRetention">;

/** Why a supplier with these capabilities cannot serve a request: the field to name in the 400. */
export type UnsupportedRequestField = { param: string; message: string };

/**
 * The first field of `body` that a supplier with `capabilities` cannot honour, or undefined when it can
 * serve the request as sent. One rule for the supplier (which answers 400 `unsupported_parameter`) and
 * for the gateway and the SDK (which route only to suppliers that can, and answer the same 400 when none
 * can). Router fields (`provider`, `models`) are not looked at: they never reach a supplier.
 *
 * On the embedded runtime the table decides (a field not in it is refused); on an `openai` backend every
 * field passes, except what the declared capabilities exclude (tools, JSON output, logprobs, images).
 *
 * @param route - the OpenAI route.
 * @param body - the request body (already schema-checked).
 * @param capabilities - the supplier's declaration for the model (its data policy is not read).
 * @example
 * ```ts
 * const problem = unsupportedRequestField("chat/completions", body, capabilities);
 * if (problem) return openAiErrorResponse(400, "unsupported_parameter", problem.message, problem.param);
 * ```
 */
export function unsupportedRequestField(
  route: OpenAiRoute,
  body: Record<string, unknown>,
  capabilities: RuntimeCapabilities,
): UnsupportedRequestField | undefined {
  const kindProblem = unsupportedModelKind(route, body, capabilities);
  if (kindProblem) return kindProblem;
  for (const [name, value] of Object.entries(body)) {
    // `null` is "not set" in OpenAI's API (clients send it for unset options): never a reason to refuse.
    if (value == null || (routerFields as readonly string[]).includes(name)) continue;
    const entry = requestField(route, name);
    if (entry?.boundsCost && entry.acceptsValue && !entry.acceptsValue(value)) {
      return {
        param: name,
        message: `\`${name}\` is supported for ${entry.note} (a relay's maxCost covers one output); got ${JSON.stringify(value)}.`,
      };
    }
    if (capabilities.backend === "embedded") {
      if (!entry) {
        return {
          param: name,
          message: `\`${name}\` is not an OpenAI ${route} field; this supplier's runtime does not support it.`,
        };
      }
      if (entry.embedded === "refused") {
        return { param: name, message: `\`${name}\` is not supported: ${entry.note}.` };
      }
      if (entry.acceptsValue && !entry.acceptsValue(value)) {
        return {
          param: name,
          message: `\`${name}\` is supported for ${entry.note}; got ${JSON.stringify(value)}.`,
        };
      }
    }
    // `tool_choice: "none"` asks for no call: any model honours it.
    if ((name === "tools" || (name === "tool_choice" && value !== "none")) && !capabilities.tools) {
      return { param: name, message: `\`${name}\`: this model is served without tool calling.` };
    }
    if (name === "response_format" && !capabilities.jsonSchema && isJsonFormat(value)) {
      return {
        param: "response_format",
        message: "`response_format`: this model is served without JSON output.",
      };
    }
    if (!capabilities.logprobs && asksForLogprobs(name, value)) {
      return { param: name, message: `\`${name}\`: this model is served without log-probabilities.` };
    }
  }
  if (route === "chat/completions") return unsupportedMessage(body.messages, capabilities);
  return undefined;
}

/**
 * An images request to a text model, a text request to an image model, or an images request beyond what the
 * model renders (size, steps, prompt length): the field to name.
 */
function unsupportedModelKind(
  route: OpenAiRoute,
  body: Record<string, unknown>,
  capabilities: RuntimeCapabilities,
): UnsupportedRequestField | undefined {
  const image = capabilities.image;
  if (route !== "images/generations") {
    return image
      ? { param: "model", message: "`model` generates images: send it to /v1/images/generations." }
      : undefined;
  }
  if (!image) return { param: "model", message: "`model` does not generate images." };
  const size = typeof body.size === "string" ? body.size : undefined;
  if (size !== undefined && !(parseImageSize(size) && image.sizes.includes(size))) {
    return {
      param: "size",
      message: `\`size\` ${JSON.stringify(size)} is not rendered by this model; it renders ${image.sizes.join(", ")}.`,
    };
  }
  if (typeof body.steps === "number" && body.steps > image.maxSteps) {
    return {
      param: "steps",
      message: `\`steps\` ${body.steps} is more than this model's ${image.maxSteps}.`,
    };
  }
  for (const name of ["prompt", "negative_prompt"]) {
    const text = body[name];
    if (typeof text === "string" && text.length > image.maxPromptCharacters) {
      return {
        param: name,
        message: `\`${name}\` is ${text.length} characters; this model reads at most ${image.maxPromptCharacters}.`,
      };
    }
  }
  return undefined;
}

function isJsonFormat(value: unknown): boolean {
  const type = (value as { type?: unknown } | null)?.type;
  return type === "json_object" || type === "json_schema";
}

/** Chat `logprobs: true`, `top_logprobs` above 0, completions `logprobs: n` (0 still returns the chosen tokens'). */
function asksForLogprobs(name: string, value: unknown): boolean {
  if (name === "logprobs") return value === true || typeof value === "number";
  return name === "top_logprobs" && typeof value === "number" && value > 0;
}

/** The first message a supplier with `capabilities` cannot read: tool turns without tools, non-text parts. */
function unsupportedMessage(
  messages: unknown,
  capabilities: RuntimeCapabilities,
): UnsupportedRequestField | undefined {
  if (!Array.isArray(messages)) return undefined;
  for (const [index, message] of messages.entries()) {
    const { role, content, tool_calls: toolCalls } = (message ?? {}) as Record<string, unknown>;
    if (!capabilities.tools && (role === "tool" || (Array.isArray(toolCalls) && toolCalls.length > 0))) {
      const param = role === "tool" ? `messages.${index}.role` : `messages.${index}.tool_calls`;
      return { param, message: `\`${param}\`: this model is served without tool calling.` };
    }
    if (!Array.isArray(content)) continue;
    for (const [partIndex, part] of content.entries()) {
      const type = (part as { type?: unknown } | null)?.type;
      // Text and refusal parts are text; image parts need `images`; the embedded runtime reads nothing else
      // (an `openai` upstream gets audio and file parts as sent).
      if (type === "text" || type === "refusal") continue;
      if (type !== "image_url" && capabilities.backend !== "embedded") continue;
      if (type === "image_url" && capabilities.images) continue;
      const param = `messages.${index}.content.${partIndex}`;
      return {
        param,
        message: `\`${param}\` is a part of type ${JSON.stringify(type)}; this model reads ${capabilities.images ? "text and images" : "text"} only.`,
      };
    }
  }
  return undefined;
}
