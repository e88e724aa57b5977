export type EncodeEmbeddingParameters = {
  /** Undefined: the whole vector, as the model computed it. A number (≤ the vector's length): the first `dimensions` values, rescaled to unit length. */
  dimensions: number | undefined;
  /** `float`: numbers; `base64`: the float32 values, little-endian, in base64. */
  encodingFormat: "float" | "base64";
};

/**
 * An embedding as an OpenAI response carries it. With `dimensions` it is truncated and L2-renormalized, as
 * OpenAI shortens its own embeddings (the shortened vector is still a unit vector, so cosine similarity and
 * dot products keep working). `base64` is what OpenAI's clients ask for by default and decode as
 * little-endian float32 (written little-endian here whatever the machine's byte order).
 *
 * @param vector - the model's embedding.
 * @param parameters - `dimensions` and `encodingFormat`.
 * @returns an array of numbers (`float`) or a base64 string (`base64`).
 * @example
 * ```ts
 * encodeEmbedding([3, 4, 12], { dimensions: 2, encodingFormat: "float" }); // [0.6, 0.8]
 * encodeEmbedding([1], { dimensions: undefined, encodingFormat: "base64" }); // "AACAPw=="
 * ```
 */
export function encodeEmbedding(
  vector: readonly number[],
  { dimensions, encodingFormat }: EncodeEmbeddingParameters,
): number[] | string {
  let values = [...vector];
  if (dimensions !== undefined) {
    values = values.slice(0, dimensions);
    const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
    // A zero vector has no direction to keep: it stays zero.
    if (norm > 0) values = values.map((value) => value / norm);
  }
  if (encodingFormat === "float") return values;
  const bytes = Buffer.alloc(values.length * 4);
  for (const [index, value] of values.entries()) bytes.writeFloatLE(value, index * 4);
  return bytes.toString("base64");
}
