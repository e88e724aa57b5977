import { type OpenAiRoute, parseOpenAiBody } from "@aviary/protocol";
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
  /** The body as the route's OpenAI schema parsed it, without `provider` (never sent to a supplier). */
  body: Record<string, unknown>;
  /** The model's registered name. */
  model: string;
  stream: boolean;
  /** The request's routing options (defaults merged), or undefined when neither gave any. */
  provider: ProviderOptions | undefined;
};
export type ParseRelayBodyReturnType = ParsedRelayBody;
export type ParseRelayBodyErrorType = RelayBodyInvalidError;

/**
 * The first step of a relay: the client's bytes against the route's OpenAI schema (zod: this is the edge),
 * and the OpenRouter-style `provider` options split off the body.
 *
 * @param parameters - the route, the bytes, optional default `provider` options.
 * @throws {RelayBodyInvalidError} `invalid_json`, `invalid_request` (naming the field, e.g. `messages`) or
 *   `invalid_provider` (e.g. `provider.sort`): answer 400, ask no supplier.
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
  const { provider: own, ...body } = parsed.body;
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
  return { route, body, model: String(body.model), stream: body.stream === true, provider };
}
