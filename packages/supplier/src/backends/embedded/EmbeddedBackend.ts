import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { sha256File } from "@aviary/sdk";
import {
  type ChatWrapper,
  GeneralChatWrapper,
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaGrammar,
  LlamaLogLevel,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
} from "node-llama-cpp";
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
  BackendContextLengthExceededError,
  BackendError,
  BackendInternalError,
  BackendModelDigestMismatchError,
  BackendModelInvalidError,
  BackendModelNotFoundError,
  BackendOptionsInvalidError,
  BackendRequestAbortedError,
  BackendRouteUnsupportedError,
  BackendUnavailableError,
} from "../errors.ts";
import { parseEmbeddingRequest } from "../parseEmbeddingRequest.ts";
import { type GenerationRequest, parseGenerationRequest } from "../parseGenerationRequest.ts";
import { completeToolCallOutput, streamToolCallOutput } from "./assembleToolCallOutput.ts";
import { type BuildOutputGrammarReturnType, buildOutputGrammar } from "./buildOutputGrammar.ts";
import { buildTokenBias } from "./buildTokenBias.ts";
import { encodeEmbedding } from "./encodeEmbedding.ts";
import { type GenerateTextEvent, generateText } from "./generateText.ts";
import {
  chatCompletionBody,
  chatCompletionChunk,
  chatLogprobs,
  completionLogprobs,
  openAiUsage,
  type ResponseIdentity,
  responseIdentity,
  textCompletionBody,
  textCompletionChunk,
} from "./openAiBodies.ts";
import { renderPrompt } from "./renderPrompt.ts";
import { SequencePool } from "./SequencePool.ts";
import type { TokenLogprob } from "./tokenLogprob.ts";
import { vocabularySize } from "./vocabularySize.ts";

/** Options of {@link EmbeddedBackend}, validated with zod in the constructor. */
export const embeddedBackendOptionsSchema = z.object({
  /** The GGUF file to serve. */
  modelPath: z.string().min(1),
  /** `0x` hex SHA-256 the file must have (the model's content address). Required: checked by `start()`. */
  expectedSha256: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")
    .transform((value) => value.toLowerCase()),
  /** Tokens each sequence can hold (prompt + output). Default 2048. */
  contextSize: z.number().int().min(32).default(2048),
  /** Requests generated in parallel (batched together); more wait in a FIFO queue. Default 4. */
  sequences: z.number().int().min(1).max(64).default(4),
  /** CPU threads for evaluation. Default 1 (measured fastest for decode on 2-core machines). */
  threads: z.number().int().min(0).default(1),
  /** Tokens evaluated per batch; node-llama-cpp's default when absent. `1` makes scoring bit-exact with decoding. */
  batchSize: z.number().int().positive().optional(),
  /** Offload to a GPU when one is available. Default false (CPU only). */
  gpu: z.boolean().default(false),
  /** Serve `embeddings` (a second, lazily created context). Default true. */
  embeddings: z.boolean().default(true),
  /** Name in responses when the request names no `model`. Default: the file name without `.gguf`. */
  modelName: z.string().min(1).optional(),
});

export type EmbeddedBackendOptions = z.input<typeof embeddedBackendOptionsSchema>;

type Loaded = {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  pool: SequencePool<LlamaContextSequence>;
  embedding?: Promise<LlamaEmbeddingContext>;
  /** Compiled output grammars by GBNF text (the same tools or schema in request after request). */
  grammars: Map<string, Promise<LlamaGrammar>>;
};

/** Compiled grammars kept per backend; the oldest is dropped past this. */
const grammarCacheSize = 32;

type PreparedGeneration = {
  request: GenerationRequest;
  identity: ResponseIdentity;
  prompt: ReturnType<typeof renderPrompt>;
  tokenBias: ReturnType<typeof buildTokenBias>;
  /** The grammar of the output (JSON, tool calls) and whether it may be a call. */
  output: BuildOutputGrammarReturnType;
};

/**
 * Serves a GGUF model in process with node-llama-cpp (llama.cpp): OpenAI `chat/completions`, `completions`
 * and `embeddings`, streamed or not, with token counts from the runtime's own tokenizer.
 *
 * `start()` refuses a file whose SHA-256 differs from `expectedSha256`. Up to `sequences` requests run in
 * parallel on one context; the rest wait in order. Each request starts from an empty sequence, so greedy
 * (`temperature: 0`) output depends on the request alone.
 *
 * @example
 * ```ts
 * const backend = new EmbeddedBackend({ modelPath: model.path, expectedSha256: model.sha256 });
 * await backend.start();
 * const { body, usage } = await backend.complete({
 *   route: "chat/completions",
 *   body: { messages: [{ role: "user", content: "Hello" }], max_tokens: 8, temperature: 0 },
 *   signal: AbortSignal.timeout(10_000),
 * });
 * await backend.close();
 * ```
 */
