import { type OpenAiRoute, parseOpenAiBody } from "@aviary/protocol";
import { z } from "zod";
import { RelayBodyInvalidError } from "../errors.ts";
import {
  type ProviderOptions,
  type ProviderOptionsInput,
  ProviderOptionsInvalidError,
  parseProviderOptions,
} from "../routing/index.ts";

export type ParseRelayBodyParameters = {
  route: OpenAiRoute;
  /** The request body exactly as the client sent it. */
  bytes: Uint8Array;
  /**
   * `provider` options applied to every request (a caller's configuration); the body's own `provider` field
   * overrides them key by key.
   */
  defaultProvider?: ProviderOptionsInput;
};

export type ParsedRelayBody = {
  route: OpenAiRoute;
  /** The body as the route's OpenAI schema parsed it, without `provider` and `models` (never sent on). */
  body: Record<string, unknown>;
  /** The model's registered name. */
  model: string;
  /**
   * OpenRouter's `models` fallback list: the models to try next, in order, when `model` has no supplier or
   * every attempt on it failed (`relayModelFallback`). `model` itself and repeats left out; empty when none.
   */
  fallbackModels: string[];
  stream: boolean;
  /** The request's routing options (defaults merged), or undefined when neither gave any. */
  provider: ProviderOptions | undefined;
};
export type ParseRelayBodyReturnType = ParsedRelayBody;
export type ParseRelayBodyErrorType = RelayBodyInvalidError;

/** Most models in a request's `models` fallback list (OpenRouter's own limit is of this order). */
export const MAX_FALLBACK_MODELS = 8;

const modelsSchema = z
  .array(z.string({ error: "must be model names (strings)" }).min(1, { error: "must not be empty" }), {
    error: "must be an array of model names",
  })
  .min(1, { error: "must list at least one model; omit `models` for none" })
  .max(MAX_FALLBACK_MODELS, { error: `must list at most ${MAX_FALLBACK_MODELS} models` });

/**
 * The first step of a relay: the client's bytes against the route's OpenAI schema (zod: this is the edge),
 * and the OpenRouter-style router fields split off the body: the `provider` options and the `models` fallback
 * list (a non-empty array of at most {@link MAX_FALLBACK_MODELS} model names).
 *
 * @param parameters - the route, the bytes, optional default `provider` options.
 * @throws {RelayBodyInvalidError} `invalid_json`, `invalid_request` (naming the field, e.g. `messages`) or
 *   `invalid_provider` (e.g. `provider.sort`), `invalid_request` naming `models`, or naming `stream` for a
 *   streamed images request: answer 400, ask no supplier.
 * @example
 * ```ts
 * const parsed = parseRelayBody({ route: "chat/completions", bytes });
 * console.log(parsed.model, parsed.provider?.sort);
 * ```
 */
export function parseRelayBody({
  route,
  bytes,
  defaultProvider,
}: ParseRelayBodyParameters): ParseRelayBodyReturnType {
  const parsed = parseOpenAiBody(route, bytes);
  if (!parsed.ok) {
    throw new RelayBodyInvalidError({ code: parsed.code, message: parsed.message, param: parsed.param });
  }
  const { provider: own, models, ...body } = parsed.body;
  const model = String(body.model);
  let fallbackModels: string[] = [];
  if (models !== undefined && models !== null) {
    const list = modelsSchema.safeParse(models);
    if (!list.success) {
      const issue = list.error.issues[0];
      const param = ["models", ...(issue?.path ?? []).map(String)].join(".");
      throw new RelayBodyInvalidError({
        code: "invalid_request",
        message: `\`${param}\` is invalid: ${issue?.message ?? "invalid value"}.`,
        param,
        cause: list.error,
      });
    }
    fallbackModels = [...new Set(list.data)].filter((name) => name !== model);
  }
  let provider: ProviderOptions | undefined;
  try {
    if (own !== undefined && own !== null) {
      // Key by key over the defaults: a request that sets `sort` keeps the configured `ignore`.
      const merged =
        typeof own === "object" && !Array.isArray(own) && defaultProvider !== undefined
          ? { ...defaultProvider, ...own }
          : own;
      provider = parseProviderOptions(merged);
    } else if (defaultProvider !== undefined) {
      provider = parseProviderOptions(defaultProvider);
    }
  } catch (error) {
    if (!(error instanceof ProviderOptionsInvalidError)) throw error;
    throw new RelayBodyInvalidError({
      code: "invalid_provider",
      message: error.shortMessage,
      param: error.field,
      cause: error,
    });
  }
  const stream = body.stream === true;
  if (stream && route === "images/generations") {
    // Partial images are not streamed: refused here, before any supplier is planned or asked.
    throw new RelayBodyInvalidError({
      code: "invalid_request",
      message: "`stream` must be false on /v1/images/generations: images are answered whole.",
      param: "stream",
    });
  }
  return { route, body, model, fallbackModels, stream, provider };
}
