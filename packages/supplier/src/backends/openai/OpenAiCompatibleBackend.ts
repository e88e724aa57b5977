import { setMaxListeners } from "node:events";
import { openAiRouteSchemas, requestedImageUnits, requestedMaxTokens } from "@aviary/protocol";
import { type Dispatcher, Pool } from "undici";
import { z } from "zod";
import type {
  Backend,
  BackendCapabilities,
  BackendRequest,
  BackendResponse,
  BackendRoute,
  BackendStreamEvent,
  BackendUsage,
} from "../Backend.ts";
import {
  BackendError,
  BackendOptionsInvalidError,
  BackendParameterUnsupportedError,
  BackendRequestAbortedError,
  BackendResponseInvalidError,
  BackendRouteUnsupportedError,
  BackendTimeoutError,
  BackendUnavailableError,
  BackendUsageMissingError,
} from "../errors.ts";
import { imageGenerationResponse } from "../image/imageGenerationResponse.ts";
import { parseImageRequest } from "../image/parseImageRequest.ts";
import { defaultMaxTokens, parseOrThrow } from "../parseGenerationRequest.ts";
import { createServerSentEventParser } from "./createServerSentEventParser.ts";
import {
  upstreamChunkSchema,
  upstreamCompletionSchema,
  upstreamEmbeddingsSchema,
  upstreamImagesSchema,
  upstreamModelsSchema,
  upstreamUsageSchema,
} from "./openAiResponseSchemas.ts";
import { upstreamHttpError } from "./upstreamHttpError.ts";

const routeSchema = z.enum(["chat/completions", "completions", "embeddings", "images/generations"]);

/** What an image upstream renders, as the operator declares it (it cannot be asked). */
export const openAiImageCapabilitiesSchema = z.strictObject({
  /** Sizes it renders, `"WxH"`. */
  sizes: z.array(z.string().regex(/^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$/, "must be WxH")).min(1),
  maxSteps: z.number().int().min(1).max(150),
  maxPromptCharacters: z.number().int().positive(),
});

/** Options of {@link OpenAiCompatibleBackend}, validated with zod in the constructor. */
export const openAiCompatibleBackendOptionsSchema = z
  .object({
    /** The upstream's OpenAI base URL, e.g. `http://127.0.0.1:8080/v1` (llama.cpp), `http://127.0.0.1:11434/v1` (Ollama). */
    baseUrl: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, "")),
    /** The model name sent upstream (replaces the request's `model`). */
    model: z.string().min(1),
    /** Sent as `Authorization: Bearer …` when set. */
    apiKey: z.string().min(1).optional(),
    /** Longest wait for the first byte of a response, and between two stream reads. Default 60 000. */
    timeoutMs: z.number().int().positive().default(60_000),
    /** Routes the upstream serves. Default chat and completions (embeddings need e.g. llama.cpp `--embeddings`). */
    routes: z.array(routeSchema).min(1).default(["chat/completions", "completions"]),
    /** Most keep-alive connections to the upstream (requests beyond them queue). Default 128. */
    connections: z.number().int().positive().default(128),
    /**
     * What the upstream serves beyond plain text, as the operator declares it (advertised in `GET /v1/supplier`,
     * routed on by gateways; a request needing an undeclared feature is refused with 400 `unsupported_parameter`).
     * Every key defaults to what cannot go wrong: `false`, and `contextLength` `null` (unknown).
     */
    capabilities: z
      .strictObject({
        /** `tools` / `tool_choice`, `tool` messages (llama.cpp with `--jinja`, vLLM with a tool parser, Ollama). */
        tools: z.boolean().default(false),
        /** `response_format` `json_object` / `json_schema`. */
        jsonSchema: z.boolean().default(false),
        /** `logprobs` / `top_logprobs` (completions `logprobs`). */
        logprobs: z.boolean().default(false),
        /** `image_url` content parts (a vision model). */
        images: z.boolean().default(false),
        /** The upstream's context size in tokens. */
        contextLength: z.number().int().positive().nullable().default(null),
        /** What an image upstream renders: required when `routes` include `images/generations`. */
        image: openAiImageCapabilitiesSchema.optional(),
      })
      .prefault({}),
  })
  .check((context) => {
    const { routes, capabilities } = context.value;
    if (routes.includes("images/generations") && !capabilities.image) {
      context.issues.push({
        code: "custom",
        path: ["capabilities", "image"],
        message: "required when `routes` include `images/generations` (sizes, maxSteps, maxPromptCharacters)",
        input: capabilities,
      });
    }
  });

