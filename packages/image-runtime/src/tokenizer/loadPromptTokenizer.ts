import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import {
  ImagePipelinePartDigestMismatchError,
  ImagePipelinePartMissingError,
  ImagePipelineTokenizerInvalidError,
} from "../errors.ts";
import type { ImagePipelineTokenizer } from "../manifest/imagePipelineManifestSchema.ts";
import { createClipBpeTokenizer, type PromptTokenizer } from "./createClipBpeTokenizer.ts";
import { tokenizePrompt } from "./tokenizePrompt.ts";

const vocabSchema = z.record(z.string(), z.number().int().nonnegative());

/**
 * The manifest's tokenizer, ready to run: `utf8-bytes` needs nothing; `clip-bpe` reads its `vocab` and `merges`
 * files from `directory`, checks each against the SHA-256 the manifest pins, and builds the BPE tables.
 *
 * @param tokenizer - the manifest's `tokenizer`.
 * @param directory - the manifest's directory (tokenizer paths are relative to it).
 * @throws {ImagePipelinePartMissingError | ImagePipelinePartDigestMismatchError} naming the tokenizer file.
 * @throws {ImagePipelineTokenizerInvalidError} when a file is not a vocabulary / merges list.
 * @example
 * ```ts
 * const tokenize = await loadPromptTokenizer(manifest.tokenizer, directory);
 * const ids = tokenize("a red fox", "prompt");
 * ```
 */
export async function loadPromptTokenizer(
  tokenizer: ImagePipelineTokenizer,
  directory: string,
): Promise<PromptTokenizer> {
  if (tokenizer.kind === "utf8-bytes") return (prompt, param) => tokenizePrompt(prompt, tokenizer, param);
  const [vocabText, mergesText] = await Promise.all([
    readPinnedFile("tokenizer.vocab", directory, tokenizer.vocab),
    readPinnedFile("tokenizer.merges", directory, tokenizer.merges),
  ]);
  let vocabJson: unknown;
  try {
    vocabJson = JSON.parse(vocabText);
  } catch (cause) {
    throw new ImagePipelineTokenizerInvalidError({ reason: `${tokenizer.vocab.file} is not JSON`, cause });
  }
  const vocab = vocabSchema.safeParse(vocabJson);
  if (!vocab.success)
    throw new ImagePipelineTokenizerInvalidError({
      reason: `${tokenizer.vocab.file} is not an object of token → non-negative integer id`,
      cause: vocab.error,
    });
  return createClipBpeTokenizer({
    vocab: vocab.data,
    merges: mergesText,
    maxLength: tokenizer.maxLength,
    startToken: tokenizer.startToken,
    endToken: tokenizer.endToken,
    padToken: tokenizer.padToken,
  });
}

async function readPinnedFile(
  part: string,
  directory: string,
  { file, sha256 }: { file: string; sha256: string },
): Promise<string> {
  const path = join(directory, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new ImagePipelinePartMissingError({ part, path, cause });
  }
  const actual = `0x${createHash("sha256").update(bytes).digest("hex")}`;
  if (actual !== sha256)
    throw new ImagePipelinePartDigestMismatchError({ part, path, expected: sha256, actual });
  return bytes.toString("utf8");
}
