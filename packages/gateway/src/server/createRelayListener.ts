import type { IncomingMessage, ServerResponse } from "node:http";
import { type OpenAiRoute, openAiError } from "@aviary/protocol";
import { plainRelayAnswer, ResponseItemMemory, relayResponses } from "@aviary/sdk";
import { answerImageUrls } from "./answerImageUrls.ts";
import { authenticateBearer } from "./authenticateBearer.ts";
import type { GatewayAppParameters } from "./createGatewayApp.ts";
import { handleRelay } from "./handleRelay.ts";
import { ImageStore } from "./ImageStore.ts";

/** Answers a request on a relay route; false when it is not one (the caller passes it on). */
export type RelayListener = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;
export type CreateRelayListenerReturnType = RelayListener;

// `responses` (OpenAI's Responses API) is served as a chat/completions relay: see `relayResponses`.
const relayRoutes = new Map<string, OpenAiRoute | "responses">([
  ["/v1/chat/completions", "chat/completions"],
  ["/v1/completions", "completions"],
  ["/v1/embeddings", "embeddings"],
  ["/v1/images/generations", "images/generations"],
  ["/v1/responses", "responses"],
]);

const IMAGE_PATH = /^\/v1\/images\/([A-Za-z0-9_-]+)\.png$/;

/**
 * The gateway's relay routes (`POST /v1/chat/completions`, `/v1/completions`, `/v1/embeddings`, and
 * `/v1/images/generations`, `/v1/responses`, translated to and from one chat/completions relay by
 * `relayResponses`; and `GET /v1/images/<id>.png`, the images of `response_format: "url"` answers, kept an hour
 * in an `ImageStore`, no API key needed: the id is an unguessable token) as a
 * plain `node:http` listener, dispatched before hono (which keeps every other route): no framework
 * `Request` per relay, the body read straight off the socket with its size limit, the answer written straight
 * to the socket. Chosen by measurement: with the same pipeline behind it, the gateway spent ~2.0 ms of CPU per
 * relay here against ~2.4 ms behind hono's node adapter (instant backend, c=64). Checks: the bearer key, the
 * body limit, shutting down, and the in-flight count until the last byte (or the client's disconnect).
 *
 * @param parameters - what `createGatewayApp` gets (relay context, store, limits, in-flight counter).
 * @param images - where `url` answers' PNGs are kept. @default a new `ImageStore` (256 MiB, one hour)
 * @example
 * ```ts
 * const relay = createRelayListener(parameters);
 * const server = createServer((incoming, outgoing) => relay(incoming, outgoing) || honoListener(incoming, outgoing));
 * ```
 */
export function createRelayListener(
  parameters: GatewayAppParameters,
  images: ImageStore = new ImageStore(),
): CreateRelayListenerReturnType {
  const { maxBodyBytes } = parameters;
  // The Responses output items this gateway process produced, for `item_reference`, scoped by API key id.
  const responseItems = new ResponseItemMemory();
  const context: ListenerContext = { parameters, responseItems, images, maxBodyBytes };
  return (incoming, outgoing) => {
    const url = incoming.url ?? "";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    if (incoming.method !== "POST") {
      if (incoming.method !== "GET" || !path.startsWith("/v1/images/")) return false;
      serveImage(images, path, outgoing);
      return true;
    }
    const route = relayRoutes.get(path);
    if (!route) return false;
    void serve(context, route, incoming, outgoing).catch((error: unknown) => {
      parameters.relay.logger.error({ err: error }, "unhandled gateway error");
      if (!outgoing.headersSent) {
        writeJson(
          outgoing,
          500,
          openAiError(500, "internal_error", `Internal error: ${(error as Error).message.split("\n")[0]}`),
        );
      } else outgoing.destroy();
    });
    return true;
  };
}

type ListenerContext = {
  parameters: GatewayAppParameters;
  responseItems: ResponseItemMemory;
  images: ImageStore;
  maxBodyBytes: number;
};

/** `GET /v1/images/<id>.png`: a kept PNG, or an OpenAI-shaped 404. */
function serveImage(images: ImageStore, path: string, outgoing: ServerResponse): void {
  const id = IMAGE_PATH.exec(path)?.[1];
  const png = id === undefined ? undefined : images.get(id);
  if (!png) {
    writeJson(
      outgoing,
      404,
      openAiError(
        404,
        "image_not_found",
        "No such image: image URLs are served for an hour after the request.",
      ),
    );
    return;
  }
  outgoing.writeHead(200, {
    "content-type": "image/png",
    "content-length": String(png.length),
    "cache-control": "private, max-age=3600, immutable",
  });
  outgoing.end(png);
}

