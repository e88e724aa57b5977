// A path under test, as the bench's client sees it: an undici Pool on keep-alive connections to one server,
// and one POST per call, timed to the whole body or (streamed) to the first body chunk.
import { Pool } from "undici";

/** How to send one request on a path: the URL path, its headers, its body. */
export type Target = {
  /** Short name, as printed in the tables. */
  name: string;
  pool: Pool;
  path: string;
  /** Headers of request `index` (so that each can carry its own presigned relay header). */
  headers: (index: number, stream: boolean) => Record<string, string>;
  body: (stream: boolean) => string;
  /** Called before each run of `count` requests (e.g. to presign that many relay headers). */
  prepare?: (count: number, stream: boolean) => void;
};

/** A Pool to `baseUrl`'s origin, with a connection for each concurrent request of the bench. */
export function poolFor(baseUrl: string, connections = 64): Pool {
  return new Pool(new URL(baseUrl).origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
}

const failuresShown = new Set<string>();

/** Prints the first failure of each target once, so that a broken path says why. */
function showFailure(target: Target, detail: string): void {
  if (failuresShown.has(target.name)) return;
  failuresShown.add(target.name);
  console.log(`first failure on ${target.name}: ${detail.slice(0, 400)}`);
}

/**
 * Sends request `index` on `target`. Resolves `true` (the caller times the call) when a non-streamed request
 * succeeded, the time to the first chunk in ms when a streamed one did (and ended with `data: [DONE]`), and
 * `false` when it failed.
 */
export async function send(target: Target, index: number, stream: boolean): Promise<number | boolean> {
  const start = performance.now();
  let response: Awaited<ReturnType<Pool["request"]>>;
  try {
    response = await target.pool.request({
      path: target.path,
      method: "POST",
      headers: { "content-type": "application/json", ...target.headers(index, stream) },
      body: target.body(stream),
    });
  } catch (error) {
    showFailure(target, (error as Error).message);
    return false;
  }
  if (response.statusCode !== 200) {
    showFailure(target, `HTTP ${response.statusCode} ${await response.body.text().catch(() => "")}`);
    return false;
  }
  if (!stream) {
    await response.body.arrayBuffer();
    return true;
  }
  let firstAt = 0;
  let tail = "";
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    if (firstAt === 0) firstAt = performance.now() - start;
    tail = (tail + chunk.toString("latin1")).slice(-300);
  }
  if (!tail.includes("data: [DONE]")) {
    showFailure(target, `the stream ended without data: [DONE] (…${tail.slice(-120)})`);
    return false;
  }
  return firstAt;
}

/** Sends one non-streamed request and returns its status and parsed JSON body (or text), for checks. */
export async function probe(target: Target, index = 0): Promise<{ status: number; body: unknown }> {
  const response = await target.pool.request({
    path: target.path,
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers(index, false) },
    body: target.body(false),
  });
  const text = await response.body.text();
  try {
    return { status: response.statusCode, body: JSON.parse(text) };
  } catch {
    return { status: response.statusCode, body: text };
  }
}
