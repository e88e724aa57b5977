import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { float16Bits } from "./gguf/encodeGgmlTensor.ts";
import { ensureTestModel, testModelName, writeTestModelGguf } from "./writeTestModelGguf.ts";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-test-model-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const sha256 = async (path: string) =>
  `0x${createHash("sha256")
    .update(await readFile(path))
    .digest("hex")}`;

describe("writeTestModelGguf", () => {
  test("same parameters write byte-identical files; another seed or type differs", async () => {
    const first = await writeTestModelGguf({
      path: join(directory, "a.gguf"),
      preset: "tiny",
      seed: 7,
      type: "q8_0",
    });
    const second = await writeTestModelGguf({
      path: join(directory, "b.gguf"),
      preset: "tiny",
      seed: 7,
      type: "q8_0",
    });
    const otherSeed = await writeTestModelGguf({
      path: join(directory, "c.gguf"),
      preset: "tiny",
      seed: 8,
      type: "q8_0",
    });
    const otherType = await writeTestModelGguf({
      path: join(directory, "d.gguf"),
      preset: "tiny",
      seed: 7,
      type: "f16",
    });
    expect(await sha256(first.path)).toBe(first.sha256);
    expect(await sha256(second.path)).toBe(first.sha256);
    expect(otherSeed.sha256).not.toBe(first.sha256);
    expect(otherType.sha256).not.toBe(first.sha256);
    expect(first.bytes).toBe((await stat(first.path)).size);
  });

  test("writes a llama GGUF that node-llama-cpp reads, named as a test model", async () => {
    const { path } = await writeTestModelGguf({
      path: join(directory, "small.gguf"),
      preset: "small",
      type: "f16",
    });
    const info = await readGgufFileInfo(path, { readTensorInfo: true });
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe("llama");
    expect(info.metadata.general.name).toBe(`${testModelName}-small`);
    expect(info.metadata.llama?.embedding_length).toBe(256);
    expect(info.metadata.tokenizer.chat_template).toContain("<|im_start|>");
    expect(info.tensorInfo?.length).toBe(2 + 4 * 9 + 1);
  });

  test("ensureTestModel writes once, then returns the same file and digest", async () => {
    const first = await ensureTestModel({ directory: join(directory, "models"), preset: "tiny", seed: 3 });
    const again = await ensureTestModel({ directory: join(directory, "models"), preset: "tiny", seed: 3 });
    expect(again).toEqual(first);
    expect(first.path).toMatch(/aviary-test-model-tiny-f32-seed3\.gguf$/);
    expect(first.sha256).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe("float16Bits", () => {
  test("rounds to nearest even, handles subnormals, overflow and zero", () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(65520)).toBe(0x7c00);
    expect(float16Bits(2 ** -24)).toBe(0x0001);
    expect(float16Bits(2 ** -26)).toBe(0x0000);
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, to even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, to even (up)
    expect(float16Bits(0.1)).toBe(0x2e66);
  });
});
