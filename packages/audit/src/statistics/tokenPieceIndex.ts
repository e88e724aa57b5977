/**
 * The vocabulary indexed by each token's text bytes: which tokens can stand at a given place of a text.
 * Built once per model (`buildTokenPieceIndex`), read by `matchTokenPieces` and `longestMatchTokens`.
 */
export type TokenPieceIndex = {
  /** Tokens by their bytes (as a latin1 string), in the order they were given. */
  readonly byPiece: ReadonlyMap<string, readonly number[]>;
  /** Bytes of the longest piece. */
  readonly maxPieceBytes: number;
};

/** One token that fits the text at an offset. */
export type TokenPieceMatch = { token: number; bytes: number };

function pieceKey(bytes: Uint8Array, start: number, end: number): string {
  let key = "";
  for (let index = start; index < end; index++) key += String.fromCharCode(bytes[index] as number);
  return key;
}

/**
 * Indexes a vocabulary by token text. Tokens without text (control tokens) are given as `null` and left out.
 * Several tokens may share bytes (a byte token and a one-character piece): all are kept, in the order of
 * `pieces` (put preferred tokens first: `longestMatchTokens` proposes the first).
 *
 * @param pieces - `[token, bytes]` pairs: each token's UTF-8 bytes as it appears inside a text.
 * @example
 * ```ts
 * const index = buildTokenPieceIndex([[10, new TextEncoder().encode(" the")], [11, new TextEncoder().encode("t")]]);
 * ```
 */
export function buildTokenPieceIndex(
  pieces: Iterable<readonly [number, Uint8Array | null]>,
): TokenPieceIndex {
  const byPiece = new Map<string, number[]>();
  let maxPieceBytes = 0;
  for (const [token, bytes] of pieces) {
    if (!bytes || bytes.length === 0) continue;
    const key = pieceKey(bytes, 0, bytes.length);
    const list = byPiece.get(key);
    if (list) list.push(token);
    else byPiece.set(key, [token]);
    maxPieceBytes = Math.max(maxPieceBytes, bytes.length);
  }
  return { byPiece, maxPieceBytes };
}

/**
 * Every token whose bytes are a prefix of `text` at `offset` (the tokens that could be served there).
 *
 * @param index - the vocabulary index.
 * @param text - the output's UTF-8 bytes.
 * @param offset - where the next token starts.
 * @example
 * ```ts
 * matchTokenPieces(index, new TextEncoder().encode(" the end"), 0); // [{ token: 10, bytes: 4 }, …]
 * ```
 */
export function matchTokenPieces(
  index: TokenPieceIndex,
  text: Uint8Array,
  offset: number,
): TokenPieceMatch[] {
  const matches: TokenPieceMatch[] = [];
  const longest = Math.min(index.maxPieceBytes, text.length - offset);
  let key = "";
  for (let length = 1; length <= longest; length++) {
    key += String.fromCharCode(text[offset + length - 1] as number);
    const tokens = index.byPiece.get(key);
    if (tokens) for (const token of tokens) matches.push({ token, bytes: length });
  }
  return matches;
}

/**
 * Splits `text` from `offset` into at most `limit` tokens, longest piece first (the first token listed for a
 * piece). A cheap guess of how a model tokenized its output, verified position by position by the audit.
 *
 * @param index - the vocabulary index.
 * @param text - UTF-8 bytes.
 * @param offset - start.
 * @param limit - most tokens returned.
 * @returns the tokens (fewer when the text ends, or when no piece fits).
 * @example
 * ```ts
 * longestMatchTokens(index, new TextEncoder().encode(" the end"), 0, 8);
 * ```
 */
export function longestMatchTokens(
  index: TokenPieceIndex,
  text: Uint8Array,
  offset: number,
  limit: number,
): number[] {
  const tokens: number[] = [];
  let position = offset;
  while (tokens.length < limit && position < text.length) {
    const matches = matchTokenPieces(index, text, position);
    let best: TokenPieceMatch | undefined;
    for (const match of matches) if (!best || match.bytes > best.bytes) best = match;
    if (!best) break;
    tokens.push(best.token);
    position += best.bytes;
  }
  return tokens;
}
