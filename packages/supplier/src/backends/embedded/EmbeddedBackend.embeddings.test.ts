import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTestModel, testModelVocabulary } from "@aviary/test-models";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BackendInvalidRequestError } from "../errors.ts";
import { EmbeddedBackend } from "./EmbeddedBackend.ts";

type Embeddings = {
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  usage: { prompt_tokens: number; total_tokens: number };
};

/** The tiny test model's embedding size. */
const size = 64;

let directory: string;
let backend: EmbeddedBackend;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-embedded-embeddings-"));
  const model = await ensureTestModel({ directory, preset: "tiny", seed: 42 });
  backend = new EmbeddedBackend({ modelPath: model.path, expectedSha256: model.sha256, contextSize: 256 });
  await backend.start();
});

afterAll(async () => {
  await backend?.close();
  await rm(directory, { recursive: true, force: true });
});

async function embed(body: Record<string, unknown>): Promise<Embeddings> {
  const response = await backend.complete({ route: "embeddings", body, signal: AbortSignal.timeout(10_000) });
  return response.body as Embeddings;
}

function refusal(body: Record<string, unknown>): Promise<unknown> {
  return embed(body).catch((caught: unknown) => caught);
}

/** Float32 values of a base64 embedding, read little-endian as OpenAI's clients read it. */
function decodeBase64(encoded: string): number[] {
  const bytes = Buffer.from(encoded, "base64");
  return Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
}

const norm = (vector: number[]) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

describe("EmbeddedBackend: embeddings", () => {
  test("base64 decodes to the float encoding's values (as float32)", async () => {
    const float = await embed({ input: "hello world" });
    const base64 = await embed({ input: "hello world", encoding_format: "base64" });
    const floats = float.data[0]?.embedding as number[];
    expect(floats).toHaveLength(size);
    expect(typeof base64.data[0]?.embedding).toBe("string");
    expect(decodeBase64(base64.data[0]?.embedding as string)).toEqual(floats.map(Math.fround));
    expect(base64.usage).toEqual(float.usage);
  });

  test("dimensions truncates and renormalizes; above the model's size is a 400 naming it", async () => {
    const full = (await embed({ input: "birds in the sky" })).data[0]?.embedding as number[];
    const short = (await embed({ input: "birds in the sky", dimensions: 8 })).data[0]?.embedding as number[];
    expect(short).toHaveLength(8);
    expect(norm(short)).toBeCloseTo(1, 6);
    const head = full.slice(0, 8);
    for (const [index, value] of short.entries())
      expect(value).toBeCloseTo((head[index] as number) / norm(head), 6);
    expect(((await embed({ input: "x", dimensions: size })).data[0]?.embedding as number[]).length).toBe(
      size,
    );

    const error = await refusal({ input: "birds", dimensions: size + 1 });
    expect(error).toBeInstanceOf(BackendInvalidRequestError);
    expect((error as Error).message).toContain("dimensions");
  });

  test("token ids embed like the text they tokenize; usage counts the tokens evaluated", async () => {
    const { tokens } = testModelVocabulary();
    const ids = ["\u2581hello", "\u2581world"].map((piece) => tokens.indexOf(piece));
    const text = await embed({ input: "hello world" });
    const flat = await embed({ input: ids });
    const nested = await embed({ input: [ids, ids.slice(0, 1)] });
    expect(flat.data[0]?.embedding).toEqual(text.data[0]?.embedding);
    expect(nested.data.map((entry) => entry.index)).toEqual([0, 1]);
    expect(nested.data[0]?.embedding).toEqual(text.data[0]?.embedding);
    // The runtime adds a BOS token to each input.
    expect(text.usage.prompt_tokens).toBe(3);
    expect(flat.usage).toEqual(text.usage);
    expect(nested.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    const strings = await embed({ input: ["hello world", "hello"] });
    expect(strings.usage.prompt_tokens).toBe(5);
  });

  test("ids outside the vocabulary and empty strings are 400s naming the input", async () => {
    const cases: Array<[unknown, string]> = [
      [[5, 100_000], "`input.1`"],
      [[[5], [6, 7, 100_000]], "`input.1.2`"],
      [["hello", ""], "`input.1`"],
      ["", "`input`"],
    ];
    for (const [input, path] of cases) {
      const error = await refusal({ input });
      expect(error, path).toBeInstanceOf(BackendInvalidRequestError);
      expect((error as Error).message).toContain(path);
    }
    expect(await refusal({ input: "x", encoding_format: "binary" })).toBeInstanceOf(
      BackendInvalidRequestError,
    );
  });
});
