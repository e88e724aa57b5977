import { Agent, type Dispatcher } from "undici";
import type { RelayTransport } from "./RelayTransport.ts";

export type CreateUndiciRelayTransportParameters = {
  /** Most connections kept open to one supplier origin. @default 128 */
  connections?: number;
  /** How long an idle connection is kept, ms. @default 30_000 */
  keepAliveTimeoutMs?: number;
  /** A dispatcher to send with instead (its pooling applies). */
  dispatcher?: Dispatcher;
};
export type CreateUndiciRelayTransportReturnType = RelayTransport;

/**
 * The default {@link RelayTransport}: undici's `request` over a keep-alive pool per supplier origin. Unlike
 * `fetch` it builds no WHATWG `Request`/`Response`/stream objects per relay: the body arrives as the socket's
 * chunks. Connections per origin are capped, so a burst queues on the pool instead of opening sockets
 * without bound.
 *
 * @param parameters - the per-origin connection limit, the keep-alive timeout, or a dispatcher.
 * @example
 * ```ts
 * const transport = createUndiciRelayTransport({ connections: 64 });
 * await sendRelayAttempt({ ...attempt, transport });
 * ```
 */
export function createUndiciRelayTransport(
  parameters: CreateUndiciRelayTransportParameters = {},
): CreateUndiciRelayTransportReturnType {
  const dispatcher =
    parameters.dispatcher ??
    new Agent({
      connections: parameters.connections ?? 128,
      keepAliveTimeout: parameters.keepAliveTimeoutMs ?? 30_000,
    });
  return async ({ url, headers, body, signal }) => {
    const target = new URL(url);
    const response = await dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: "POST",
      headers,
      body,
      signal,
    });
    const chunks = response.body[Symbol.asyncIterator]();
    return {
      status: response.statusCode,
      header: (name) => {
        const value = response.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(", ") : value;
      },
      read: async () => {
        const next = await chunks.next();
        return next.done ? undefined : (next.value as Uint8Array);
      },
      close: (reason) => {
        response.body.destroy(reason instanceof Error ? reason : undefined);
      },
    };
  };
}

let shared: RelayTransport | undefined;
/**
 * The process-wide default transport (one pool per supplier origin, shared by every relay client).
 *
 * @example
 * ```ts
 * const transport = defaultRelayTransport();
 * ```
 */
export function defaultRelayTransport(): RelayTransport {
  shared ??= createUndiciRelayTransport();
  return shared;
}
