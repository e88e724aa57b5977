import {
  ReceiptInvalidError,
  RelayAbortedError,
  RelayAttemptError,
  StreamBrokenError,
} from "../../errors.ts";
import type { RelayTransportResponse } from "../transport/RelayTransport.ts";

/** No chunk arrived within the chunk deadline. */
export class ChunkTimeout extends Error {}

export type RelayBodyReaderParameters = {
  response: RelayTransportResponse;
  /** Aborts the attempt's request (and so its body). */
  controller: AbortController;
  /** The caller's signal: a failure after it fired is an abort, not the supplier's fault. */
  signal: AbortSignal | undefined;
  endpoint: string;
  /** Most milliseconds between two chunks. */
  chunkTimeoutMs: number;
};

/**
 * Reads one relay attempt's response body with a deadline between chunks, and names what went wrong: the
 * part of `sendRelayAttempt` that both a JSON answer and a stream need.
 *
 * @example
 * ```ts
 * const reader = new RelayBodyReader({ response, controller, signal, endpoint, chunkTimeoutMs: 30_000 });
 * const body = await reader.readAll(32 * 1024 * 1024).catch((cause) => { throw reader.readFailure(cause); });
 * ```
 */
export class RelayBodyReader {
  /** Set when the caller stopped the attempt (cancel, or stopped iterating a stream). */
  cancelled = false;
  readonly #parameters: RelayBodyReaderParameters;

  constructor(parameters: RelayBodyReaderParameters) {
    this.#parameters = parameters;
  }

  /** The next chunk, or undefined at the end; throws ChunkTimeout, or what the body stream throws. */
  async readChunk(): Promise<Uint8Array | undefined> {
    let chunkTimer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.#parameters.response.read(),
        new Promise<never>((_, reject) => {
          chunkTimer = setTimeout(() => reject(new ChunkTimeout()), this.#parameters.chunkTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(chunkTimer);
    }
  }

  /** Reads the rest of the body; more than `limit` bytes is a 502 `response_too_large`. */
  async readAll(limit: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const chunk = await this.readChunk();
      if (!chunk) break;
      length += chunk.length;
      if (length > limit) {
        this.close();
        throw new RelayAttemptError({
          kind: "http",
          endpoint: this.#parameters.endpoint,
          status: 502,
          code: "response_too_large",
          message: `the response is larger than ${limit} bytes`,
        });
      }
      parts.push(chunk);
    }
    return concat(parts, length);
  }

  /** Reads and discards what is left (after a stream's `[DONE]`), so the connection can be reused. */
  async drain(): Promise<void> {
    try {
      while (await this.readChunk());
    } catch {
      this.close();
    }
  }

  close(reason?: unknown): void {
    this.#parameters.controller.abort(reason);
    this.#parameters.response.close(reason);
  }

  /** Whether a failure now is the caller's doing (its signal fired, or it cancelled). */
  get aborted(): boolean {
    return Boolean(this.#parameters.signal?.aborted) || this.cancelled;
  }

  /** A failure while reading a JSON answer, as the attempt's error. */
  readFailure(cause: unknown): Error {
    this.close();
    const { endpoint, chunkTimeoutMs, signal } = this.#parameters;
    if (cause instanceof RelayAttemptError || cause instanceof ReceiptInvalidError) return cause;
    if (this.aborted) return new RelayAbortedError({ cause: signal?.reason ?? cause });
    return attemptError(
      endpoint,
      cause,
      cause instanceof ChunkTimeout ? `no data for ${chunkTimeoutMs} ms` : null,
    );
  }

  /** A failure while reading a stream, as the error its events end with. */
  streamFailure(cause: unknown): Error {
    const { endpoint, chunkTimeoutMs, signal } = this.#parameters;
    if (
      cause instanceof StreamBrokenError ||
      cause instanceof ReceiptInvalidError ||
      cause instanceof RelayAbortedError
    )
      return cause;
    if (this.aborted) return new RelayAbortedError({ cause: signal?.reason ?? cause });
    if (cause instanceof ChunkTimeout) {
      return new StreamBrokenError({
        reason: "timeout",
        endpoint,
        message: `no data for ${chunkTimeoutMs} ms`,
        cause,
      });
    }
    if (cause instanceof RelayAttemptError && cause.code === "response_too_large") {
      return new StreamBrokenError({
        reason: "truncated",
        endpoint,
        code: cause.code,
        message: cause.supplierMessage,
      });
    }
    return new StreamBrokenError({
      reason: "network",
      endpoint,
      message: describeNetworkError(cause),
      cause,
    });
  }
}

/**
 * A relay attempt that could not reach its supplier or its data: `kind: "timeout"` with `timeout` as the
 * message when a deadline passed, else `kind: "network"` naming the system error.
 */
export function attemptError(endpoint: string, cause: unknown, timeout: string | null): RelayAttemptError {
  if (timeout !== null) return new RelayAttemptError({ kind: "timeout", endpoint, message: timeout, cause });
  return new RelayAttemptError({
    kind: "network",
    endpoint,
    message: describeNetworkError(cause),
    networkCode: networkCodeOf(cause),
    cause,
  });
}

/** The parts as one array (the part itself when there is one). */
export function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** undici reports `TypeError: fetch failed` with the system error as its cause. */
export function networkCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function describeNetworkError(error: unknown): string {
  const code = networkCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (${code})` : message;
}
