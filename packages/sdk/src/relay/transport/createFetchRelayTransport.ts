import type { RelayTransport } from "./RelayTransport.ts";

export type CreateFetchRelayTransportReturnType = RelayTransport;

/**
 * A {@link RelayTransport} over a `fetch` function: for callers that bring their own (`createAviaryFetch`'s
 * `fetch` option, tests that intercept requests).
 *
 * @param fetchFunction - the fetch to send with. @default globalThis.fetch
 * @example
 * ```ts
 * await sendRelayAttempt({ ...attempt, transport: createFetchRelayTransport(myFetch) });
 * ```
 */
export function createFetchRelayTransport(
  fetchFunction: typeof globalThis.fetch = globalThis.fetch,
): CreateFetchRelayTransportReturnType {
  return async ({ url, headers, body, signal }) => {
    const response = await fetchFunction(url, { method: "POST", headers, body, signal });
    const reader = response.body?.getReader();
    return {
      status: response.status,
      header: (name) => response.headers.get(name),
      read: async () => {
        if (!reader) return undefined;
        const next = await reader.read();
        return next.done ? undefined : next.value;
      },
      close: (reason) => {
        reader?.cancel(reason).catch(() => {});
      },
    };
  };
}
