import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { requestField } from "@aviary/protocol";
import { type Backend, BackendError, type BackendRoute } from "@aviary/supplier";

export type StartOpenAiTestServerParameters = {
  /** The backend answering the requests (e.g. an `EmbeddedBackend` on the generated test model). */
  backend: Backend;
  /** The id listed by `GET /v1/models`. */
  modelName: string;
  /**
   * Answer like an upstream with tool calling, whatever the backend does: a chat request with `tools` (and
   * `tool_choice` other than `none`) gets one call of the named tool, else the first, with arguments `{}`,
   * `content: null` and `finish_reason: "tool_calls"` (streamed: the call's `id` and name first, then its
   * arguments). Usage is the backend's for the same request without tools. @default false
   */
  toolCalls?: boolean;
  /**
   * Answer like an upstream with log-probabilities: a chat request with `logprobs: true` gets, per piece of
   * content the backend produced, `logprobs.content` with one entry (logprob −1, no alternatives) where the
   * backend gave none. @default false
   */
  logprobs?: boolean;
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
  toolCalls = false,
  logprobs = false,
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
    const call = toolCalls && route === "chat/completions" ? scriptedToolCall(body) : undefined;
    const withLogprobs = logprobs && route === "chat/completions" && body.logprobs === true;
    // The backend gets the request without what this server answers itself.
    const answered =
      call || withLogprobs
        ? omit(body, ["tools", "tool_choice", "parallel_tool_calls", "logprobs", "top_logprobs"])
        : body;
    // Like any upstream, it answers with what its runtime implements: vendor fields and fields the embedded
    // runtime refuses are recorded in `received` (what the tests check) but not handed to it.
    const inner = Object.fromEntries(
      Object.entries(answered).filter(([name]) => {
        const entry = requestField(route, name);
        return entry !== undefined && entry.embedded !== "refused";
      }),
    );

    if (call)
      return writeToolCall(
        response,
        body,
        call,
        await backend.complete({ route, body: inner, signal: controller.signal }),
      );
    if (body.stream !== true) {
      const { body: answer } = await backend.complete({ route, body: inner, signal: controller.signal });
      return writeJson(response, 200, withLogprobs ? addLogprobs(answer, "message") : answer);
    }
    const includeUsage =
      (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    let last: Record<string, unknown> | undefined;
    try {
      for await (const event of backend.stream({ route, body: inner, signal: controller.signal })) {
        if (!response.headersSent) {
          response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        }
        if (event.type === "chunk") {
          last = event.chunk;
          const chunk = withLogprobs ? addLogprobs(event.chunk, "delta") : event.chunk;
          response.write(`data: ${JSON.stringify(chunk)}\n\n`);
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

type ToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };

/** The call a tool-calling upstream would make for `body`, or undefined when it asks for none. */
function scriptedToolCall(body: Record<string, unknown>): ToolCall | undefined {
  const tools = body.tools as Array<{ function?: { name?: unknown } }> | undefined;
  const choice = body.tool_choice as string | { function?: { name?: unknown } } | undefined;
  if (!Array.isArray(tools) || tools.length === 0 || choice === "none") return undefined;
  const named = typeof choice === "object" && choice !== null ? choice.function?.name : undefined;
  const name = String(named ?? tools[0]?.function?.name ?? "tool");
  return {
    id: `call_${Math.random().toString(36).slice(2, 10)}`,
    type: "function",
    function: { name, arguments: "{}" },
  };
}

function writeToolCall(
  response: ServerResponse,
  body: Record<string, unknown>,
  call: ToolCall,
  answer: { body: Record<string, unknown>; usage: { promptTokens: number; completionTokens: number } },
): void {
  const usage = {
    prompt_tokens: answer.usage.promptTokens,
    completion_tokens: answer.usage.completionTokens,
    total_tokens: answer.usage.promptTokens + answer.usage.completionTokens,
  };
  const { choices: _choices, usage: _usage, ...head } = answer.body;
  if (body.stream !== true) {
    writeJson(response, 200, {
      ...head,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: null, tool_calls: [call] },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage,
    });
    return;
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...head, object: "chat.completion.chunk", choices, ...extra })}\n\n`;
  const { arguments: _arguments, ...opening } = call.function;
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  response.write(
    chunk([
      {
        index: 0,
        delta: {
          role: "assistant",
          content: null,
          tool_calls: [{ index: 0, id: call.id, type: "function", function: { ...opening, arguments: "" } }],
        },
        finish_reason: null,
      },
    ]),
  );
  response.write(
    chunk([
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: call.function.arguments } }] },
        finish_reason: null,
      },
    ]),
  );
  response.write(chunk([{ index: 0, delta: {}, finish_reason: "tool_calls" }]));
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  if (options?.include_usage === true) response.write(chunk([], { usage }));
  response.end("data: [DONE]\n\n");
}

/** `logprobs.content` for each choice's text (`message.content` or `delta.content`) where there is none. */
function addLogprobs(answer: Record<string, unknown>, key: "message" | "delta"): Record<string, unknown> {
  const choices = (answer.choices as Array<Record<string, unknown>> | undefined) ?? [];
  return {
    ...answer,
    choices: choices.map((choice) => {
      const content = (choice[key] as { content?: unknown } | undefined)?.content;
      if (choice.logprobs != null || typeof content !== "string" || content === "") return choice;
      const bytes = [...Buffer.from(content, "utf8")];
      return {
        ...choice,
        logprobs: { content: [{ token: content, logprob: -1, bytes, top_logprobs: [] }], refusal: null },
      };
    }),
  };
}

function omit(body: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !keys.includes(key)));
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
