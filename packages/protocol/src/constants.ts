/** 1e18: a probability of 1 in wad fixed point. */
export const WAD = 10n ** 18n;
/** Basis points in a whole (shares are `bps / 10_000`). */
export const BPS = 10_000n;
/** `floor((2^256 − 1) / 1e18)`: one wad's worth of the hash space (`below` compares with `p · this`). */
export const HASH_UNIT_PER_WAD = ((1n << 256n) - 1n) / WAD;