export type OpenAiCompatibleBackendOptions = z.input<typeof openAiCompatibleBackendOptionsSchema>;

/** One upstream HTTP exchange: its abort controller, deadline and error mapping. */
type Call = {
  signal: AbortSignal;
  /** `promise`, or a `BackendTimeoutError` (and the exchange aborted) after `timeoutMs`. */
  deadline<T>(promise: Promise<T>): Promise<T>;
  /** Any failure of the exchange as a `BackendError`. */
  failure(error: unknown): BackendError;
  /** Aborts the exchange (closes the connection, which stops upstream generation). */
  abort(): void;
  /**
   * Ends the exchange without aborting (its body was read whole): aborting a finished exchange costs an
   * `AbortError` with a stack per request, ~6 % of the supplier's CPU under load.
   */
  release(): void;
};

/**
 * Serves through an OpenAI-compatible HTTP server (llama.cpp `llama-server`, vLLM, Ollama): the body is
 * validated, `model` replaced by the upstream name, bounds made explicit (`max_tokens`, `temperature`), and
 * the answer schema-checked. Usage must come from the upstream itself: a response (or stream, which asks for
 * `stream_options.include_usage`) without it fails with `BackendUsageMissingError`.
 *
 * Upstream failures map to `BackendError`s: 5xx and unreachable → 502 retryable, timeouts → 504 retryable,
 * 4xx → 400 with the upstream message (see `upstreamHttpError`).
 *
 * @example
 * ```ts
 * const backend = new OpenAiCompatibleBackend({ baseUrl: "http://127.0.0.1:8080/v1", model: "qwen2.5-0.5b" });
 * await backend.start();
 * for await (const event of backend.stream({ route: "chat/completions", body, signal })) write(event);
 * ```
 */
export class OpenAiCompatibleBackend implements Backend {
  readonly description: string;
  private readonly options: z.output<typeof openAiCompatibleBackendOptionsSchema>;
  private readonly closing = new AbortController();
  /** Keep-alive connections to the upstream's origin; `basePath` is the base URL's path. */
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly requestHeaders: Record<string, string>;
  private readonly postHeaders: Record<string, string>;

