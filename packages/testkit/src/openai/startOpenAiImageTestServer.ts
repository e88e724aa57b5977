import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Backend, BackendError } from "@aviary/supplier";

export type StartOpenAiImageTestServerParameters = {
  /** Renders the images (e.g. an `EmbeddedImageBackend` on the generated test image model). */
  backend: Backend;
  /** The id listed by `GET /v1/models`. */
  modelName: string;
  /** Answer this many images fewer than rendered (an upstream that under-delivers). @default 0 */
  dropImages?: number;
};

export type StartOpenAiImageTestServerReturnType = {
  /** `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  /** Bodies received on `POST /v1/images/generations`, in order. */
  received: Array<Record<string, unknown>>;
  /** Changes {@link StartOpenAiImageTestServerParameters.dropImages} for the next requests. */
  setDropImages(count: number): void;
  close(): Promise<void>;
};

/**
 * A minimal OpenAI-compatible image server on 127.0.0.1 (a free port) in front of an image {@link Backend}, for
 * tests of `OpenAiCompatibleBackend`'s images route against a real HTTP server and a real runtime, the way
 * stable-diffusion.cpp's server or LocalAI answer: `{ created, data: [{ b64_json }] }` without usage, OpenAI
 * error bodies. Not the supplier's relay server (no auth, no metering, no receipts).
 *
 * @param parameters - the backend, the model id to list, and whether to drop images.
 * @example
 * ```ts
 * const server = await startOpenAiImageTestServer({ backend: embeddedImage, modelName: "aviary-test-image" });
 * const client = new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: "aviary-test-image", … });
 * ```
 */
export async function startOpenAiImageTestServer({
  backend,
  modelName,
  dropImages = 0,
}: StartOpenAiImageTestServerParameters): Promise<StartOpenAiImageTestServerReturnType> {
  const received: Array<Record<string, unknown>> = [];
  let drop = dropImages;
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => writeError(response, error));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "").split("?")[0];
    if (request.method === "GET" && path === "/v1/models") {
      return writeJson(response, 200, { object: "list", data: [{ id: modelName, object: "model" }] });
    }
    if (request.method !== "POST" || path !== "/v1/images/generations") {
      return writeJson(response, 404, { error: { message: `no route ${request.method} ${path}` } });
    }
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as Record<string, unknown>;
    received.push(body);
    const abort = new AbortController();
    response.once("close", () => {
      if (!response.writableFinished) abort.abort(new Error("the client closed the connection"));
    });
    const { body: answer } = await backend.complete({
      route: "images/generations",
      body: { ...body, model: modelName },
      signal: abort.signal,
    });
    const data = (answer.data as Array<{ b64_json: string }>).slice(
      0,
      Math.max(0, (answer.data as []).length - drop),
    );
    // Like most image servers: no usage, only what was generated.
    writeJson(response, 200, { created: answer.created, data });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received,
    setDropImages(count) {
      drop = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function writeJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.destroyed) return;
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { "content-type": "application/json", "content-length": bytes.byteLength });
  response.end(bytes);
}

function writeError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) return void response.destroy();
  const status = error instanceof BackendError ? error.status : 500;
  const param = (error as { param?: unknown }).param;
  writeJson(response, status >= 400 && status < 600 ? status : 500, {
    error: {
      message: (error as Error).message.split("\n")[0],
      type: "invalid_request_error",
      param: param ?? null,
    },
  });
}
