import { describe, expect, test } from "vitest";
import { ImagePipelineTokenizerInvalidError, ImageRenderInvalidError } from "../errors.ts";
import { bytesToUnicode, createClipBpeTokenizer } from "./createClipBpeTokenizer.ts";

// A synthetic vocabulary: ids are positions in this list. Real CLIP has 49,408 entries; the mechanics are the same.
const tokens = [
  "<|startoftext|>",
  "<|endoftext|>",
  "l",
  "o",
  "w",
  "e",
  "r</w>",
  "w</w>",
  "lo",
  "low",
  "er</w>",
  "lower</w>",
  "a",
  "a</w>",
  "aa",
  "'",
  "s</w>",
  "'s</w>",
  "4</w>",
  "2</w>",
  "!",
  "!</w>",
  "Ã",
  "©</w>",
  "x</w>",
] as const;
const vocab = Object.fromEntries(tokens.map((token, index) => [token, index]));
const id = (token: (typeof tokens)[number]) => vocab[token] as number;
const merges = ["#version: 0.2", "l o", "e r</w>", "lo w", "low er</w>", "a a", "' s</w>", ""].join("\n");

const tokenizer = (maxLength = 12, padToken = "<|endoftext|>") =>
  createClipBpeTokenizer({
    vocab,
    merges,
    maxLength,
    startToken: "<|startoftext|>",
    endToken: "<|endoftext|>",
    padToken,
  });
/** The ids between the start token and the first end token. */
const body = (prompt: string) => {
  const ids = tokenizer(40)(prompt, "prompt");
  return ids.slice(1, ids.indexOf(id("<|endoftext|>")));
};

describe("createClipBpeTokenizer", () => {
  test("test_bpe_mergesByRank_endOfWordMarkerOnLastSymbol", () => {
    // l o w e r</w> → lo w e r</w> → lo w er</w> → low er</w> → lower</w>
    expect(body("lower")).toEqual([id("lower</w>")]);
    // "lo w</w>" is not a merge ("lo w" is): the marker keeps the word's last symbol apart.
    expect(body("low")).toEqual([id("lo"), id("w</w>")]);
  });

  test("test_bpe_pairMergedLeftToRight_once", () => {
    // a a a</w>: the first "a a" merges, the second a carries </w> and does not match.
    expect(body("aaa")).toEqual([id("aa"), id("a</w>")]);
    expect(body("a")).toEqual([id("a</w>")]);
  });

  test("test_normalize_lowercasesAndCollapsesWhitespace", () => {
    expect(body("  LOWER\n\t low ")).toEqual(body("lower low"));
    expect(body("lower low")).toEqual([id("lower</w>"), id("lo"), id("w</w>")]);
  });

  test("test_pretokenize_contractionsDigitsAndPunctuation", () => {
    expect(body("lower's")).toEqual([id("lower</w>"), id("'s</w>")]);
    // Each digit is its own piece; a punctuation run is one piece.
    expect(body("42")).toEqual([id("4</w>"), id("2</w>")]);
    expect(body("a!!")).toEqual([id("a</w>"), id("!"), id("!</w>")]);
  });

  test("test_byteLevel_nonAsciiUsesGpt2ByteAlphabet", () => {
    // é is UTF-8 C3 A9; both bytes are printable Latin-1, so they map to Ã and ©.
    expect(body("é")).toEqual([id("Ã"), id("©</w>")]);
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect([table[0x20], table[0x0a], table[0x21], table[0xad]]).toEqual(["Ġ", "Ċ", "!", "Ń"]);
  });

  test("test_unknownToken_becomesEndToken", () => {
    expect(body("z")).toEqual([]);
    expect(tokenizer(5)("z", "prompt")).toEqual([0, 1, 1, 1, 1]);
  });

  test("test_specialTokensInText_mapToTheirIds", () => {
    expect(tokenizer(5)("<|startoftext|>x", "prompt")).toEqual([0, 0, id("x</w>"), 1, 1]);
  });

  test("test_ids_startEndThenPadToMaxLength", () => {
    expect(tokenizer(6)("lower", "prompt")).toEqual([0, id("lower</w>"), 1, 1, 1, 1]);
    // SD 2.x's tokenizer pads with another token.
    expect(tokenizer(6, "!")("lower", "prompt")).toEqual([0, id("lower</w>"), 1, id("!"), id("!"), id("!")]);
    expect(tokenizer(3)("", "prompt")).toEqual([0, 1, 1]);
  });

  test("test_tooLong_refusedNamingParam_atLimitAccepted", () => {
    expect(tokenizer(4)("lower lower", "prompt")).toHaveLength(4);
    const error = (() => {
      try {
        tokenizer(4)("lower lower lower", "negative_prompt");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ImageRenderInvalidError);
    expect((error as ImageRenderInvalidError).param).toBe("negative_prompt");
    expect((error as Error).message).toContain("5 tokens exceed the model's maximum of 4");
  });

  test("test_create_missingSpecialToken_orBadMerges_throws", () => {
    expect(() => tokenizer(6, "<pad>")).toThrow(ImagePipelineTokenizerInvalidError);
    expect(() =>
      createClipBpeTokenizer({
        vocab,
        merges: "#version: 0.2\nl o w",
        maxLength: 77,
        startToken: "<|startoftext|>",
        endToken: "<|endoftext|>",
        padToken: "<|endoftext|>",
      }),
    ).toThrow(/merges line 2/);
  });
});
