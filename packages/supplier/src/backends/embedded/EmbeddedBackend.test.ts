import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTestModel, type WriteTestModelGgufReturnType } from "@aviary/test-models";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describeBackendConformance } from "../../../test/backends/backend.conformance.ts";
import {
  BackendContextLengthExceededError,
  BackendModelDigestMismatchError,
  BackendModelInvalidError,
  BackendModelNotFoundError,
  BackendOptionsInvalidError,
  BackendRequestAbortedError,
  BackendUnavailableError,
} from "../errors.ts";
import { EmbeddedBackend } from "./EmbeddedBackend.ts";

let directory: string;
let model: WriteTestModelGgufReturnType;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-embedded-"));
  model = await ensureTestModel({ directory, preset: "tiny", seed: 42 });
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describeBackendConformance("EmbeddedBackend", async () => {
  const backend = new EmbeddedBackend({
    modelPath: model.path,
    expectedSha256: model.sha256,
    contextSize: 2048,
  });
  await backend.start();
  return { backend };
});

describe("EmbeddedBackend", () => {
  test("start refuses a file whose digest differs, naming both digests", async () => {
    const expected = `0x${"ab".repeat(32)}`;
    const backend = new EmbeddedBackend({ modelPath: model.path, expectedSha256: expected });
    const error = await backend.start().catch((error: unknown) => error);
    expect(error).toBeInstanceOf(BackendModelDigestMismatchError);
    expect((error as BackendModelDigestMismatchError).message).toContain(expected);
    expect((error as BackendModelDigestMismatchError).message).toContain(model.sha256);
    expect((error as BackendModelDigestMismatchError).code).toBe("model_digest_mismatch");
    await expect(
      backend.complete({ route: "completions", body: { prompt: "x" }, signal: new AbortController().signal }),
    ).rejects.toBeInstanceOf(BackendUnavailableError);
    await backend.close();
  });

  test("start names the path of a missing or non-GGUF file", async () => {
    const missing = join(directory, "missing.gguf");
    const notGguf = join(directory, "not-a-model.gguf");
    await writeFile(notGguf, "hello, not a model");
    const digest = `0x${"00".repeat(32)}`;
    const missingError = await new EmbeddedBackend({ modelPath: missing, expectedSha256: digest })
      .start()
      .catch((error: unknown) => error);
    expect(missingError).toBeInstanceOf(BackendModelNotFoundError);
    expect((missingError as Error).message).toContain(missing);
    const invalidError = await new EmbeddedBackend({ modelPath: notGguf, expectedSha256: digest })
      .start()
      .catch((error: unknown) => error);
    expect(invalidError).toBeInstanceOf(BackendModelInvalidError);
    expect((invalidError as Error).message).toContain(notGguf);
  });

  test("options are validated: the expected digest is required", () => {
    expect(() => new EmbeddedBackend({ modelPath: model.path } as never)).toThrow(BackendOptionsInvalidError);
    expect(() => new EmbeddedBackend({ modelPath: model.path, expectedSha256: "0x1234" })).toThrow(
      BackendOptionsInvalidError,
    );
  });

  test("close() ends running and queued requests and frees the runtime", async () => {
    const backend = new EmbeddedBackend({
      modelPath: model.path,
      expectedSha256: model.sha256,
      sequences: 1,
    });
    await backend.start();
    const body = { prompt: "hello", max_tokens: 1500, temperature: 0 };
    const running = backend
      .stream({ route: "completions", body, signal: AbortSignal.timeout(10_000) })
      [Symbol.asyncIterator]();
    await running.next();
    const queued = backend
      .complete({ route: "completions", body, signal: AbortSignal.timeout(10_000) })
      .catch((error: unknown) => error);
    const started = performance.now();
    await backend.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await queued).toBeInstanceOf(BackendUnavailableError);
    const rest = (async () => {
      for (let next = await running.next(); !next.done; next = await running.next());
    })();
    await expect(rest).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(backend.countTokens("hello")).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  describe("with two sequences", () => {
    let backend: EmbeddedBackend;
    beforeAll(async () => {
      backend = new EmbeddedBackend({
        modelPath: model.path,
        expectedSha256: model.sha256,
        sequences: 2,
        contextSize: 256,
      });
      await backend.start();
    });
    afterAll(() => backend.close());

    test("aborted requests release their sequence and report the work done", async () => {
      for (let round = 0; round < 4; round++) {
        const controller = new AbortController();
        const stream = backend.stream({
          route: "completions",
          body: { prompt: "hello", max_tokens: 200, temperature: 0 },
          signal: controller.signal,
        });
        let error: unknown;
        try {
          for await (const event of stream) if (event.type === "chunk") controller.abort();
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(BackendRequestAbortedError);
        expect((error as BackendRequestAbortedError).usage?.completionTokens).toBeGreaterThan(0);
        expect((error as BackendRequestAbortedError).status).toBe(499);
      }
      const { usage } = await backend.complete({
        route: "completions",
        body: { prompt: "hello", max_tokens: 3 },
        signal: AbortSignal.timeout(5000),
      });
      expect(usage.completionTokens).toBe(3);
    });

    test("requests beyond the sequences wait in the queue; a queued request can be aborted", async () => {
      const body = { prompt: "The bird", max_tokens: 60, temperature: 0 };
      const running = [1, 2, 3, 4, 5].map(() =>
        backend.complete({ route: "completions", body, signal: AbortSignal.timeout(10_000) }),
      );
      const controller = new AbortController();
      const queued = backend.complete({ route: "completions", body, signal: controller.signal });
      controller.abort();
      await expect(queued).rejects.toBeInstanceOf(BackendRequestAbortedError);
      const results = await Promise.all(running);
      const texts = new Set(results.map((result) => JSON.stringify(result.body.choices)));
      expect(texts.size).toBe(1); // greedy output does not depend on what ran beside it
    });

    test("the output is capped by the context and an oversized prompt is refused", async () => {
      const { usage, body } = await backend.complete({
        route: "completions",
        body: { prompt: "hi", max_tokens: 10_000, temperature: 0 },
        signal: AbortSignal.timeout(10_000),
      });
      expect(usage.promptTokens + usage.completionTokens).toBeLessThanOrEqual(256);
      expect((body.choices as Array<{ finish_reason: string }>)[0]?.finish_reason).toBe("length");
      await expect(
        backend.complete({
          route: "completions",
          body: { prompt: "the ".repeat(400) },
          signal: AbortSignal.timeout(5000),
        }),
      ).rejects.toBeInstanceOf(BackendContextLengthExceededError);
    });

    test("countTokens uses the model's tokenizer; chat prompt tokens include the template", async () => {
      expect(await backend.countTokens("hello world")).toBe(2);
      const { usage } = await backend.complete({
        route: "chat/completions",
        body: { messages: [{ role: "user", content: "hello world" }], max_tokens: 1 },
        signal: AbortSignal.timeout(5000),
      });
      expect(usage.promptTokens).toBeGreaterThan(2 + 4);
    });
  });
});