  constructor(options: OpenAiCompatibleBackendOptions) {
    // Every exchange in flight listens on `closing`: hundreds at once is normal, not a leak.
    setMaxListeners(0, this.closing.signal);
    const parsed = openAiCompatibleBackendOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BackendOptionsInvalidError({
        backend: "openai",
        reason: `\`${issue?.path.join(".")}\`: ${issue?.message}`,
        details: z.prettifyError(parsed.error),
      });
    }
    this.options = parsed.data;
    const url = new URL(this.options.baseUrl);
    url.username = "";
    url.password = "";
    this.description = `openai:${url.toString().replace(/\/+$/, "")}`;
    const base = new URL(this.options.baseUrl);
    this.basePath = base.pathname.replace(/\/+$/, "");
    this.requestHeaders = {
      accept: "application/json, text/event-stream",
      ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
    };
    this.postHeaders = { ...this.requestHeaders, "content-type": "application/json" };
    // undici's Pool, not `fetch`: no Request/Response objects per call, bodies written in one go (measured:
    // see issue 12). Timeouts are the backend's own (`deadline`), so undici's are off.
    this.pool = new Pool(base.origin, {
      connections: this.options.connections,
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 30_000,
    });
  }

  /**
   * Checks that `GET {baseUrl}/models` answers with a model list.
   *
   * @throws {BackendUnavailableError} unreachable or 5xx; {@link BackendTimeoutError}; other `BackendError`s for
   * 4xx or an invalid list.
   */
  async start(): Promise<void> {
    const call = this.call(this.closing.signal);
    try {
      const response = await call.deadline(
        this.pool.request({
          method: "GET",
          path: `${this.basePath}/models`,
          headers: this.requestHeaders,
          signal: call.signal,
        }),
      );
      const text = await call.deadline(response.body.text());
      if (response.statusCode >= 400) throw this.httpError(response.statusCode, text);
      this.parseUpstream(upstreamModelsSchema, text, "GET /models");
    } catch (error) {
      throw call.failure(error);
    } finally {
      call.abort();
    }
  }

  supports(route: BackendRoute): boolean {
    return this.options.routes.includes(route);
  }

  /** The operator's declaration (`capabilities` option): an HTTP upstream cannot be asked what it supports. */
  capabilities(): BackendCapabilities {
    const { image, ...text } = this.options.capabilities;
    return image ? { backend: "openai", ...text, image } : { backend: "openai", ...text };
  }

  async complete(request: BackendRequest): Promise<BackendResponse> {
    if (request.route === "images/generations") return this.completeImages(request);
    const { body, requestedModel } = this.upstreamBody(request, false);
    const call = this.call(request.signal);
    try {
      const response = await call.deadline(this.post(request.route, body, call.signal));
      const text = await call.deadline(response.body.text());
      if (response.statusCode >= 400) throw this.httpError(response.statusCode, text);
      const schema = request.route === "embeddings" ? upstreamEmbeddingsSchema : upstreamCompletionSchema;
      const json = this.parseUpstream(schema, text, request.route);
      const usage = this.usage(json.usage, request.route);
      call.release();
      return { body: { ...json, model: requestedModel ?? json.model }, usage };
    } catch (error) {
      call.abort();
      throw call.failure(error);
    }
  }

  async *stream(request: BackendRequest): AsyncGenerator<BackendStreamEvent, void, void> {
    if (request.route === "images/generations") {
      throw new BackendParameterUnsupportedError({ param: "stream", reason: "images are not streamed" });
    }
    if (request.route === "embeddings") {
      throw new BackendRouteUnsupportedError({
        route: "embeddings",
        description: this.description,
        reason: "embeddings are not streamed",
      });
    }
    const { body, requestedModel } = this.upstreamBody(request, true);
    const call = this.call(request.signal);
    let chunks: AsyncIterator<Buffer> | undefined;
    let response: Dispatcher.ResponseData | undefined;
    /** `data: [DONE]` was read: what follows is read too, so that the connection is reused. */
    let done = false;
    try {
      response = await call.deadline(this.post(request.route, body, call.signal));
      if (response.statusCode >= 400)
        throw this.httpError(response.statusCode, await call.deadline(response.body.text()));
      const header = response.headers["content-type"];
      const contentType = (Array.isArray(header) ? header[0] : header) ?? "";
      if (!contentType.includes("text/event-stream")) {
        const text = await call.deadline(response.body.text());
        throw new BackendResponseInvalidError({
          description: this.description,
          reason: `expected an event stream, got \`${contentType || "no content type"}\`: ${text.slice(0, 200)}`,
        });
      }
      // Piped: each read is parsed and yielded as it arrives, never buffered whole.
      chunks = response.body[Symbol.asyncIterator]();
      const decoder = new TextDecoder();
      const parser = createServerSentEventParser();
      let usage: BackendUsage | undefined;
      let finished = false;
      while (!done) {
        const read = await call.deadline(chunks.next());
        const events = read.done
          ? [...parser.feed(decoder.decode()), ...parser.end()]
          : parser.feed(decoder.decode(read.value, { stream: true }));
        for (const event of events) {
          if (event.data === "[DONE]") {
            done = true;
            break;
          }
          const chunk = this.parseUpstream(upstreamChunkSchema, event.data, `${request.route} stream`);
          if (chunk.usage != null) usage = this.usage(chunk.usage, request.route);
          if (chunk.choices.length === 0) continue;
          if (chunk.choices.some((choice) => choice.finish_reason != null)) finished = true;
          const { usage: _usage, ...rest } = chunk;
          yield { type: "chunk", chunk: { ...rest, model: requestedModel ?? rest.model } };
        }
        if (read.done) break;
      }
      if (!done && !finished) {
        throw new BackendResponseInvalidError({
          description: this.description,
          reason: "the stream ended before its last chunk",
        });
      }
      if (!usage) throw new BackendUsageMissingError({ description: this.description });
      yield { type: "usage", usage };
    } catch (error) {
      throw call.failure(error);
    } finally {
      if (done && response && !response.body.destroyed) {
        // Bounded: an upstream that keeps the response open after [DONE] loses the connection instead.
        const signal = AbortSignal.timeout(1000);
        await response.body.dump({ limit: 64 * 1024, signal }).catch(() => undefined);
      }
      call.abort();
      // Closes the connection when the stream was not read to its end (that stops upstream generation).
      if (response && !response.body.destroyed) response.body.destroy();
    }
  }

  /** Aborts requests in flight; later calls fail with `BackendUnavailableError`. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.pool.destroy().catch(() => undefined);
  }

  /**
   * `images/generations` upstream: the body forwarded with the upstream's model name and `response_format:
   * "b64_json"` (the supplier answers bytes; urls are a gateway's). The upstream must report what it generated:
   * exactly `n` images, each a `b64_json` string, or the relay fails (502) and nothing is billed. OpenAI's
   * images API reports no steps, so the units are the returned images × the requested steps (the signed body
   * names them; the gateway's billing audit recounts the same way).
   */
  private async completeImages(request: BackendRequest): Promise<BackendResponse> {
    if (this.closing.signal.aborted) throw this.closedError();
    if (!this.supports(request.route)) {
      throw new BackendRouteUnsupportedError({ route: request.route, description: this.description });
    }
    const image = parseImageRequest(request.body);
    const { steps } = requestedImageUnits(image.body);
    const body: Record<string, unknown> = {
      ...request.body,
      model: this.options.model,
      response_format: "b64_json",
    };
    delete body.stream;
    const call = this.call(request.signal);
    try {
      const response = await call.deadline(this.post(request.route, body, call.signal));
      const text = await call.deadline(response.body.text());
      if (response.statusCode >= 400) throw this.httpError(response.statusCode, text);
      const json = this.parseUpstream(upstreamImagesSchema, text, request.route);
      if (json.data.length !== image.n) {
        throw new BackendResponseInvalidError({
          description: this.description,
          reason: `${request.route}: \`data\` has ${json.data.length} images, ${image.n} were asked for`,
        });
      }
      call.release();
      return imageGenerationResponse(
        json.data.map((item) => item.b64_json),
        steps,
        json.created,
      );
    } catch (error) {
      call.abort();
      throw call.failure(error);
    }
  }

  private post(
    route: BackendRoute,
    body: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    return this.pool.request({
      method: "POST",
      path: `${this.basePath}/${route}`,
      headers: this.postHeaders,
      body: JSON.stringify(body),
      signal,
    });
  }

  /**
   * Validates the request locally (400 without a round trip: OpenAI's schema, the one the server checked) and
   * builds the body sent upstream: every field as sent (vendor fields included), but `model` (the upstream's
   * name), explicit bounds, and `stream` / `stream_options` as the method called needs.
   */
  private upstreamBody(
    request: BackendRequest,
    stream: boolean,
  ): { body: Record<string, unknown>; requestedModel: string | undefined } {
    if (this.closing.signal.aborted) throw this.closedError();
    if (!this.supports(request.route)) {
      throw new BackendRouteUnsupportedError({ route: request.route, description: this.description });
    }
    const parsed = parseOrThrow(openAiRouteSchemas[request.route], request.body) as Record<
      string,
      unknown
    > & {
      model: string;
      max_tokens?: number | null;
      max_completion_tokens?: number | null;
      temperature?: number | null;
      stream_options?: Record<string, unknown> | null;
    };
    const body: Record<string, unknown> = { ...request.body, model: this.options.model };
    // Images are forwarded by `completeImages`, never through here.
    if (request.route === "embeddings" || request.route === "images/generations")
      return { body, requestedModel: parsed.model };
    // Explicit bounds: servers differ in defaults (llama.cpp generates without limit, Ollama samples at 0.8).
    // `max_tokens` rather than `max_completion_tokens`: the one every OpenAI-compatible server reads.
    body.max_tokens = requestedMaxTokens(parsed, defaultMaxTokens[request.route]);
    delete body.max_completion_tokens;
    body.temperature = parsed.temperature ?? 1;
    body.stream = stream;
    // The upstream's usage is the receipt's units: always asked for when streaming. OpenAI refuses
    // `stream_options` on a request that does not stream.
    if (stream) body.stream_options = { ...parsed.stream_options, include_usage: true };
    else delete body.stream_options;
    return { body, requestedModel: parsed.model };
  }

  private call(requestSignal: AbortSignal): Call {
    const controller = new AbortController();
    // Listeners rather than `AbortSignal.any`: cheaper per request, and removed when the exchange ends.
    const onAbort = () => controller.abort();
    if (requestSignal.aborted || this.closing.signal.aborted) controller.abort();
    requestSignal.addEventListener("abort", onAbort, { once: true });
    this.closing.signal.addEventListener("abort", onAbort, { once: true });
    const release = () => {
      requestSignal.removeEventListener("abort", onAbort);
      this.closing.signal.removeEventListener("abort", onAbort);
    };
    const { timeoutMs } = this.options;
    const description = this.description;
    let timedOut = false;
    return {
      signal: controller.signal,
      deadline<T>(promise: Promise<T>): Promise<T> {
        return new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => {
            timedOut = true;
            controller.abort();
            reject(new BackendTimeoutError({ description, timeoutMs }));
          }, timeoutMs);
          promise.then(
            (value) => {
              clearTimeout(timer);
              resolve(value);
            },
            (error: unknown) => {
              clearTimeout(timer);
              reject(error);
            },
          );
        });
      },
      failure: (error) => {
        if (error instanceof BackendError) return error;
        if (timedOut) return new BackendTimeoutError({ description, timeoutMs, cause: error });
        if (this.closing.signal.aborted) return this.closedError();
        if (requestSignal.aborted) return new BackendRequestAbortedError({ cause: error });
        return new BackendUnavailableError({ description, reason: networkReason(error), cause: error });
      },
      abort: () => {
        release();
        controller.abort();
      },
      release,
    };
  }

  private closedError(): BackendError {
    return new BackendUnavailableError({
      description: this.description,
      reason: "closed",
      status: 503,
      isRetryable: false,
    });
  }

  private httpError(status: number, body: string): BackendError {
    return upstreamHttpError({
      description: this.description,
      status,
      body,
      timeoutMs: this.options.timeoutMs,
    });
  }

  private parseUpstream<Schema extends z.ZodType>(
    schema: Schema,
    text: string,
    what: string,
  ): z.infer<Schema> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new BackendResponseInvalidError({
        description: this.description,
        reason: `${what}: not JSON: ${text.slice(0, 200)}`,
        cause,
      });
    }
    if (typeof json === "object" && json !== null && "error" in json && !("choices" in json)) {
      // llama.cpp and vLLM report failures inside a stream as an `error` event.
      throw new BackendUnavailableError({
        description: this.description,
        reason: "upstream reported an error",
        details: JSON.stringify((json as { error: unknown }).error).slice(0, 500),
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BackendResponseInvalidError({
        description: this.description,
        reason: `${what}: \`${issue?.path.join(".")}\`: ${issue?.message}`,
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /** The upstream's counts; generation routes must report `completion_tokens`, embeddings need not. */
  private usage(value: unknown, route: BackendRoute): BackendUsage {
    if (value == null) throw new BackendUsageMissingError({ description: this.description });
    const parsed = upstreamUsageSchema.safeParse(value);
    if (!parsed.success) {
      throw new BackendResponseInvalidError({
        description: this.description,
        reason: "invalid `usage`",
        cause: parsed.error,
      });
    }
    const completionTokens = parsed.data.completion_tokens;
    if (completionTokens === undefined && route !== "embeddings") {
      throw new BackendUsageMissingError({ description: this.description });
    }
    return { promptTokens: parsed.data.prompt_tokens, completionTokens: completionTokens ?? 0 };
  }
}

/** A short reason for a failed request (`connection refused (ECONNREFUSED)`, …). */
function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "connection reset",
    ENOTFOUND: "host not found",
    EHOSTUNREACH: "host unreachable",
    UND_ERR_SOCKET: "connection closed",
  };
  if (typeof code === "string") return `${known[code] ?? "network error"} (${code})`;
  return cause instanceof Error ? cause.message : String(cause);
}
