// A real OpenAI-compatible HTTP server on loopback that answers at once with fixed text and usage: the
// baseline of the protocol-overhead benchmark, and a backend for tests that are not about inference.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type InstantServer = { baseUrl: string; requests: number; close: () => Promise<void> };

const words = ["alpha ", "beta ", "gamma ", "delta ", "epsilon ", "zeta ", "eta ", "theta "];

export async function startInstantOpenAiServer(
  options: { chunks?: number; promptTokens?: number } = {},
): Promise<InstantServer> {
  const chunks = options.chunks ?? 8;
  const promptTokens = options.promptTokens ?? 12;
  const state = { requests: 0 };
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      state.requests += 1;
      if (request.method === "GET" && request.url?.endsWith("/models")) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ object: "list", data: [{ id: "instant", object: "model" }] }));
        return;
      }
      let body: { stream?: boolean; model?: string; max_tokens?: number } = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString("utf8"));
      } catch {
        response.writeHead(400, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            error: { message: "bad json", type: "invalid_request_error", code: "invalid_json" },
          }),
        );
        return;
      }
      const count = Math.min(chunks, body.max_tokens ?? chunks);
      const chat = request.url?.includes("chat") ?? true;
      const id = `instant-${state.requests}`;
      const created = Math.floor(Date.now() / 1000);
      const usage = {
        prompt_tokens: promptTokens,
        completion_tokens: count,
        total_tokens: promptTokens + count,
      };
      if (body.stream) {
        response.writeHead(200, { "content-type": "text/event-stream" });
        for (let index = 0; index < count; index += 1) {
          const text = words[index % words.length];
          const choice = chat
            ? {
                index: 0,
                delta: index === 0 ? { role: "assistant", content: text } : { content: text },
                finish_reason: null,
              }
            : { index: 0, text, finish_reason: null };
          response.write(
            `data: ${JSON.stringify({ id, object: chat ? "chat.completion.chunk" : "text_completion", created, model: body.model, choices: [choice] })}\n\n`,
          );
        }
        const last = chat
          ? { index: 0, delta: {}, finish_reason: "length" }
          : { index: 0, text: "", finish_reason: "length" };
        response.write(
          `data: ${JSON.stringify({ id, object: chat ? "chat.completion.chunk" : "text_completion", created, model: body.model, choices: [last] })}\n\n`,
        );
        response.write(
          `data: ${JSON.stringify({ id, object: chat ? "chat.completion.chunk" : "text_completion", created, model: body.model, choices: [], usage })}\n\n`,
        );
        response.end("data: [DONE]\n\n");
        return;
      }
      const text = Array.from({ length: count }, (_, index) => words[index % words.length]).join("");
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify(
          chat
            ? {
                id,
                object: "chat.completion",
                created,
                model: body.model,
                choices: [
                  { index: 0, message: { role: "assistant", content: text }, finish_reason: "length" },
                ],
                usage,
              }
            : {
                id,
                object: "text_completion",
                created,
                model: body.model,
                choices: [{ index: 0, text, finish_reason: "length" }],
                usage,
              },
        ),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
