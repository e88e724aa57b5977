import { ImageRenderInvalidError } from "../errors.ts";
import type { Utf8BytesTokenizer } from "../manifest/imagePipelineManifestSchema.ts";

/**
 * Turns a prompt into the prompt encoder's ids with the `utf8-bytes` tokenizer: the begin token (when the
 * manifest names one), the prompt's UTF-8 bytes, then padding to `maxLength` (when it names a pad token).
 * A prompt longer than `maxLength` ids is refused, never cut.
 *
 * @param prompt - the text.
 * @param tokenizer - the manifest's `tokenizer`.
 * @param param - the request field the text came from, named in the error.
 * @example
 * ```ts
 * const ids = tokenizePrompt("a red fox", manifest.tokenizer, "prompt");
 * ```
 */
export function tokenizePrompt(
  prompt: string,
  tokenizer: Utf8BytesTokenizer,
  param: "prompt" | "negative_prompt",
): number[] {
  const ids: number[] = [];
  if (tokenizer.beginTokenId !== null) ids.push(tokenizer.beginTokenId);
  for (const byte of new TextEncoder().encode(prompt)) ids.push(byte);
  if (ids.length > tokenizer.maxLength)
    throw new ImageRenderInvalidError({
      param,
      reason: `${ids.length} tokens exceed the model's maximum of ${tokenizer.maxLength}`,
    });
  if (tokenizer.padTokenId !== null) while (ids.length < tokenizer.maxLength) ids.push(tokenizer.padTokenId);
  return ids;
}
