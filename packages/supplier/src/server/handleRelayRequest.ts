import type { IncomingMessage, ServerResponse } from "node:http";
import type { OpenAiRoute } from "@aviary/protocol";
import {
  errorAnswer,
  type RelayByteStream,
  type ServeContext,
  serveRelay,
  type WholeRelayAnswer,
} from "./serveRelay.ts";
import { type RelayContext, verifyRelay } from "./verifyRelay.ts";

export type RelayHandlerParameters = {
  relay: RelayContext;
  serve: ServeContext;
  /** Larger request bodies are refused with 413 `body_too_large`. */
  maxBodyBytes: number;
  /** Counts relays in flight (until their last byte is written, or the client left), for graceful shutdown. */
  inFlight: { count: number };
  /** False once shutdown began: new relays get 503 `shutting_down`. */
  accepting: () => boolean;
};

export type RelayHandler = (route: OpenAiRoute, request: IncomingMessage, response: ServerResponse) => void;

/**
 * The relay routes' handler on `node:http` directly (no Request/Response objects: measured, issue 12):
 * reads the body under `maxBodyBytes`, verifies the relay, serves it, and writes the answer, streams piped with
 * backpressure. A client that goes away aborts the backend. Every refusal is OpenAI-shaped with a `code`.
 *
 * @example
 * ```ts
 * const handle = createRelayHandler({ relay, serve, maxBodyBytes: 1 << 20, inFlight, accepting: () => true });
 * createServer((request, response) => handle("chat/completions", request, response));
 * ```
 */
export function createRelayHandler(parameters: RelayHandlerParameters): RelayHandler {
  const { relay: relayContext, serve: serveContext, maxBodyBytes } = parameters;
  const refuse = (response: ServerResponse, answer: WholeRelayAnswer, code: string) => {
    serveContext.metrics.refusals.inc({ code });
    write(response, answer);
  };
  const tooLarge = () =>
    errorAnswer(413, "body_too_large", `The request body is larger than ${maxBodyBytes} bytes.`, null, {
      // The rest of the body is not read, so the connection cannot be reused.
      connection: "close",
    });

  return (route, request, response) => {
    const declared = Number(request.headers["content-length"]);
    if (declared > maxBodyBytes) return refuse(response, tooLarge(), "body_too_large");
    if (!parameters.accepting()) {
      return refuse(
        response,
        errorAnswer(503, "shutting_down", "This supplier is shutting down; use another."),
        "shutting_down",
      );
    }
    parameters.inFlight.count += 1;
    // The client went away before the answer was written: abort the backend (and a stream's generation).
    const abort = new AbortController();
    response.once("close", () => {
      parameters.inFlight.count -= 1;
      if (!response.writableFinished) abort.abort(new Error("the client closed the connection"));
    });
    void handle(route, request, response, abort.signal).catch((error: unknown) => {
      serveContext.metrics.refusals.inc({ code: "internal_error" });
      if (response.headersSent) response.destroy();
      else
        write(
          response,
          errorAnswer(500, "internal_error", `Internal error: ${(error as Error).message.split("\n")[0]}`),
        );
    });
  };

  async function handle(
    route: OpenAiRoute,
    request: IncomingMessage,
    response: ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const bodyBytes = await readBody(request, maxBodyBytes);
    if (bodyBytes === "too_large") return refuse(response, tooLarge(), "body_too_large");
    if (bodyBytes === "aborted") return; // the client went away mid-body: nothing to answer
    const header = request.headers["aviary-relay"];
    const verified = await verifyRelay(
      relayContext,
      route,
      Array.isArray(header) ? header[0] : header,
      bodyBytes,
    );
    if ("code" in verified) {
      return refuse(
        response,
        errorAnswer(verified.status, verified.code, verified.message, verified.param ?? null),
        verified.code,
      );
    }
    const answer = await serveRelay(serveContext, verified, signal);
    if ("body" in answer) return write(response, answer);
    await pipe(response, answer.status, answer.headers, answer.stream);
  }
}

function write(response: ServerResponse, answer: WholeRelayAnswer): void {
  if (response.destroyed) return;
  response.writeHead(answer.status, { ...answer.headers, "content-length": answer.body.byteLength });
  response.end(answer.body);
}

/** Writes a stream's chunks as they come, waiting for the socket to drain; cancels it if the client leaves. */
async function pipe(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  stream: RelayByteStream,
): Promise<void> {
  let closed = response.destroyed;
  const onClose = () => {
    closed = true;
    if (!response.writableFinished) stream.cancel(new Error("the client closed the connection"));
  };
  response.once("close", onClose);
  if (closed) return stream.cancel(new Error("the client closed the connection"));
  response.writeHead(status, headers);
  for (;;) {
    const parts = await stream.next();
    if (parts === undefined || closed) break;
    let drained = true;
    if (parts.length > 1) response.cork();
    for (const part of parts) drained = response.write(part);
    if (parts.length > 1) response.uncork();
    if (!drained && !closed)
      await new Promise<void>((resolve) => {
        const done = () => {
          response.off("drain", done);
          response.off("close", done);
          resolve();
        };
        response.once("drain", done);
        response.once("close", done);
      });
  }
  if (!closed) response.end();
}

/** The request body, or `too_large` past `limit` bytes (then the rest is not read), or `aborted`. */
function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array | "too_large" | "aborted"> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const finish = (value: Uint8Array | "too_large" | "aborted") => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
      resolve(value);
    };
    const onData = (part: Buffer) => {
      size += part.length;
      if (size > limit) {
        finish("too_large");
        request.pause();
      } else parts.push(part);
    };
    const onEnd = () => finish(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size));
    const onError = () => finish("aborted");
    const onClose = () => {
      if (!request.complete) finish("aborted");
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}
