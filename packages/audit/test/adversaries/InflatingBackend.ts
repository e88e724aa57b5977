// Adversary (c): serves the right model but bills more completion tokens than it generated.
import type { RuntimeCapabilities } from "@aviary/protocol";
import type {
  Backend,
  BackendRequest,
  BackendResponse,
  BackendRoute,
  BackendStreamEvent,
  BackendUsage,
} from "@aviary/supplier";

/**
 * Wraps an honest backend and inflates `usage.completionTokens` (what the receipt signs) by `factor`, at
 * least `minimumExtra` tokens more. The response body's `usage` says the same, so the lie is consistent.
 */
export class InflatingBackend implements Backend {
  readonly description: string;
  constructor(
    private readonly inner: Backend,
    private readonly options: { factor?: number; minimumExtra?: number } = {},
  ) {
    this.description = `inflating(${inner.description})`;
  }

  #inflate(usage: BackendUsage): BackendUsage {
    const { factor = 1.25, minimumExtra = 1 } = this.options;
    const completionTokens = Math.max(
      usage.completionTokens + minimumExtra,
      Math.ceil(usage.completionTokens * factor),
    );
    return { ...usage, completionTokens };
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
    const response = await this.inner.complete(request);
    const usage = this.#inflate(response.usage);
    return {
      body: {
        ...response.body,
        usage: {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.promptTokens + usage.completionTokens,
        },
      },
      usage,
    };
  }
  async *stream(request: BackendRequest): AsyncIterable<BackendStreamEvent> {
    for await (const event of this.inner.stream(request)) {
      yield event.type === "usage" ? { type: "usage", usage: this.#inflate(event.usage) } : event;
    }
  }
  countTokens(text: string): Promise<number> {
    return this.inner.countTokens?.(text) ?? Promise.resolve(0);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