export class EmbeddedBackend implements Backend {
  readonly description: string;
  private readonly options: z.output<typeof embeddedBackendOptionsSchema>;
  private loaded: Loaded | undefined;
  private starting: Promise<void> | undefined;
  private readonly closing = new AbortController();

  constructor(options: EmbeddedBackendOptions) {
    const parsed = embeddedBackendOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BackendOptionsInvalidError({
        backend: "embedded",
        reason: `\`${issue?.path.join(".")}\`: ${issue?.message}`,
        details: z.prettifyError(parsed.error),
      });
    }
    this.options = parsed.data;
    this.description = `embedded:${this.options.modelPath}`;
  }

  /**
   * Checks the file (exists, GGUF magic, SHA-256), loads the model and creates the context. Idempotent.
   *
   * @throws {BackendModelNotFoundError} the file is missing or unreadable.
   * @throws {BackendModelInvalidError} not a GGUF file, or the runtime cannot load it.
   * @throws {BackendModelDigestMismatchError} the file's SHA-256 is not `expectedSha256`.
   */
  start(): Promise<void> {
    this.starting ??= this.load().catch((error) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  supports(route: BackendRoute): boolean {
    return (
      route === "chat/completions" ||
      route === "completions" ||
      (route === "embeddings" && this.options.embeddings)
    );
  }

  /** Tools, JSON output and logprobs by the runtime itself (grammars, token probabilities); text only. */
  capabilities(): BackendCapabilities {
    return {
      backend: "embedded",
      tools: true,
      jsonSchema: true,
      logprobs: true,
      images: false,
      contextLength: this.options.contextSize,
    };
  }

  /** Tokens of `text` alone, as this model tokenizes it (no BOS, no chat template). */
  async countTokens(text: string): Promise<number> {
    return this.ready().model.tokenize(text, false).length;
  }

  async complete(request: BackendRequest): Promise<BackendResponse> {
    if (request.route === "embeddings") return this.embed(request);
    const prepared = this.prepare(request);
    if (prepared.output.toolCalls !== "none") return this.completeToolCalls(prepared, request.signal);
    let content = "";
    const logprobs: TokenLogprob[] = [];
    for await (const event of this.generate(prepared, request.signal)) {
      if (event.type === "text") {
        content += event.text;
        if (event.logprobs) logprobs.push(...event.logprobs);
        continue;
      }
      const { identity } = prepared;
      const wanted = prepared.request.logprobs !== undefined;
      const body =
        prepared.request.route === "chat/completions"
          ? chatCompletionBody(
              identity,
              content,
              event.finishReason,
              event.usage,
              wanted ? chatLogprobs(logprobs) : null,
            )
          : textCompletionBody(
              identity,
              content,
              event.finishReason,
              event.usage,
              wanted ? completionLogprobs(logprobs, 0) : null,
            );
      return { body, usage: event.usage };
    }
    throw new BackendInternalError({
      description: this.description,
      cause: new Error("generation ended without a result"),
    });
  }

  async *stream(request: BackendRequest): AsyncGenerator<BackendStreamEvent, void, void> {
    if (request.route === "embeddings") {
      throw new BackendRouteUnsupportedError({
        route: "embeddings",
        description: this.description,
        reason: "embeddings are not streamed",
      });
    }
    const prepared = this.prepare(request);
    if (prepared.output.toolCalls !== "none") {
      yield* streamToolCallOutput({
        events: this.generate(prepared, request.signal),
        identity: prepared.identity,
        logprobs: prepared.request.logprobs !== undefined,
      });
      return;
    }
    const chat = prepared.request.route === "chat/completions";
    const { identity } = prepared;
    // The role chunk waits for the first generation event: until then a failure can still become an HTTP status.
    let started = false;
    /** Characters streamed so far: where the next completions chunk's tokens start (`text_offset`). */
    let streamed = 0;
    for await (const event of this.generate(prepared, request.signal)) {
      if (chat && !started) {
        yield { type: "chunk", chunk: chatCompletionChunk(identity, { role: "assistant", content: "" }) };
      }
      started = true;
      if (event.type === "text") {
        const { logprobs } = event;
        const chunk = chat
          ? chatCompletionChunk(
              identity,
              { content: event.text },
              null,
              logprobs ? chatLogprobs(logprobs) : null,
            )
          : textCompletionChunk(
              identity,
              event.text,
              null,
              logprobs ? completionLogprobs(logprobs, streamed) : null,
            );
        streamed += event.text.length;
        yield { type: "chunk", chunk };
        continue;
      }
      const last = chat
        ? chatCompletionChunk(identity, {}, event.finishReason)
        : textCompletionChunk(identity, "", event.finishReason);
      yield { type: "chunk", chunk: last };
      yield { type: "usage", usage: event.usage };
    }
  }

  /**
   * Rejects queued requests and aborts running ones (they end with `BackendUnavailableError` at their next
   * token), then frees the embedding context, the context, the model and the runtime. node-llama-cpp waits for
   * a native evaluation in flight before freeing its memory.
   */
  async close(): Promise<void> {
    this.closing.abort();
    await this.starting?.catch(() => undefined);
    const loaded = this.loaded;
    this.loaded = undefined;
    if (!loaded) return;
    loaded.pool.close(this.closedError());
    const embedding = await loaded.embedding?.catch(() => undefined);
    await embedding?.dispose();
    await loaded.context.dispose();
    await loaded.model.dispose();
    await loaded.llama.dispose();
  }

  private async load(): Promise<void> {
    const { modelPath: path, expectedSha256 } = this.options;
    const file = await stat(path).catch((cause) => {
      throw new BackendModelNotFoundError({ path, cause });
    });
    if (!file.isFile()) throw new BackendModelNotFoundError({ path });
    const magic = Buffer.alloc(4);
    const handle = await open(path, "r").catch((cause) => {
      throw new BackendModelNotFoundError({ path, cause });
    });
    try {
      await handle.read(magic, 0, 4, 0);
    } finally {
      await handle.close();
    }
    if (magic.toString("latin1") !== "GGUF") {
      throw new BackendModelInvalidError({
        path,
        reason: `not a GGUF file (starts with 0x${magic.toString("hex")})`,
      });
    }
    const actual = await sha256File(path);
    if (actual !== expectedSha256)
      throw new BackendModelDigestMismatchError({ path, expected: expectedSha256, actual });
    if (this.closing.signal.aborted) throw this.closedError();

    const llama = await getLlama({
      gpu: this.options.gpu ? "auto" : false,
      build: "never",
      logLevel: LlamaLogLevel.error,
      progressLogs: false,
    });
    let model: LlamaModel | undefined;
    try {
      model = await llama
        .loadModel({ modelPath: path, gpuLayers: this.options.gpu ? "auto" : 0 })
        .catch((cause) => {
          throw new BackendModelInvalidError({ path, reason: "the runtime could not load it", cause });
        });
      const context = await model
        .createContext({
          contextSize: this.options.contextSize,
          sequences: this.options.sequences,
          threads: this.options.threads,
          ...(this.options.batchSize === undefined ? {} : { batchSize: this.options.batchSize }),
        })
        .catch((cause) => {
          throw new BackendModelInvalidError({
            path,
            reason: "the runtime could not create a context",
            cause,
          });
        });
      const sequences = Array.from({ length: this.options.sequences }, () => context.getSequence());
      const chatWrapper = resolveChatWrapper(model, { warningLogs: false }) ?? new GeneralChatWrapper();
      this.loaded = {
        llama,
        model,
        context,
        chatWrapper,
        pool: new SequencePool(sequences, (sequence) => sequence.clearHistory()),
        grammars: new Map(),
      };
    } catch (error) {
      await model?.dispose().catch(() => undefined);
      await llama.dispose().catch(() => undefined);
      throw error;
    }
  }

  private ready(): Loaded {
    if (this.loaded) return this.loaded;
    throw new BackendUnavailableError({
      description: this.description,
      reason: this.closing.signal.aborted ? "closed" : "not started",
      status: 503,
      isRetryable: !this.closing.signal.aborted,
    });
  }

  private closedError(): BackendError {
    return new BackendUnavailableError({ description: this.description, reason: "closed", status: 503 });
  }

  private prepare(request: BackendRequest): PreparedGeneration {
    const { model, chatWrapper, context } = this.ready();
    const route = request.route === "completions" ? "completions" : "chat/completions";
    const parsed = parseGenerationRequest(route, request.body, this.capabilities());
    const prompt = renderPrompt({ model, chatWrapper, request: parsed });
    const contextSize = context.contextSize;
    if (prompt.tokens.length >= contextSize) {
      throw new BackendContextLengthExceededError({ promptTokens: prompt.tokens.length, contextSize });
    }
    return {
      request: parsed,
      identity: responseIdentity(route, parsed.model ?? this.modelName()),
      prompt,
      tokenBias: buildTokenBias(model, parsed.logitBias),
      output:
        parsed.route === "chat/completions"
          ? buildOutputGrammar(parsed)
          : { gbnf: undefined, toolCalls: "none" },
    };
  }

  /** A chat answer that may call tools: the call JSON becomes `tool_calls` (see `completeToolCallOutput`). */
  private async completeToolCalls(
    prepared: PreparedGeneration,
    signal: AbortSignal,
  ): Promise<BackendResponse> {
    const response = await completeToolCallOutput({
      events: this.generate(prepared, signal),
      identity: prepared.identity,
      logprobs: prepared.request.logprobs !== undefined,
    });
    if (response) return response;
    throw new BackendInternalError({
      description: this.description,
      cause: new Error("generation ended without a result"),
    });
  }

  /** The compiled grammar of `gbnf` (cached); a grammar that does not compile is an internal error. */
  private grammar(gbnf: string): Promise<LlamaGrammar> {
    const loaded = this.ready();
    let grammar = loaded.grammars.get(gbnf);
    if (!grammar) {
      grammar = loaded.llama.createGrammar({ grammar: gbnf });
      grammar.catch(() => loaded.grammars.delete(gbnf));
      loaded.grammars.set(gbnf, grammar);
      const oldest = loaded.grammars.keys().next().value;
      if (loaded.grammars.size > grammarCacheSize && oldest !== undefined) loaded.grammars.delete(oldest);
    }
    return grammar.catch((cause) => {
      throw new BackendInternalError({ description: this.description, cause });
    });
  }

  private modelName(): string {
    return this.options.modelName ?? basename(this.options.modelPath).replace(/\.gguf$/i, "");
  }

  private async *generate(
    prepared: PreparedGeneration,
    requestSignal: AbortSignal,
  ): AsyncGenerator<GenerateTextEvent> {
    const { pool } = this.ready();
    const signal = AbortSignal.any([requestSignal, this.closing.signal]);
    const abortError = (usage?: BackendUsage) =>
      requestSignal.aborted
        ? new BackendRequestAbortedError({ usage, cause: requestSignal.reason })
        : this.closedError();
    const { gbnf } = prepared.output;
    const grammar = gbnf === undefined ? undefined : await this.grammar(gbnf);
    const sequence = await pool.acquire(signal, () => abortError());
    const { request, prompt } = prepared;
    try {
      yield* generateText({
        sequence,
        promptTokens: prompt.tokens,
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        topP: request.topP,
        seed: request.seed,
        frequencyPenalty: request.frequencyPenalty,
        presencePenalty: request.presencePenalty,
        ...(prepared.tokenBias ? { tokenBias: prepared.tokenBias } : {}),
        ...(request.logprobs === undefined ? {} : { logprobs: request.logprobs }),
        grammar,
        stop: prompt.stop,
        stopTokens: prompt.stopTokens,
        signal,
        onSequenceIdle: () => pool.release(sequence),
        abortError,
      });
    } catch (error) {
      if (error instanceof BackendError) throw error;
      throw new BackendInternalError({ description: this.description, cause: error });
    }
  }

  private async embed(request: BackendRequest): Promise<BackendResponse> {
    if (!this.options.embeddings) {
      throw new BackendRouteUnsupportedError({ route: "embeddings", description: this.description });
    }
    const loaded = this.ready();
    const parsed = parseEmbeddingRequest(request.body, {
      vocabularySize: vocabularySize(loaded.model),
      embeddingSize: loaded.model.embeddingVectorSize,
    });
    loaded.embedding ??= loaded.model.createEmbeddingContext({
      contextSize: this.options.contextSize,
      batchSize: this.options.contextSize,
      threads: this.options.threads,
    });
    const embedding = await loaded.embedding.catch((cause) => {
      loaded.embedding = undefined;
      throw new BackendInternalError({ description: this.description, cause });
    });
    // Ids were checked against the vocabulary: they are the runtime's tokens.
    const inputs = parsed.input.map((input) => (typeof input === "string" ? input : (input as Token[])));
    // What the runtime evaluates per input (with the BOS / EOS it adds): the exact `prompt_tokens`.
    const lengths = inputs.map((input) => embedding.calculateInputLength(input));
    const longest = Math.max(...lengths);
    if (longest >= this.options.contextSize) {
      throw new BackendContextLengthExceededError({
        promptTokens: longest,
        contextSize: this.options.contextSize,
      });
    }
    const data: Array<Record<string, unknown>> = [];
    let promptTokens = 0;
    for (const [index, input] of inputs.entries()) {
      if (request.signal.aborted)
        throw new BackendRequestAbortedError({ usage: { promptTokens, completionTokens: 0 } });
      if (this.closing.signal.aborted) throw this.closedError();
      const vector = await embedding.getEmbeddingFor(input).catch((cause) => {
        throw new BackendInternalError({ description: this.description, cause });
      });
      promptTokens += lengths[index] as number;
      const encoded = encodeEmbedding(vector.vector, parsed);
      data.push({ object: "embedding", index, embedding: encoded });
    }
    const usage = { promptTokens, completionTokens: 0 };
    const { prompt_tokens, total_tokens } = openAiUsage(usage);
    return {
      body: {
        object: "list",
        data,
        model: parsed.model ?? this.modelName(),
        usage: { prompt_tokens, total_tokens },
      },
      usage,
    };
  }
}
