import { ImagePipelineTokenizerInvalidError, ImageRenderInvalidError } from "../errors.ts";

export type CreateClipBpeTokenizerParameters = {
  /** `vocab.json`'s object: token (byte-level unicode, `</w>` ending a word) → id. */
  vocab: Record<string, number>;
  /** `merges.txt`'s text: an optional `#version` first line, then one `left right` pair per line, by rank. */
  merges: string;
  /** The encoder's fixed sequence length, start and end tokens included. */
  maxLength: number;
  startToken: string;
  endToken: string;
  padToken: string;
};

/** Tokenizes one prompt; `param` names the request field in the 400 a too-long prompt gets. */
export type PromptTokenizer = (prompt: string, param: "prompt" | "negative_prompt") => number[];

// CLIP's pre-tokenizer (openai/CLIP simple_tokenizer.py, HF CLIPTokenizer), with its IGNORECASE flag.
const pretokenizerPattern =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;
const endOfWord = "</w>";

/**
 * CLIP's tokenizer, written out: NFC-normalize, collapse whitespace runs to one space, trim, lower-case (the
 * normalizer of Hugging Face's `CLIPTokenizerFast`); split with CLIP's regex; map each piece's UTF-8 bytes to
 * GPT-2's printable byte alphabet; apply the merges by rank to the piece's characters, the last one carrying
 * `</w>`; look each result up in the vocabulary (a missing token becomes the end token, CLIP's `unk`). The
 * ids are `[start, …tokens, end]` padded with the pad token to `maxLength`; more than `maxLength` is refused
 * (a 400 on the field), never cut.
 *
 * Not done: `ftfy.fix_text` mojibake repair and `html.unescape`, which the slow `CLIPTokenizer` applies
 * when ftfy is installed; prompts that need them tokenize differently.
 *
 * @param parameters - the vocabulary, the merges text, `maxLength` and the special tokens.
 * @throws {ImagePipelineTokenizerInvalidError} when a special token is not in the vocabulary or a merge line
 * is malformed.
 * @example
 * ```ts
 * const tokenize = createClipBpeTokenizer({ vocab, merges, maxLength: 77, startToken: "<|startoftext|>",
 *   endToken: "<|endoftext|>", padToken: "<|endoftext|>" });
 * const ids = tokenize("a photo of a cat", "prompt"); // 77 ids
 * ```
 */
export function createClipBpeTokenizer({
  vocab,
  merges,
  maxLength,
  startToken,
  endToken,
  padToken,
}: CreateClipBpeTokenizerParameters): PromptTokenizer {
  const idOf = (token: string, role: string): number => {
    const id = Object.hasOwn(vocab, token) ? vocab[token] : undefined;
    if (id === undefined)
      throw new ImagePipelineTokenizerInvalidError({
        reason: `the ${role} ${token} is not in the vocabulary`,
      });
    return id;
  };
  const startId = idOf(startToken, "start token");
  const endId = idOf(endToken, "end token");
  const padId = idOf(padToken, "pad token");
  const ranks = parseMerges(merges);
  const byteToCharacter = bytesToUnicode();
  const cache = new Map<string, number[]>();
  const encoder = new TextEncoder();

  const encodePiece = (piece: string): number[] => {
    if (piece === "<|startoftext|>" || piece === "<|endoftext|>") return [idOf(piece, "special token")];
    const cached = cache.get(piece);
    if (cached) return cached;
    const characters = Array.from(encoder.encode(piece), (byte) => byteToCharacter[byte] as string);
    const ids = bytePairMerge(characters, ranks).map((token) =>
      Object.hasOwn(vocab, token) ? (vocab[token] as number) : endId,
    );
    if (cache.size < 10_000) cache.set(piece, ids);
    return ids;
  };

  return (prompt, param) => {
    const text = prompt.normalize("NFC").replace(/\s+/gu, " ").trim().toLowerCase();
    const ids = [startId];
    for (const match of text.matchAll(pretokenizerPattern)) ids.push(...encodePiece(match[0]));
    ids.push(endId);
    if (ids.length > maxLength)
      throw new ImageRenderInvalidError({
        param,
        reason: `${ids.length} tokens exceed the model's maximum of ${maxLength}`,
      });
    while (ids.length < maxLength) ids.push(padId);
    return ids;
  };
}

/** `merges.txt` → rank of each `left right` pair (line order); a `#version` first line and blank lines skipped. */
function parseMerges(merges: string): Map<string, number> {
  const ranks = new Map<string, number>();
  const lines = merges.split(/\r?\n/u);
  lines.forEach((line, index) => {
    if (line === "" || (index === 0 && line.startsWith("#version"))) return;
    const parts = line.split(" ");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "")
      throw new ImagePipelineTokenizerInvalidError({
        reason: `merges line ${index + 1} is not two space-separated tokens`,
      });
    const key = `${parts[0]} ${parts[1]}`;
    if (!ranks.has(key)) ranks.set(key, ranks.size);
  });
  return ranks;
}

/**
 * BPE over one piece's characters, the last carrying `</w>`: repeatedly merge every occurrence of the
 * lowest-ranked adjacent pair (left to right) until no adjacent pair has a rank.
 */
function bytePairMerge(characters: string[], ranks: Map<string, number>): string[] {
  if (characters.length === 0) return [];
  let word = [...characters.slice(0, -1), `${characters.at(-1)}${endOfWord}`];
  while (word.length > 1) {
    let best: { rank: number; left: string; right: string } | undefined;
    for (let index = 0; index < word.length - 1; index++) {
      const left = word[index] as string;
      const right = word[index + 1] as string;
      const rank = ranks.get(`${left} ${right}`);
      if (rank !== undefined && (best === undefined || rank < best.rank)) best = { rank, left, right };
    }
    if (best === undefined) break;
    const merged: string[] = [];
    for (let index = 0; index < word.length; index++) {
      if (index < word.length - 1 && word[index] === best.left && word[index + 1] === best.right) {
        merged.push(best.left + best.right);
        index++;
      } else merged.push(word[index] as string);
    }
    word = merged;
  }
  return word;
}

/**
 * GPT-2's byte → printable character table (`bytes_to_unicode`): printable Latin-1 bytes map to themselves,
 * the other 68 to U+0100 onwards in byte order.
 */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  let next = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    table[byte] = String.fromCodePoint(printable ? byte : 256 + next++);
  }
  return table;
}
