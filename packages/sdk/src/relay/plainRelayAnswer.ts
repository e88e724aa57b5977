/** A relay's JSON answer as bytes: what a `node:http` server writes without reading a `Response` back. */
export type PlainRelayAnswer = {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
};

const answers = new WeakMap<Response, PlainRelayAnswer>();

/**
 * Keeps the bytes a JSON relay answer was built from beside its `Response`, so that a server writing to a
 * socket (the gateway's relay listener) takes them as they are: reading the body back out of a `Response`
 * builds a web stream per relay (measured: about 5 % of the gateway's CPU at c=64).
 *
 * @example
 * ```ts
 * return rememberPlainAnswer(new Response(body, { status: 200, headers }), { status: 200, headers, body });
 * ```
 */
export function rememberPlainAnswer(response: Response, answer: PlainRelayAnswer): Response {
  answers.set(response, answer);
  return response;
}

/**
 * The bytes a JSON relay answer was built from, or undefined for any other `Response` (then read it as one).
 * The `Response`'s own body stays unread: consume one or the other.
 *
 * @example
 * ```ts
 * const plain = plainRelayAnswer(response);
 * if (plain) outgoing.writeHead(plain.status, plain.headers).end(plain.body);
 * ```
 */
export function plainRelayAnswer(response: Response): PlainRelayAnswer | undefined {
  return answers.get(response);
}
