import { unsupportedRequestField } from "@aviary/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type {
  Backend,
  BackendRequest,
  BackendResponse,
  BackendRoute,
  BackendStreamEvent,
  BackendUsage,
} from "../../src/backends/Backend.ts";
import { BackendError } from "../../src/backends/errors.ts";

/** What {@link describeBackendConformance} needs: a started backend and what to undo afterwards. */
export type BackendConformanceSetup = () => Promise<{ backend: Backend; teardown?: () => Promise<void> }>;

const modelName = "conformance-model";

const chatBody = {
  model: modelName,
  messages: [
    { role: "system", content: "You answer in one short sentence." },
    { role: "user", content: [{ type: "text", text: "Tell me about birds in the sky." }] },
  ],
  max_tokens: 24,
  temperature: 0,
};

const completionBody = {
  model: modelName,
  prompt: "Once upon a time, a little bird",
  max_tokens: 24,
  temperature: 0,
};

type Collected = {
  events: BackendStreamEvent[];
  chunks: Array<Record<string, unknown>>;
  text: string;
  contentChunks: number;
  usage: BackendUsage | undefined;
};

function request(
  route: BackendRoute,
  body: Record<string, unknown>,
  signal = AbortSignal.timeout(30_000),
): BackendRequest {
  return { route, body, signal };
}

/** The text a chunk carries: `delta.content` (chat) or `text` (completions). */
function chunkText(chunk: Record<string, unknown>): string {
  const choice = (chunk.choices as Array<Record<string, unknown>> | undefined)?.[0];
  const delta = choice?.delta as { content?: unknown } | undefined;
  const text = delta ? delta.content : choice?.text;
  return typeof text === "string" ? text : "";
}

function finishReasonOf(body: Record<string, unknown>): unknown {
  return (body.choices as Array<Record<string, unknown>> | undefined)?.[0]?.finish_reason ?? null;
}

function responseText(body: Record<string, unknown>): string {
  const choice = (body.choices as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
  const message = choice.message as { content?: unknown } | undefined;
  return String(message ? message.content : choice.text);
}

async function collect(stream: AsyncIterable<BackendStreamEvent>): Promise<Collected> {
  const collected: Collected = { events: [], chunks: [], text: "", contentChunks: 0, usage: undefined };
  for await (const event of stream) {
    collected.events.push(event);
    if (event.type === "usage") {
      collected.usage = event.usage;
      continue;
    }
    collected.chunks.push(event.chunk);
    const text = chunkText(event.chunk);
    if (text !== "") collected.contentChunks++;
    collected.text += text;
  }
  return collected;
}

function expectUsage(body: Record<string, unknown>, usage: BackendUsage, maxTokens: number): void {
  expect(usage.promptTokens).toBeGreaterThan(0);
  expect(usage.completionTokens).toBeGreaterThan(0);
  expect(usage.completionTokens).toBeLessThanOrEqual(maxTokens);
  expect(body.usage).toMatchObject({
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  });
}

function expectStreamShape(collected: Collected, object: string): void {
  // Exactly one usage event, and it is the last event.
  expect(collected.events.filter((event) => event.type === "usage")).toHaveLength(1);
  expect(collected.events.at(-1)?.type).toBe("usage");
  for (const chunk of collected.chunks) expect(chunk.object).toBe(object);
  // Exactly one chunk carries a finish reason, and it is the last chunk.
  const finished = collected.chunks.filter((chunk) => finishReasonOf(chunk) !== null);
  expect(finished).toHaveLength(1);
  expect(finishReasonOf(collected.chunks.at(-1) as Record<string, unknown>)).not.toBeNull();
  expect(collected.contentChunks).toBeGreaterThanOrEqual(2);
}

async function expectRejects(promise: Promise<unknown>, status: number): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(BackendError);
  expect((error as BackendError).status).toBe(status);
  return error as BackendError;
}

/**
 * The suite every {@link Backend} passes (hono's shared router suite, for backends): OpenAI shapes, usage
 * from the runtime, streamed = non-streamed for greedy requests, `max_tokens`, `stop`, abort, concurrency,
 * and 400s for invalid input. Run it from the backend's own test file; it calls `backend.close()` and then
 * `teardown` after the last test.
 *
 * The backend must serve a model whose greedy output for the prompts below is at least a few tokens long
 * (the generated test model always is).
 *
 * @param name - the suite's name (e.g. `"EmbeddedBackend"`).
 * @param setup - starts the backend (and whatever it needs) and returns it.
 * @example
 * ```ts
 * describeBackendConformance("EmbeddedBackend", async () => {
 *   const model = await ensureTestModel({ directory: temporaryDirectory, preset: "tiny" });
 *   const backend = new EmbeddedBackend({ modelPath: model.path, expectedSha256: model.sha256 });
 *   await backend.start();
 *   return { backend };
 * });
 * ```
 */
