import { open, stat } from "node:fs/promises";
import { samplerSeed } from "@aviary/protocol";
import { sha256File } from "@aviary/sdk";
import {
  type ChatHistoryItem,
  type ChatWrapper,
  GeneralChatWrapper,
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  type LlamaText,
  resolveChatWrapper,
  type Token,
} from "node-llama-cpp";
import { buildTokenPieces } from "./buildTokenPieces.ts";
import { ReferenceModelDigestMismatchError, ReferenceModelLoadError } from "./errors.ts";
import type { AuditedRequest } from "./parseAuditedRequest.ts";
import {
  type AuditPositionScore,
  type AuditSampling,
  longestMatchTokens,
  matchTokenPieces,
  replaySampledToken,
  samplerDraws,
  scoreAuditPosition,
  type TokenPieceIndex,
} from "./statistics/index.ts";

/** Options of {@link ReferenceModel.load}. */
export type ReferenceModelOptions = {
  /** The model's registered name (for errors and logs). */
  model: string;
  /** The GGUF file: the registered weights. */
  path: string;
  /** The registered `weightsDigest` (`0x` + 64 hex): the file must hash to it. */
  expectedSha256: string;
  /** Tokens a scored prompt + output may hold. Default 4096. */
  contextSize?: number;
  /** Tokens per evaluation batch; the runtime's default when absent. `1` replays decoding bit for bit. */
  batchSize?: number;
  /** CPU threads. Default 1. */
  threads?: number;
  /** Output tokens guessed and evaluated per batch while scoring (then verified one by one). Default 16. */
  speculativeWindow?: number;
  /**
   * Sampled outputs: how many fitting pieces to compare by their best next token where none dominates (0 or 1:
   * no lookahead). Default 3.
   */
  lookahead?: number;
};

/** A request's prompt as the model's runtime evaluates it. */
export type RenderedPrompt = {
  /** Exactly the prompt tokens a runtime on this model evaluates: what a receipt's input units may bill. */
  tokens: number[];
  /** Text that ends generation: the request's `stop` plus the chat template's text triggers. */
  stopStrings: string[];
  /** Single tokens of the chat template that end generation (besides end-of-generation tokens). */
  stopTokens: number[];
};

/** A supplier's output, scored token by token by the reference. */
export type ScoredOutput = {
  /** One score per output token (the tokens the output is made of, reconstructed with the reference). */
  positions: AuditPositionScore[];
  /** The position after the output: how likely stopping was there. */
  end: AuditPositionScore;
  /** The reconstructed output tokens. */
  tokens: number[];
  /** UTF-8 bytes of each reconstructed token (how reported log-probabilities line up with `positions`). */
  tokenBytes: number[];
  /** UTF-8 bytes of the output. */
  outputBytes: number;
  /** False when the output could not be scored to its end (no token fits its bytes, or the context is full). */
  complete: boolean;
  /** Tokens the runtime evaluated for the scoring (prompt included). */
  evaluatedTokens: number;
};

type Distribution = Map<Token, number>;

/** Lookahead is skipped when the likeliest fitting piece is at least this many times likelier than the next. */
const LOOKAHEAD_DOMINANCE = 20;

const encoder = new TextEncoder();

/**
 * The gateway's reference copy of an audited model, on node-llama-cpp: the file is verified against the
 * registered weights digest before it is loaded. It renders prompts exactly as a supplier's embedded runtime
 * does (same chat template, same tokenizer: the billing recount), scores a supplier's output in a
 * teacher-forced pass, and draws reference samples for the two-sample test. One operation at a time (a
 * queue), on one sequence.
 *
 * Scoring reconstructs the output's tokens from its text: at each position, of the tokens whose bytes start
 * the rest of the text, the one the reference finds likeliest. For a greedy output this is exactly the
 * supplier's token sequence (each served token was the argmax and fits the text). Candidates are evaluated in
 * batches of `speculativeWindow` guessed tokens (longest pieces); a wrong guess costs one more batch.
 *
 * @example
 * ```ts
 * const reference = await ReferenceModel.load({ model: "llama", path, expectedSha256: registeredDigest });
 * const prompt = reference.renderPrompt(request);
 * const scored = await reference.score({ prompt, output: "Paris.", sampling: { temperature: 0, topP: 1, maxTokens: 16 } });
 * ```
 */
