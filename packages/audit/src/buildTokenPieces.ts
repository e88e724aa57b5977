import { type LlamaModel, LlamaVocabularyType, type Token } from "node-llama-cpp";
import { z } from "zod";
import type { TokenPieceIndex } from "./statistics/index.ts";
import { buildTokenPieceIndex } from "./statistics/index.ts";

const vocabularySchema = z.looseObject({
  tokenizer: z
    .looseObject({ ggml: z.looseObject({ tokens: z.array(z.string()).optional() }).optional() })
    .optional(),
});

/** GPT-2's byte ↔ printable-character map, used by byte-level BPE vocabularies for their pieces. */
function byteLevelDecoder(): Map<string, number> {
  const bytes: number[] = [];
  for (let byte = 33; byte <= 126; byte++) bytes.push(byte);
  for (let byte = 161; byte <= 172; byte++) bytes.push(byte);
  for (let byte = 174; byte <= 255; byte++) bytes.push(byte);
  const characters = [...bytes];
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    if (bytes.includes(byte)) continue;
    bytes.push(byte);
    characters.push(256 + extra++);
  }
  return new Map(bytes.map((byte, index) => [String.fromCodePoint(characters[index] as number), byte]));
}

export type BuildTokenPiecesReturnType = {
  /** The vocabulary indexed by text bytes (normal tokens first, byte tokens after them). */
  index: TokenPieceIndex;
  /** Tokens that end generation (end-of-generation tokens). */
  endOfGeneration: Set<number>;
  /** Vocabulary size. */
  size: number;
};

/**
 * Indexes a model's vocabulary by the bytes each token adds to a text: the detokenized piece (with a preceding
 * token as context, so pieces keep their leading space), and for tokens that are part of a UTF-8 character
 * (byte-fallback `<0xNN>` tokens, byte-level BPE fragments) the raw bytes from the GGUF vocabulary. Control
 * tokens carry no text and are left out; end-of-generation tokens are listed apart.
 *
 * @param model - the loaded reference model.
 * @example
 * ```ts
 * const { index, endOfGeneration } = buildTokenPieces(model);
 * ```
 */
export function buildTokenPieces(model: LlamaModel): BuildTokenPiecesReturnType {
  const encoder = new TextEncoder();
  const parsed = vocabularySchema.safeParse(model.fileInfo.metadata);
  const pieces = parsed.success ? (parsed.data.tokenizer?.ggml?.tokens ?? []) : [];
  const context = model.tokenize("a", false, "trimLeadingSpace").slice(-1);
  const decoder = model.vocabularyType === LlamaVocabularyType.bpe ? byteLevelDecoder() : undefined;
  const normal: Array<readonly [number, Uint8Array | null]> = [];
  const fragments: Array<readonly [number, Uint8Array | null]> = [];
  const endOfGeneration = new Set<number>();
  let size = 0;
  for (const token of model.iterateAllTokens()) {
    size++;
    if (model.isEogToken(token)) {
      endOfGeneration.add(token);
      continue;
    }
    const attributes = model.getTokenAttributes(token);
    if (attributes.control || attributes.unknown || attributes.unused) continue;
    const text = model.detokenize([token], false, context as Token[]);
    if (!text.includes("\uFFFD")) {
      (attributes.byte ? fragments : normal).push([token, encoder.encode(text)]);
      continue;
    }
    const piece = pieces[token];
    if (piece === undefined) continue;
    const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
    if (byte?.[1]) {
      fragments.push([token, Uint8Array.of(Number.parseInt(byte[1], 16))]);
      continue;
    }
    if (decoder) {
      const raw = [...piece].map((character) => decoder.get(character));
      if (raw.every((value) => value !== undefined))
        fragments.push([token, Uint8Array.from(raw as number[])]);
    }
  }
  return { index: buildTokenPieceIndex([...normal, ...fragments]), endOfGeneration, size };
}