export function describeBackendConformance(name: string, setup: BackendConformanceSetup): void {
  describe(`${name} (backend conformance)`, () => {
    let backend: Backend;
    let teardown: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ backend, teardown } = await setup());
    });

    afterAll(async () => {
      await backend?.close();
      await teardown?.();
    });

    test("describes itself and supports chat and completions", () => {
      expect(backend.description).toMatch(/\S/);
      expect(backend.supports("chat/completions")).toBe(true);
      expect(backend.supports("completions")).toBe(true);
    });

    test("declares its capabilities, and a plain text request needs none of them", () => {
      const capabilities = backend.capabilities();
      expect(["embedded", "openai"]).toContain(capabilities.backend);
      for (const key of ["tools", "jsonSchema", "logprobs", "images"] as const) {
        expect(typeof capabilities[key]).toBe("boolean");
      }
      if (capabilities.contextLength !== null) {
        expect(Number.isInteger(capabilities.contextLength)).toBe(true);
        expect(capabilities.contextLength).toBeGreaterThan(0);
      }
      expect(unsupportedRequestField("chat/completions", chatBody, capabilities)).toBeUndefined();
      expect(unsupportedRequestField("completions", completionBody, capabilities)).toBeUndefined();
      // What is not declared is refused by name, so that no field is silently dropped.
      if (!capabilities.tools) {
        const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
        expect(unsupportedRequestField("chat/completions", { ...chatBody, tools }, capabilities)?.param).toBe(
          "tools",
        );
      }
      if (!capabilities.logprobs) {
        expect(
          unsupportedRequestField("chat/completions", { ...chatBody, logprobs: true }, capabilities)?.param,
        ).toBe("logprobs");
      }
    });

    test("non-streamed chat returns an OpenAI chat.completion with the runtime's usage", async () => {
      const { body, usage } = await backend.complete(request("chat/completions", chatBody));
      expect(body.object).toBe("chat.completion");
      expect(body.model).toBe(modelName);
      expect(typeof body.id).toBe("string");
      expect(typeof body.created).toBe("number");
      const choice = (body.choices as Array<Record<string, unknown>>)[0];
      expect(choice).toMatchObject({ index: 0, message: { role: "assistant" } });
      expect(["stop", "length"]).toContain(choice?.finish_reason);
      expect(responseText(body).length).toBeGreaterThan(0);
      expectUsage(body, usage, chatBody.max_tokens);
    });

    test("streamed chat: role first, content pieces, one finish, one usage event last — equal to non-streamed", async () => {
      const whole = await backend.complete(request("chat/completions", chatBody));
      const streamed = await collect(backend.stream(request("chat/completions", chatBody)));
      expectStreamShape(streamed, "chat.completion.chunk");
      const first = (streamed.chunks[0]?.choices as Array<{ delta: Record<string, unknown> }>)[0];
      expect(first?.delta.role).toBe("assistant");
      expect(streamed.chunks.every((chunk) => chunk.model === modelName)).toBe(true);
      expect(streamed.text).toBe(responseText(whole.body));
      expect(streamed.usage).toEqual(whole.usage);
      expect(finishReasonOf(streamed.chunks.at(-1) as Record<string, unknown>)).toBe(
        finishReasonOf(whole.body),
      );
    });

    test("completions, non-streamed and streamed, agree", async () => {
      const whole = await backend.complete(request("completions", completionBody));
      expect(whole.body.object).toBe("text_completion");
      expect(whole.body.model).toBe(modelName);
      expect(responseText(whole.body).length).toBeGreaterThan(0);
      expectUsage(whole.body, whole.usage, completionBody.max_tokens);

      const streamed = await collect(backend.stream(request("completions", completionBody)));
      expectStreamShape(streamed, "text_completion");
      expect(streamed.text).toBe(responseText(whole.body));
      expect(streamed.usage).toEqual(whole.usage);
    });

    test("max_tokens is respected, with finish_reason length when hit", async () => {
      const body = {
        ...completionBody,
        prompt: "Count from one to one hundred: one, two, three,",
        max_tokens: 3,
      };
      const whole = await backend.complete(request("completions", body));
      expect(whole.usage.completionTokens).toBe(3);
      expect(finishReasonOf(whole.body)).toBe("length");

      const chat = await backend.complete(request("chat/completions", { ...chatBody, max_tokens: 2 }));
      expect(chat.usage.completionTokens).toBe(2);
      expect(finishReasonOf(chat.body)).toBe("length");

      const streamed = await collect(backend.stream(request("completions", body)));
      expect(streamed.usage?.completionTokens).toBe(3);
      expect(finishReasonOf(streamed.chunks.at(-1) as Record<string, unknown>)).toBe("length");
    });

    test("stop sequences end the output before the first occurrence, streamed and not", async () => {
      const original = responseText(
        (await backend.complete(request("completions", { ...completionBody, max_tokens: 32 }))).body,
      );
      expect(original.length).toBeGreaterThanOrEqual(12);
      const stop = original.slice(6, 9);
      const expected = original.slice(0, original.indexOf(stop));
      const body = { ...completionBody, max_tokens: 32, stop: [stop, "\u0000never"] };

      const whole = await backend.complete(request("completions", body));
      expect(responseText(whole.body)).toBe(expected);
      expect(finishReasonOf(whole.body)).toBe("stop");

      const streamed = await collect(backend.stream(request("completions", { ...body, stop })));
      expect(streamed.text).toBe(expected);
      expect(streamed.usage).toEqual(whole.usage);
    });

    test("abort mid-stream ends the iteration promptly and the backend keeps serving", async () => {
      for (let round = 0; round < 2; round++) {
        const controller = new AbortController();
        const body = { ...completionBody, max_tokens: 1000 };
        const iterator = backend
          .stream(request("completions", body, controller.signal))
          [Symbol.asyncIterator]();
        let seen = 0;
        while (seen === 0) {
          const next = await iterator.next();
          expect(next.done).toBe(false);
          if (!next.done && next.value.type === "chunk" && chunkText(next.value.chunk) !== "") seen++;
        }
        controller.abort();
        const abortedAt = performance.now();
        let afterAbort = 0;
        let ended: unknown;
        try {
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) afterAbort++;
        } catch (error) {
          ended = error;
        }
        expect(performance.now() - abortedAt).toBeLessThan(2000);
        expect(afterAbort).toBeLessThan(50);
        if (ended !== undefined) expect(ended).toBeInstanceOf(BackendError);
      }
      const after = await backend.complete(request("chat/completions", { ...chatBody, max_tokens: 4 }));
      expect(after.usage.completionTokens).toBeGreaterThan(0);
    });

    test("an already-aborted signal is refused without generating", async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        backend.complete(request("chat/completions", chatBody, controller.signal)),
      ).rejects.toBeInstanceOf(BackendError);
    });

    test("concurrent requests all complete", async () => {
      const bodies = [
        { ...chatBody, max_tokens: 12 },
        { ...chatBody, max_tokens: 12, messages: [{ role: "user", content: "Hello there, who are you?" }] },
        { ...chatBody, max_tokens: 12, temperature: 0.8, seed: 7 },
      ];
      const results: BackendResponse[] = await Promise.all(
        bodies.map((body) => backend.complete(request("chat/completions", body))),
      );
      for (const result of results) expectUsage(result.body, result.usage, 12);
      const streamed = await Promise.all(
        bodies.map((body) => collect(backend.stream(request("chat/completions", body)))),
      );
      for (const result of streamed) expect(result.usage?.completionTokens).toBeGreaterThan(0);
    });

    test("invalid input is refused with status 400", async () => {
      await expectRejects(backend.complete(request("chat/completions", { ...chatBody, messages: [] })), 400);
      await expectRejects(
        collect(backend.stream(request("chat/completions", { ...chatBody, messages: [] }))),
        400,
      );
      await expectRejects(
        backend.complete(request("chat/completions", { ...chatBody, max_tokens: -1 })),
        400,
      );
      await expectRejects(backend.complete(request("completions", { model: modelName })), 400);
    });

    test("embeddings, when supported, return vectors and prompt usage", async () => {
      if (!backend.supports("embeddings")) return;
      const { body, usage } = await backend.complete(
        request("embeddings", { model: modelName, input: ["hello world", "birds in the sky"] }),
      );
      expect(body.object).toBe("list");
      const data = body.data as Array<{ object: string; index: number; embedding: number[] }>;
      expect(data.map((item) => item.index)).toEqual([0, 1]);
      expect(data[0]?.embedding.length).toBeGreaterThan(0);
      expect(data[0]?.embedding.length).toBe(data[1]?.embedding.length);
      expect(usage.promptTokens).toBeGreaterThan(0);
      expect(usage.completionTokens).toBe(0);
      expect(body.usage).toMatchObject({
        prompt_tokens: usage.promptTokens,
        total_tokens: usage.promptTokens,
      });
    });
  });
}