export class ReferenceModel {
  readonly model: string;
  readonly path: string;
  readonly contextSize: number;
  readonly vocabularySize: number;
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;
  readonly #sequence: LlamaContextSequence;
  readonly #chatWrapper: ChatWrapper;
  readonly #index: TokenPieceIndex;
  readonly #endOfGeneration: Set<number>;
  readonly #window: number;
  readonly #lookahead: number;
  readonly #tokenBuffer: Int32Array;
  readonly #probabilityBuffer: Float64Array;
  /** What the buffers hold now (`#load`). */
  #loaded: { distribution: Distribution; count: number } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(
    options: ReferenceModelOptions,
    loaded: { llama: Llama; model: LlamaModel; context: LlamaContext },
  ) {
    this.model = options.model;
    this.path = options.path;
    this.#llama = loaded.llama;
    this.#model = loaded.model;
    this.#context = loaded.context;
    this.#sequence = loaded.context.getSequence();
    this.contextSize = loaded.context.contextSize;
    this.#chatWrapper = resolveChatWrapper(loaded.model, { warningLogs: false }) ?? new GeneralChatWrapper();
    const pieces = buildTokenPieces(loaded.model);
    this.#index = pieces.index;
    this.#endOfGeneration = pieces.endOfGeneration;
    this.vocabularySize = pieces.size;
    this.#window = Math.max(1, options.speculativeWindow ?? 16);
    this.#lookahead = Math.max(1, options.lookahead ?? 3);
    this.#tokenBuffer = new Int32Array(pieces.size);
    this.#probabilityBuffer = new Float64Array(pieces.size);
  }

  /**
   * Verifies and loads a reference: the file must exist, be GGUF, and hash to `expectedSha256`.
   *
   * @throws {ReferenceModelLoadError} missing, not GGUF, or not loadable.
   * @throws {ReferenceModelDigestMismatchError} the file is not the registered weights.
   */
  static async load(options: ReferenceModelOptions): Promise<ReferenceModel> {
    const { path } = options;
    const file = await stat(path).catch((cause) => {
      throw new ReferenceModelLoadError({ path, reason: "the file cannot be read", cause });
    });
    if (!file.isFile()) throw new ReferenceModelLoadError({ path, reason: "not a file" });
    const magic = Buffer.alloc(4);
    const handle = await open(path, "r");
    try {
      await handle.read(magic, 0, 4, 0);
    } finally {
      await handle.close();
    }
    if (magic.toString("latin1") !== "GGUF")
      throw new ReferenceModelLoadError({ path, reason: "not a GGUF file" });
    const actual = await sha256File(path);
    if (actual !== options.expectedSha256.toLowerCase()) {
      throw new ReferenceModelDigestMismatchError({
        model: options.model,
        path,
        expected: options.expectedSha256.toLowerCase(),
        actual,
      });
    }
    const llama = await getLlama({
      gpu: false,
      build: "never",
      logLevel: LlamaLogLevel.error,
      progressLogs: false,
    });
    let model: LlamaModel | undefined;
    try {
      model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
      const context = await model.createContext({
        contextSize: options.contextSize ?? 4096,
        sequences: 1,
        threads: options.threads ?? 1,
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      });
      return new ReferenceModel(options, { llama, model, context });
    } catch (cause) {
      await model?.dispose().catch(() => undefined);
      throw new ReferenceModelLoadError({ path, reason: "the runtime could not load it", cause });
    }
  }

  /**
   * The prompt tokens a supplier's runtime evaluates for `request` (its chat template and tokenizer; tools'
   * instructions, tool calls and tool results rendered by the shared `toChatHistory`), with the
   * stop strings and stop tokens that can end its output. Synchronous and cheap (tokenizer only): used for the
   * billing recount of every relay.
   *
   * @example
   * ```ts
   * const { tokens } = reference.renderPrompt(request); // tokens.length: the prompt units a receipt may bill
   * ```
   */
  renderPrompt(request: AuditedRequest): RenderedPrompt {
    const model = this.#model;
    if (request.route === "completions") {
      const tokens = model.tokenize(request.prompt, false) as number[];
      const bos = model.tokens.bos;
      if (model.tokens.shouldPrependBosToken && bos != null && tokens[0] !== bos) tokens.unshift(bos);
      return { tokens, stopStrings: [...request.stop], stopTokens: [] };
    }
    // The supplier's mapping (`toChatHistory`, in the parsed request), open assistant turn included.
    const chatHistory: ChatHistoryItem[] = request.chatHistory;
    const rendered: { contextText: LlamaText; stopGenerationTriggers: LlamaText[] } =
      this.#chatWrapper.generateContextState({ chatHistory });
    const stopStrings = [...request.stop];
    const stopTokens: number[] = [];
    for (const trigger of rendered.stopGenerationTriggers) {
      if (trigger.values.every((value) => typeof value === "string")) {
        const text = trigger.values.join("");
        if (text !== "" && !stopStrings.includes(text)) stopStrings.push(text);
        continue;
      }
      const tokens = trigger.tokenize(model.tokenizer);
      if (tokens.length === 1) stopTokens.push(tokens[0] as number);
    }
    return { tokens: rendered.contextText.tokenize(model.tokenizer) as number[], stopStrings, stopTokens };
  }

  /**
   * Scores `output` as the continuation of `prompt`: reconstructs its tokens and returns, per token, its rank
   * and log-probability under the reference (and the sampler statistics for sampled requests), plus the end
   * position. Queued behind other operations of this reference.
   *
   * @example
   * ```ts
   * const { positions, end } = await reference.score({ prompt, output, sampling });
   * const replayed = await reference.score({ prompt, output, sampling, seed: relaySamplingSeed(relayKey) });
   * ```
   */
  score(parameters: {
    prompt: RenderedPrompt;
    output: string;
    sampling: AuditSampling;
    /**
     * The seed the supplier's embedded runtime sampled with: each sampled position then also carries the token
     * that runtime's sampler picks with that position's draw (`replayedToken`, seeded replay). Absent: none.
     */
    seed?: number;
  }): Promise<ScoredOutput> {
    return this.#enqueue(() => this.#score(parameters));
  }

  /**
   * Generates a reference sample for `prompt` with OpenAI sampling semantics (temperature and `top_p` over the
   * whole vocabulary), ending at an end-of-generation token, a stop string, `maxTokens` or the context's end.
   *
   * @example
   * ```ts
   * const { text } = await reference.sample({ prompt, sampling: { temperature: 0.7, topP: 1, maxTokens: 32 }, seed: 1 });
   * ```
   */
  sample(parameters: {
    prompt: RenderedPrompt;
    sampling: AuditSampling;
    seed: number;
  }): Promise<{ text: string; finishReason: "stop" | "length"; tokens: number }> {
    return this.#enqueue(() => this.#sample(parameters));
  }

  /** Frees the context, the model and the runtime. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    await this.#context.dispose();
    await this.#model.dispose();
    void this.#llama;
  }

  #enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Copies a sorted distribution into the reusable buffers; returns the entry count. The distribution in the
   * buffers is remembered: a position replayed and then scored is copied once.
   */
  #load(distribution: Distribution): number {
    if (this.#loaded?.distribution === distribution) return this.#loaded.count;
    let count = 0;
    for (const [token, probability] of distribution) {
      this.#tokenBuffer[count] = token;
      this.#probabilityBuffer[count] = probability;
      count++;
    }
    this.#loaded = { distribution, count };
    return count;
  }

  #scorePosition(
    distribution: Distribution,
    token: number | undefined,
    sampling: AuditSampling,
    stopTokens: ReadonlySet<number>,
    replayedToken?: number,
  ): AuditPositionScore {
    const count = this.#load(distribution);
    const score = scoreAuditPosition({
      tokens: this.#tokenBuffer,
      probabilities: this.#probabilityBuffer,
      count,
      ...(token === undefined ? {} : { token }),
      temperature: sampling.temperature,
      topP: sampling.topP,
      stopTokens,
    });
    return replayedToken === undefined ? score : { ...score, replayedToken };
  }

  /** The token the embedded runtime's sampler picks from `distribution` with `draw` (`replaySampledToken`). */
  #replayToken(distribution: Distribution, sampling: AuditSampling, draw: number): number {
    return replaySampledToken({
      tokens: this.#tokenBuffer,
      probabilities: this.#probabilityBuffer,
      count: this.#load(distribution),
      temperature: sampling.temperature,
      topP: sampling.topP,
      draw,
    });
  }

  async #score({
    prompt,
    output,
    sampling,
    seed,
  }: {
    prompt: RenderedPrompt;
    output: string;
    sampling: AuditSampling;
    seed?: number;
  }): Promise<ScoredOutput> {
    if (this.#closed) throw new ReferenceModelLoadError({ path: this.path, reason: "closed" });
    const sequence = this.#sequence;
    const bytes = encoder.encode(output);
    // One draw per output position, in order, as the supplier's sampler drew one per token it generated.
    const draws = sampling.temperature > 0 && seed !== undefined ? samplerDraws(seed) : undefined;
    const stopTokens = new Set<number>([...this.#endOfGeneration, ...prompt.stopTokens]);
    // At the end, a stop string may have ended the output: its first tokens count as stopping too.
    const endStopTokens = new Set(stopTokens);
    for (const stop of prompt.stopStrings) {
      for (const match of matchTokenPieces(this.#index, encoder.encode(stop), 0))
        endStopTokens.add(match.token);
    }
    const promptTokens = prompt.tokens as Token[];
    await sequence.clearHistory();
    if (promptTokens.length > 1) await sequence.evaluateWithoutGeneratingNewTokens(promptTokens.slice(0, -1));
    let evaluated = Math.max(0, promptTokens.length - 1);
    const room = () => this.contextSize - sequence.nextTokenIndex - 1;
    const withProbabilities = (token: number) =>
      [token as Token, { generateNext: { probabilities: true } }] as [
        Token,
        { generateNext: { probabilities: true } },
      ];
    const evaluate = async (tokens: number[]) => {
      evaluated += tokens.length;
      const results = await sequence.controlledEvaluate(tokens.map(withProbabilities));
      return tokens.map((_, index) => results[index]?.next.probabilities ?? new Map<Token, number>());
    };

    let offset = 0;
    let window = this.#window;
    let guess = longestMatchTokens(this.#index, bytes, 0, Math.max(0, Math.min(window - 1, room() - 1)));
    let [current, ...guessed] = await evaluate([
      promptTokens.at(-1) ?? (this.#model.tokens.bos as Token),
      ...guess,
    ]);
    let committed = promptTokens.length; // tokens in the sequence that stay
    const positions: AuditPositionScore[] = [];
    const tokens: number[] = [];
    const tokenBytes: number[] = [];
    let complete = true;
    while (offset < bytes.length && current) {
      const distribution = current;
      const candidates = matchTokenPieces(this.#index, bytes, offset)
        .map((match) => ({ ...match, probability: distribution.get(match.token as Token) ?? 0 }))
        .sort((a, b) => b.probability - a.probability || b.bytes - a.bytes);
      let chosen = candidates[0];
      // Replayed: the token the supplier's sampler drew here, if the bytes allow it, is the split it made (a
      // wrong split would shift every later position off its draw).
      const replayedToken = draws ? this.#replayToken(distribution, sampling, draws()) : undefined;
      const replayedPiece = candidates.find((candidate) => candidate.token === replayedToken);
      // Sampled outputs: the likeliest piece here may not be the one the sampler drew, and a wrong split makes
      // the rest of the text look unlikely. Unless one candidate dominates, look one token ahead: keep the
      // candidate whose best continuation is likeliest (two-token path probability).
      const contenders = candidates.slice(0, this.#lookahead);
      const second = contenders[1];
      if (replayedPiece) chosen = replayedPiece;
      else if (
        sampling.temperature > 0 &&
        chosen &&
        second &&
        chosen.probability < LOOKAHEAD_DOMINANCE * second.probability &&
        room() > contenders.length
      ) {
        if (guess.length > 0) {
          await sequence.eraseContextTokenRanges([{ start: committed, end: sequence.nextTokenIndex }]);
          guess = [];
          guessed = [];
        }
        let best = Number.NEGATIVE_INFINITY;
        for (const candidate of contenders) {
          if (candidate.probability <= 0) continue;
          let continuation = 1;
          if (offset + candidate.bytes < bytes.length) {
            const [after] = await evaluate([candidate.token]);
            await sequence.eraseContextTokenRanges([{ start: committed, end: sequence.nextTokenIndex }]);
            continuation = 0;
            for (const next of matchTokenPieces(this.#index, bytes, offset + candidate.bytes))
              continuation = Math.max(continuation, after?.get(next.token as Token) ?? 0);
          }
          const score = Math.log(candidate.probability) + Math.log(continuation);
          if (score > best) {
            best = score;
            chosen = candidate;
          }
        }
      }
      if (!chosen) {
        // No token of this vocabulary makes these bytes: the text cannot come from this model.
        positions.push({
          ...this.#scorePosition(current, -2, sampling, stopTokens),
          logProb: Number.NEGATIVE_INFINITY,
          tailMass: sampling.temperature > 0 ? 0 : null,
        });
        complete = false;
        break;
      }
      positions.push(this.#scorePosition(current, chosen.token, sampling, stopTokens, replayedToken));
      tokens.push(chosen.token);
      tokenBytes.push(chosen.bytes);
      offset += chosen.bytes;
      if (guess.length > 0 && guess[0] === chosen.token) {
        guess = guess.slice(1);
        current = guessed[0] as Distribution;
        guessed = guessed.slice(1);
        committed++;
        continue;
      }
      // A wrong guess halves the next window, a fully used one doubles it (up to the configured size): outputs
      // the reference would not have written cost little more than one token per evaluation.
      if (guess.length > 0) {
        await sequence.eraseContextTokenRanges([{ start: committed, end: sequence.nextTokenIndex }]);
        window = Math.max(1, window >> 1);
      } else {
        window = Math.min(this.#window, window * 2);
      }
      if (room() < 1) {
        complete = offset >= bytes.length;
        current = undefined;
        break;
      }
      guess = longestMatchTokens(this.#index, bytes, offset, Math.max(0, Math.min(window - 1, room() - 1)));
      [current, ...guessed] = await evaluate([chosen.token, ...guess]);
      committed++;
    }
    const end = current
      ? this.#scorePosition(current, undefined, sampling, endStopTokens)
      : scoreAuditPosition({ tokens: [], probabilities: [], temperature: sampling.temperature, stopTokens });
    if (guess.length > 0)
      await sequence.eraseContextTokenRanges([{ start: committed, end: sequence.nextTokenIndex }]);
    return {
      positions,
      end,
      tokens,
      tokenBytes,
      outputBytes: bytes.length,
      complete,
      evaluatedTokens: evaluated,
    };
  }

  async #sample({
    prompt,
    sampling,
    seed,
  }: {
    prompt: RenderedPrompt;
    sampling: AuditSampling;
    seed: number;
  }): Promise<{ text: string; finishReason: "stop" | "length"; tokens: number }> {
    if (this.#closed) throw new ReferenceModelLoadError({ path: this.path, reason: "closed" });
    const sequence = this.#sequence;
    const promptTokens = prompt.tokens as Token[];
    await sequence.clearHistory();
    const limit = Math.max(0, Math.min(sampling.maxTokens, this.contextSize - promptTokens.length - 1));
    const stopTokens = new Set<number>([...this.#endOfGeneration, ...prompt.stopTokens]);
    const generated: Token[] = [];
    let finishReason: "stop" | "length" = "length";
    const iterator = sequence.evaluate(promptTokens, {
      temperature: sampling.temperature,
      topP: sampling.topP,
      topK: 0,
      minP: 0,
      seed: samplerSeed(seed),
      yieldEogToken: true,
    });
    try {
      while (generated.length < limit) {
        const step = await iterator.next();
        if (step.done) {
          finishReason = "stop";
          break;
        }
        if (stopTokens.has(step.value)) {
          finishReason = "stop";
          break;
        }
        generated.push(step.value);
      }
    } finally {
      await iterator.return();
    }
    let text = this.#model.detokenize(generated, false, promptTokens.slice(-8));
    let cut = -1;
    for (const stop of prompt.stopStrings) {
      const index = text.indexOf(stop);
      if (index >= 0 && (cut < 0 || index < cut)) cut = index;
    }
    if (cut >= 0) {
      text = text.slice(0, cut);
      finishReason = "stop";
    }
    return { text, finishReason, tokens: generated.length };
  }
}