async function serve(
  { parameters, responseItems, images, maxBodyBytes }: ListenerContext,
  route: OpenAiRoute | "responses",
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  const auth = await authenticateBearer(parameters.store, incoming.headers.authorization);
  if (!auth.key) {
    incoming.resume();
    writeJson(outgoing, 401, auth.error);
    return;
  }
  const { key } = auth;
  const declared = Number(incoming.headers["content-length"] ?? 0);
  const body = declared > maxBodyBytes ? undefined : await readBody(incoming, maxBodyBytes);
  if (!body) {
    outgoing.setHeader("connection", "close");
    writeJson(
      outgoing,
      413,
      openAiError(413, "body_too_large", `The request body is larger than ${maxBodyBytes} bytes.`),
    );
    incoming.destroy();
    return;
  }
  if (!parameters.accepting()) {
    writeJson(
      outgoing,
      503,
      openAiError(503, "shutting_down", "This gateway is shutting down; retry on another replica."),
    );
    return;
  }

  parameters.inFlight.count += 1;
  parameters.metrics.inFlight.inc();
  let counted = true;
  const done = () => {
    if (!counted) return;
    counted = false;
    parameters.inFlight.count -= 1;
    parameters.metrics.inFlight.dec();
  };
  // The client went away before the answer's end: abort the relay (the supplier stops generating).
  const controller = new AbortController();
  outgoing.once("close", () => {
    done();
    if (!outgoing.writableFinished) controller.abort(new Error("the client closed the connection"));
  });
  let response =
    route === "responses"
      ? await relayResponses({
          bytes: body,
          relayChat: (chat) =>
            handleRelay(parameters.relay, "chat/completions", key, chat, controller.signal),
          items: { memory: responseItems, scope: key.id },
        })
      : await handleRelay(parameters.relay, route, key, body, controller.signal);
  // The supplier answered base64 (the gateway always relays `b64_json`): a `url` answer is served from here.
  if (route === "images/generations" && asksForUrls(body)) {
    response = await answerImageUrls({ response, images, origin: requestOrigin(incoming) });
  }
  // A JSON relay answer's own bytes, written as they are (no web stream to read them back out of).
  const plain = plainRelayAnswer(response);
  if (plain) {
    outgoing.writeHead(plain.status, {
      ...plain.headers,
      "content-length": String(plain.body.length),
    });
    outgoing.end(plain.body);
    return;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const stream = response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
  if (!stream || !response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    headers["content-length"] = String(bytes.length);
    outgoing.writeHead(response.status, headers);
    outgoing.end(bytes);
    return;
  }
  outgoing.writeHead(response.status, headers);
  outgoing.flushHeaders();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel(new Error("the client closed the connection")).catch(() => {});
  outgoing.once("close", () => {
    if (!outgoing.writableFinished) cancel();
  });
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    // Backpressure: a slow client slows the read from the supplier rather than filling memory.
    if (!outgoing.write(next.value)) {
      await new Promise((resolve) => {
        outgoing.once("drain", resolve);
        outgoing.once("close", resolve);
      });
    }
    if (outgoing.destroyed) {
      cancel();
      return;
    }
  }
  outgoing.end();
}

/** Whether an images request asked for `response_format: "url"` (it parsed: `handleRelay` answered it). */
function asksForUrls(body: Uint8Array): boolean {
  try {
    return (
      (JSON.parse(Buffer.from(body).toString("utf8")) as { response_format?: unknown }).response_format ===
      "url"
    );
  } catch {
    return false;
  }
}

/** How the client reached this gateway: `x-forwarded-proto` (behind a TLS proxy) or http, and the Host. */
function requestOrigin(incoming: IncomingMessage): string {
  const forwarded = incoming.headers["x-forwarded-proto"];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  const scheme = proto === "https" ? "https" : "http";
  const host = incoming.headers.host ?? `${incoming.socket.localAddress}:${incoming.socket.localPort}`;
  return `${scheme}://${host}`;
}

/** The body, or undefined when it is larger than `limit`. */
async function readBody(incoming: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) return undefined;
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
}

function writeJson(outgoing: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  outgoing.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  outgoing.end(text);
}
