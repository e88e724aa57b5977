/** One relay POST as a transport sends it. */
export type RelayTransportRequest = {
  /** `{endpoint}/v1/relay/{route}`. */
  url: string;
  headers: Record<string, string>;
  /** The exact body bytes. */
  body: Uint8Array;
  /** Aborts the request and its body (timeouts, the caller). */
  signal: AbortSignal;
};

/** A response as `sendRelayAttempt` reads it: the status, headers, and the body chunk by chunk. */
export type RelayTransportResponse = {
  status: number;
  /** A response header (case-insensitive), or null. */
  header(name: string): string | null;
  /** The next body chunk, or undefined at the end; rejects when the connection breaks. */
  read(): Promise<Uint8Array | undefined>;
  /** Stops reading and closes the connection. */
  close(reason?: unknown): void;
};

/**
 * How relay attempts reach suppliers: the default keeps a keep-alive connection pool per supplier origin
 * (`createUndiciRelayTransport`); `createFetchRelayTransport` adapts any `fetch` (tests, runtimes without
 * undici). Resolves once the response headers arrived; rejects on a connection error or abort.
 *
 * @example
 * ```ts
 * const transport: RelayTransport = createFetchRelayTransport(globalThis.fetch);
 * const response = await transport({ url, headers, body, signal });
 * ```
 */
export type RelayTransport = (request: RelayTransportRequest) => Promise<RelayTransportResponse>;
