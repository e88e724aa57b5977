import { describe, expect, test } from "vitest";
import { encodeEmbedding } from "./encodeEmbedding.ts";

describe("encodeEmbedding", () => {
  test("the whole vector as numbers, or as little-endian float32 in base64", () => {
    expect(encodeEmbedding([0.5, -2], { dimensions: undefined, encodingFormat: "float" })).toEqual([0.5, -2]);
    expect(encodeEmbedding([1], { dimensions: undefined, encodingFormat: "base64" })).toBe("AACAPw==");
    const bytes = Buffer.from(
      encodeEmbedding([0.25, -3], { dimensions: undefined, encodingFormat: "base64" }) as string,
      "base64",
    );
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([0.25, -3]);
  });

  test("dimensions keeps the first values, rescaled to unit length; a zero vector stays zero", () => {
    expect(encodeEmbedding([3, 4, 12], { dimensions: 2, encodingFormat: "float" })).toEqual([0.6, 0.8]);
    expect(encodeEmbedding([0, 0, 1], { dimensions: 2, encodingFormat: "float" })).toEqual([0, 0]);
  });
});
