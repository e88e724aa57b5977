import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Backend, BackendRoute } from "../Backend.ts";
import { BackendError } from "../errors.ts";

export type StartOpenAiTestServerParameters = {
  /** The backend answering the requests (e.g. an `EmbeddedBackend` on the generated test model). */
  backend: Backend;
  /** The id listed by `GET /v1/models`. */
  modelName: string;
};

export type StartOpenAiTestServerReturnType = {
  /** `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  /** Bodies received on the generation routes, in order (to check what a client sent). */
  received: Array<{ route: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
};

const routes = new Set<string>(["chat/completions", "completions", "embeddings"]);

/**
 * A minimal OpenAI-compatible HTTP server on 127.0.0.1 (a free port) in front of a {@link Backend}, for
 * tests of HTTP clients such as `OpenAiCompatibleBackend` against a real server with a real runtime. It speaks
 * like llama.cpp's server: SSE `data:` lines, a `choices: []` usage chunk when `stream_options.include_usage`
 * is set, `data: [DONE]`, OpenAI error bodies, and it aborts generation when the client disconnects.
 * Not the supplier's relay server (no auth, no metering, no receipts).
 *
 * @param parameters - the backend and the model id to list.
 * @example
 * ```ts
 * const server = await startOpenAiTestServer({ backend: embedded, modelName: "aviary-test-model" });
 * const client = new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: "aviary-test-model" });
 * ```
 */
export async function startOpenAiTestServer({
  backend,
  modelName,
}: StartOpenAiTestServerParameters): Promise<StartOpenAiTestServerReturnType> {
  const received: StartOpenAiTestServerReturnType["received"] = [];
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) writeError(response, error);
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "").replace(/^\/v1\//, "");
    if (request.method === "GET" && path === "models") {
      return writeJson(response, 200, {
        object: "list",
        data: [{ id: modelName, object: "model", owned_by: "aviary" }],
      });
    }
    if (request.method !== "POST" || !routes.has(path)) {
      return writeJson(response, 404, {
        error: { message: `no route ${request.method} ${request.url}`, code: "not_found" },
      });
    }
    const route = path as BackendRoute;
    const controller = new AbortController();
    response.on("close", () => {
      if (!response.writableFinished) controller.abort();
    });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(request)) as Record<string, unknown>;
    } catch {
      return writeJson(response, 400, { error: { message: "body is not JSON", code: "invalid_request" } });
    }
    received.push({ route, body });

    if (body.stream !== true) {
      const { body: answer } = await backend.complete({ route, body, signal: controller.signal });
      return writeJson(response, 200, answer);
    }
    const includeUsage =
      (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    let last: Record<string, unknown> | undefined;
    try {
      for await (const event of backend.stream({ route, body, signal: controller.signal })) {
        if (!response.headersSent) {
          response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        }
        if (event.type === "chunk") {
          last = event.chunk;
          response.write(`data: ${JSON.stringify(event.chunk)}\n\n`);
        } else if (includeUsage) {
          const { promptTokens, completionTokens } = event.usage;
          const usage = {
            prompt_tokens: promptTokens,
            completion_tokens: completionTokens,
            total_tokens: promptTokens + completionTokens,
          };
          response.write(`data: ${JSON.stringify({ ...last, choices: [], usage })}\n\n`);
        }
      }
    } catch (error) {
      if (!response.headersSent) throw error;
      response.write(`data: ${JSON.stringify({ error: errorBody(error).error })}\n\n`);
    }
    response.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function writeJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function errorBody(error: unknown): { error: { message: string; type: string; code: string } } {
  if (error instanceof BackendError) {
    return {
      error: {
        message: error.shortMessage,
        type: error.status < 500 ? "invalid_request_error" : "server_error",
        code: error.code,
      },
    };
  }
  return {
    error: {
      message: error instanceof Error ? error.message : String(error),
      type: "server_error",
      code: "internal_error",
    },
  };
}

function writeError(response: ServerResponse, error: unknown): void {
  writeJson(response, error instanceof BackendError ? error.status : 500, errorBody(error));
}
