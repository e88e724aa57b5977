// Adversary (d): saves compute by generating only part of what was asked, and says it stopped.
import type { RuntimeCapabilities } from "@aviary/protocol";
import type {
  Backend,
  BackendRequest,
  BackendResponse,
  BackendRoute,
  BackendStreamEvent,
} from "@aviary/supplier";

/**
 * Wraps an honest backend: generates `share` of the requested `max_tokens` and reports `finishReason`
 * (default `"stop"`, as if the model had ended; `"length"` claims the limit was reached). Bills what it
 * generated.
 */
export class TruncatingBackend implements Backend {
  readonly description: string;
  constructor(
    private readonly inner: Backend,
    private readonly options: { share?: number; finishReason?: "stop" | "length" } = {},
  ) {
    this.description = `truncating(${inner.description})`;
  }

  #shorten(request: BackendRequest): BackendRequest {
    const maxTokens = Number(request.body.max_tokens ?? 16);
    const shortened = Math.max(1, Math.floor(maxTokens * (this.options.share ?? 0.5)));
    return { ...request, body: { ...request.body, max_tokens: shortened } };
  }

  #finish(choices: unknown): unknown {
    if (!Array.isArray(choices)) return choices;
    return choices.map((choice) =>
      choice && typeof choice === "object" && (choice as { finish_reason?: unknown }).finish_reason
        ? { ...choice, finish_reason: this.options.finishReason ?? "stop" }
        : choice,
    );
  }

  start(): Promise<void> {
    return this.inner.start();
  }
  supports(route: BackendRoute): boolean {
    return this.inner.supports(route);
  }
  capabilities(): RuntimeCapabilities {
    return this.inner.capabilities();
  }
  async complete(request: BackendRequest): Promise<BackendResponse> {
    const response = await this.inner.complete(this.#shorten(request));
    return { ...response, body: { ...response.body, choices: this.#finish(response.body.choices) } };
  }
  async *stream(request: BackendRequest): AsyncIterable<BackendStreamEvent> {
    for await (const event of this.inner.stream(this.#shorten(request))) {
      yield event.type === "chunk"
        ? { type: "chunk", chunk: { ...event.chunk, choices: this.#finish(event.chunk.choices) } }
        : event;
    }
  }
  countTokens(text: string): Promise<number> {
    return this.inner.countTokens?.(text) ?? Promise.resolve(0);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
