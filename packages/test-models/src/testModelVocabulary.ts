/** GGUF token types (llama.cpp `llama_token_type`). */
export const tokenTypes = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

/** Control tokens, in id order: ids 0–4. `<|im_start|>` / `<|im_end|>` frame ChatML turns. */
export const testModelControlTokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"] as const;

export const testModelTokenIds = { unknown: 0, bos: 1, eos: 2, imStart: 3, imEnd: 4, firstByte: 5 } as const;

/** Words whose every prefix becomes a piece, so SentencePiece merges reach the whole word. */
const words = [
  "the",
  "and",
  "to",
  "of",
  "a",
  "in",
  "is",
  "it",
  "you",
  "that",
  "he",
  "was",
  "for",
  "on",
  "are",
  "with",
  "as",
  "his",
  "they",
  "be",
  "at",
  "one",
  "have",
  "this",
  "from",
  "or",
  "had",
  "by",
  "not",
  "but",
  "what",
  "all",
  "were",
  "we",
  "when",
  "your",
  "can",
  "said",
  "there",
  "use",
  "an",
  "each",
  "which",
  "she",
  "do",
  "how",
  "their",
  "if",
  "will",
  "up",
  "other",
  "about",
  "out",
  "many",
  "then",
  "them",
  "these",
  "so",
  "some",
  "her",
  "would",
  "make",
  "like",
  "him",
  "into",
  "time",
  "has",
  "look",
  "two",
  "more",
  "write",
  "go",
  "see",
  "number",
  "no",
  "way",
  "could",
  "people",
  "my",
  "than",
  "first",
  "water",
  "been",
  "call",
  "who",
  "now",
  "find",
  "long",
  "down",
  "day",
  "did",
  "get",
  "come",
  "made",
  "may",
  "part",
  "hello",
  "world",
  "once",
  "upon",
  "little",
  "bird",
  "song",
  "sky",
  "tree",
  "nest",
  "model",
  "token",
  "test",
  "relay",
  "aviary",
  "supplier",
  "answer",
  "question",
  "story",
];

const characters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?;:'\"-()";

/** SentencePiece's word-boundary marker (U+2581), which stands for a space. */
const space = "\u2581";

export type TestModelVocabulary = {
  tokens: string[];
  scores: number[];
  types: number[];
};

/**
 * The test model's SentencePiece-style ("llama") vocabulary: 5 control tokens, 256 byte-fallback tokens
 * `<0x00>`…`<0xFF>` (any text tokenizes), then single characters and word prefixes with and without a
 * leading `▁`. Scores grow with piece length so merges prefer longer pieces. Deterministic.
 *
 * @example
 * ```ts
 * const { tokens } = testModelVocabulary();
 * tokens[testModelTokenIds.imEnd]; // "<|im_end|>"
 * ```
 */
export function testModelVocabulary(): TestModelVocabulary {
  const tokens: string[] = [...testModelControlTokens];
  const types: number[] = [
    tokenTypes.unknown,
    tokenTypes.control,
    tokenTypes.control,
    tokenTypes.control,
    tokenTypes.control,
  ];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(tokenTypes.byte);
  }
  const pieces = new Set<string>([space]);
  for (const character of characters) {
    pieces.add(character);
    pieces.add(space + character);
  }
  for (const word of words) {
    for (let end = 2; end <= word.length; end++) {
      pieces.add(word.slice(0, end));
      pieces.add(space + word.slice(0, end));
    }
  }
  for (const piece of pieces) {
    tokens.push(piece);
    types.push(tokenTypes.normal);
  }
  // Longer pieces score higher; among equals, earlier ones win. Control and byte tokens score 0.
  const scores = tokens.map((token, id) =>
    types[id] === tokenTypes.normal ? [...token].length * 10 - id / 1000 : 0,
  );
  return { tokens, scores, types };
}
