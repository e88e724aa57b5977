import type { LlamaModel } from "node-llama-cpp";

/**
 * How many tokens the model's vocabulary holds: valid token ids are `0` to `size - 1`. Read from the GGUF
 * file's `tokenizer.ggml.tokens` (node-llama-cpp exposes no vocabulary size), which llama.cpp loads the
 * vocabulary from.
 *
 * @param model - a loaded model.
 * @example
 * ```ts
 * const tokens = vocabularySize(model); // 912 for the test model
 * ```
 */
export function vocabularySize(model: Pick<LlamaModel, "fileInfo">): number {
  return model.fileInfo.metadata.tokenizer.ggml.tokens.length;
}
