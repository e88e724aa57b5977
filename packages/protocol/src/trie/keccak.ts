/**
 * Keccak-256 for the hot loops (sum trie nodes, mining draws, EIP-712 struct hashes).
 *
 * Why not `keccak_256` from `@noble/hashes` directly: it allocates a hasher per call and runs a table-driven
 * permutation; measured here ~50k hashes/s for a 113-byte trie node against ~170k/s for an unrolled
 * permutation on a reused state. This file is that unrolled permutation (Keccak-f[1600] on 32-bit lane
 * halves: lane `i` is `state[2i]` (low) and `state[2i+1]` (high), bytes absorbed little-endian), generated once
 * from the rotation table and the round-constant LFSR of FIPS 202, and checked byte for byte against
 * `@noble/hashes` in `keccak.test.ts` for every input length up to several blocks.
 *
 * Internal: the package exports it only as `keccak256Hex` (hashing/).
 * @module
 */

const RATE = 136;
const state = new Int32Array(50);
const padded = new Uint8Array(RATE);

/**
 * Writes keccak256(`input[offset .. offset + length)`) into `out[outOffset .. outOffset + 32)`.
 * Not reentrant (shared state), which is fine: JavaScript runs it to completion.
 */
export function keccak256Into(
  input: Uint8Array,
  offset: number,
  length: number,
  out: Uint8Array,
  outOffset: number,
): void {
  state.fill(0);
  let position = offset;
  let remaining = length;
  while (remaining >= RATE) {
    absorb(input, position);
    permute(state);
    position += RATE;
    remaining -= RATE;
  }
  padded.fill(0);
  padded.set(input.subarray(position, position + remaining));
  padded[remaining] = 0x01;
  padded[RATE - 1] = (padded[RATE - 1] as number) | 0x80;
  absorb(padded, 0);
  permute(state);
  for (let word = 0; word < 8; word++) {
    const value = state[word] as number;
    const at = outOffset + word * 4;
    out[at] = value & 0xff;
    out[at + 1] = (value >>> 8) & 0xff;
    out[at + 2] = (value >>> 16) & 0xff;
    out[at + 3] = (value >>> 24) & 0xff;
  }
}

/**
 * keccak256 of `block[0 .. length)` for one-block inputs (`length` ≤ 135), without copying: the caller keeps
 * `block` 136 bytes long and zero from `length` on (the padding bytes are set and restored here). Used by the
 * trie's node hashing, where it saves the copy and clear of the general path.
 */
export function keccak256BlockInto(
  block: Uint8Array,
  length: number,
  out: Uint8Array,
  outOffset: number,
): void {
  const last = block[RATE - 1] as number;
  block[length] = 0x01;
  block[RATE - 1] = (block[RATE - 1] as number) | 0x80;
  for (let word = 0; word < 34; word++) {
    const at = word * 4;
    state[word] =
      (block[at] as number) |
      ((block[at + 1] as number) << 8) |
      ((block[at + 2] as number) << 16) |
      ((block[at + 3] as number) << 24);
  }
  block[length] = 0;
  block[RATE - 1] = last;
  state.fill(0, 34);
  permute(state);
  for (let word = 0; word < 8; word++) {
    const value = state[word] as number;
    const at = outOffset + word * 4;
    out[at] = value & 0xff;
    out[at + 1] = (value >>> 8) & 0xff;
    out[at + 2] = (value >>> 16) & 0xff;
    out[at + 3] = (value >>> 24) & 0xff;
  }
}

/** keccak256 of a whole byte array, as a new 32-byte array. */
export function keccak256Bytes(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  keccak256Into(input, 0, input.length, out, 0);
  return out;
}

function absorb(block: Uint8Array, offset: number): void {
  for (let word = 0; word < 34; word++) {
    const at = offset + word * 4;
    state[word] =
      (state[word] as number) ^
      ((block[at] as number) |
        ((block[at + 1] as number) << 8) |
        ((block[at + 2] as number) << 16) |
        ((block[at + 3] as number) << 24));
  }
}

const ROUND_CONSTANTS = new Int32Array([
  1, 0, 32898, 0, 32906, -2147483648, -2147450880, -2147483648, 32907, 0, -2147483647, 0, -2147450751,
  -2147483648, 32777, -2147483648, 138, 0, 136, 0, -2147450871, 0, -2147483638, 0, -2147450741, 0, 139,
  -2147483648, 32905, -2147483648, 32771, -2147483648, 32770, -2147483648, 128, -2147483648, 32778, 0,
  -2147483638, -2147483648, -2147450751, -2147483648, 32896, -2147483648, -2147483647, 0, -2147450872,
  -2147483648,
]);

function permute(state: Int32Array): void {
  let a0 = state[0] as number;
  let a1 = state[1] as number;
  let a2 = state[2] as number;
  let a3 = state[3] as number;
  let a4 = state[4] as number;
  let a5 = state[5] as number;
  let a6 = state[6] as number;
  let a7 = state[7] as number;
  let a8 = state[8] as number;
  let a9 = state[9] as number;
  let a10 = state[10] as number;
  let a11 = state[11] as number;
  let a12 = state[12] as number;
  let a13 = state[13] as number;
  let a14 = state[14] as number;
  let a15 = state[15] as number;
  let a16 = state[16] as number;
  let a17 = state[17] as number;
  let a18 = state[18] as number;
  let a19 = state[19] as number;
  let a20 = state[20] as number;
  let a21 = state[21] as number;
  let a22 = state[22] as number;
  let a23 = state[23] as number;
  let a24 = state[24] as number;
  let a25 = state[25] as number;
  let a26 = state[26] as number;
  let a27 = state[27] as number;
  let a28 = state[28] as number;
  let a29 = state[29] as number;
  let a30 = state[30] as number;
  let a31 = state[31] as number;
  let a32 = state[32] as number;
  let a33 = state[33] as number;
  let a34 = state[34] as number;
  let a35 = state[35] as number;
  let a36 = state[36] as number;
  let a37 = state[37] as number;
  let a38 = state[38] as number;
  let a39 = state[39] as number;
  let a40 = state[40] as number;
  let a41 = state[41] as number;
  let a42 = state[42] as number;
  let a43 = state[43] as number;
  let a44 = state[44] as number;
  let a45 = state[45] as number;
  let a46 = state[46] as number;
  let a47 = state[47] as number;
  let a48 = state[48] as number;
  let a49 = state[49] as number;
  for (let round = 0; round < 48; round += 2) {
    const c0 = a0 ^ a10 ^ a20 ^ a30 ^ a40;
    const c1 = a1 ^ a11 ^ a21 ^ a31 ^ a41;
    const c2 = a2 ^ a12 ^ a22 ^ a32 ^ a42;
    const c3 = a3 ^ a13 ^ a23 ^ a33 ^ a43;
    const c4 = a4 ^ a14 ^ a24 ^ a34 ^ a44;
    const c5 = a5 ^ a15 ^ a25 ^ a35 ^ a45;
    const c6 = a6 ^ a16 ^ a26 ^ a36 ^ a46;
    const c7 = a7 ^ a17 ^ a27 ^ a37 ^ a47;
    const c8 = a8 ^ a18 ^ a28 ^ a38 ^ a48;
    const c9 = a9 ^ a19 ^ a29 ^ a39 ^ a49;
    const d0 = c8 ^ ((c2 << 1) | (c3 >>> 31));
    const d1 = c9 ^ ((c3 << 1) | (c2 >>> 31));
    const d2 = c0 ^ ((c4 << 1) | (c5 >>> 31));
    const d3 = c1 ^ ((c5 << 1) | (c4 >>> 31));
    const d4 = c2 ^ ((c6 << 1) | (c7 >>> 31));
    const d5 = c3 ^ ((c7 << 1) | (c6 >>> 31));
    const d6 = c4 ^ ((c8 << 1) | (c9 >>> 31));
    const d7 = c5 ^ ((c9 << 1) | (c8 >>> 31));
    const d8 = c6 ^ ((c0 << 1) | (c1 >>> 31));
    const d9 = c7 ^ ((c1 << 1) | (c0 >>> 31));
    a0 ^= d0;
    a1 ^= d1;
    a2 ^= d2;
    a3 ^= d3;
    a4 ^= d4;
    a5 ^= d5;
    a6 ^= d6;
    a7 ^= d7;
    a8 ^= d8;
    a9 ^= d9;
    a10 ^= d0;
    a11 ^= d1;
    a12 ^= d2;
    a13 ^= d3;
    a14 ^= d4;
    a15 ^= d5;
    a16 ^= d6;
    a17 ^= d7;
    a18 ^= d8;
    a19 ^= d9;
    a20 ^= d0;
    a21 ^= d1;
    a22 ^= d2;
    a23 ^= d3;
    a24 ^= d4;
    a25 ^= d5;
    a26 ^= d6;
    a27 ^= d7;
    a28 ^= d8;
    a29 ^= d9;
    a30 ^= d0;
    a31 ^= d1;
    a32 ^= d2;
    a33 ^= d3;
    a34 ^= d4;
    a35 ^= d5;
    a36 ^= d6;
    a37 ^= d7;
    a38 ^= d8;
    a39 ^= d9;
    a40 ^= d0;
    a41 ^= d1;
    a42 ^= d2;
    a43 ^= d3;
    a44 ^= d4;
    a45 ^= d5;
    a46 ^= d6;
    a47 ^= d7;
    a48 ^= d8;
    a49 ^= d9;
    const b0 = a0;
    const b1 = a1;
    const b20 = (a2 << 1) | (a3 >>> 31);
    const b21 = (a3 << 1) | (a2 >>> 31);
    const b40 = (a5 << 30) | (a4 >>> 2);
    const b41 = (a4 << 30) | (a5 >>> 2);
    const b10 = (a6 << 28) | (a7 >>> 4);
    const b11 = (a7 << 28) | (a6 >>> 4);
    const b30 = (a8 << 27) | (a9 >>> 5);
    const b31 = (a9 << 27) | (a8 >>> 5);
    const b32 = (a11 << 4) | (a10 >>> 28);
    const b33 = (a10 << 4) | (a11 >>> 28);
    const b2 = (a13 << 12) | (a12 >>> 20);
    const b3 = (a12 << 12) | (a13 >>> 20);
    const b22 = (a14 << 6) | (a15 >>> 26);
    const b23 = (a15 << 6) | (a14 >>> 26);
    const b42 = (a17 << 23) | (a16 >>> 9);
    const b43 = (a16 << 23) | (a17 >>> 9);
    const b12 = (a18 << 20) | (a19 >>> 12);
    const b13 = (a19 << 20) | (a18 >>> 12);
    const b14 = (a20 << 3) | (a21 >>> 29);
    const b15 = (a21 << 3) | (a20 >>> 29);
    const b34 = (a22 << 10) | (a23 >>> 22);
    const b35 = (a23 << 10) | (a22 >>> 22);
    const b4 = (a25 << 11) | (a24 >>> 21);
    const b5 = (a24 << 11) | (a25 >>> 21);
    const b24 = (a26 << 25) | (a27 >>> 7);
    const b25 = (a27 << 25) | (a26 >>> 7);
    const b44 = (a29 << 7) | (a28 >>> 25);
    const b45 = (a28 << 7) | (a29 >>> 25);
    const b46 = (a31 << 9) | (a30 >>> 23);
    const b47 = (a30 << 9) | (a31 >>> 23);
    const b16 = (a33 << 13) | (a32 >>> 19);
    const b17 = (a32 << 13) | (a33 >>> 19);
    const b36 = (a34 << 15) | (a35 >>> 17);
    const b37 = (a35 << 15) | (a34 >>> 17);
    const b6 = (a36 << 21) | (a37 >>> 11);
    const b7 = (a37 << 21) | (a36 >>> 11);
    const b26 = (a38 << 8) | (a39 >>> 24);
    const b27 = (a39 << 8) | (a38 >>> 24);
    const b28 = (a40 << 18) | (a41 >>> 14);
    const b29 = (a41 << 18) | (a40 >>> 14);
    const b48 = (a42 << 2) | (a43 >>> 30);
    const b49 = (a43 << 2) | (a42 >>> 30);
    const b18 = (a45 << 29) | (a44 >>> 3);
    const b19 = (a44 << 29) | (a45 >>> 3);
    const b38 = (a47 << 24) | (a46 >>> 8);
    const b39 = (a46 << 24) | (a47 >>> 8);
    const b8 = (a48 << 14) | (a49 >>> 18);
    const b9 = (a49 << 14) | (a48 >>> 18);
    a0 = b0 ^ (~b2 & b4);
    a1 = b1 ^ (~b3 & b5);
    a2 = b2 ^ (~b4 & b6);
    a3 = b3 ^ (~b5 & b7);
    a4 = b4 ^ (~b6 & b8);
    a5 = b5 ^ (~b7 & b9);
    a6 = b6 ^ (~b8 & b0);
    a7 = b7 ^ (~b9 & b1);
    a8 = b8 ^ (~b0 & b2);
    a9 = b9 ^ (~b1 & b3);
    a10 = b10 ^ (~b12 & b14);
    a11 = b11 ^ (~b13 & b15);
    a12 = b12 ^ (~b14 & b16);
    a13 = b13 ^ (~b15 & b17);
    a14 = b14 ^ (~b16 & b18);
    a15 = b15 ^ (~b17 & b19);
    a16 = b16 ^ (~b18 & b10);
    a17 = b17 ^ (~b19 & b11);
    a18 = b18 ^ (~b10 & b12);
    a19 = b19 ^ (~b11 & b13);
    a20 = b20 ^ (~b22 & b24);
    a21 = b21 ^ (~b23 & b25);
    a22 = b22 ^ (~b24 & b26);
    a23 = b23 ^ (~b25 & b27);
    a24 = b24 ^ (~b26 & b28);
    a25 = b25 ^ (~b27 & b29);
    a26 = b26 ^ (~b28 & b20);
    a27 = b27 ^ (~b29 & b21);
    a28 = b28 ^ (~b20 & b22);
    a29 = b29 ^ (~b21 & b23);
    a30 = b30 ^ (~b32 & b34);
    a31 = b31 ^ (~b33 & b35);
    a32 = b32 ^ (~b34 & b36);
    a33 = b33 ^ (~b35 & b37);
    a34 = b34 ^ (~b36 & b38);
    a35 = b35 ^ (~b37 & b39);
    a36 = b36 ^ (~b38 & b30);
    a37 = b37 ^ (~b39 & b31);
    a38 = b38 ^ (~b30 & b32);
    a39 = b39 ^ (~b31 & b33);
    a40 = b40 ^ (~b42 & b44);
    a41 = b41 ^ (~b43 & b45);
    a42 = b42 ^ (~b44 & b46);
    a43 = b43 ^ (~b45 & b47);
    a44 = b44 ^ (~b46 & b48);
    a45 = b45 ^ (~b47 & b49);
    a46 = b46 ^ (~b48 & b40);
    a47 = b47 ^ (~b49 & b41);
    a48 = b48 ^ (~b40 & b42);
    a49 = b49 ^ (~b41 & b43);
    a0 ^= ROUND_CONSTANTS[round] as number;
    a1 ^= ROUND_CONSTANTS[round + 1] as number;
  }
  state[0] = a0;
  state[1] = a1;
  state[2] = a2;
  state[3] = a3;
  state[4] = a4;
  state[5] = a5;
  state[6] = a6;
  state[7] = a7;
  state[8] = a8;
  state[9] = a9;
  state[10] = a10;
  state[11] = a11;
  state[12] = a12;
  state[13] = a13;
  state[14] = a14;
  state[15] = a15;
  state[16] = a16;
  state[17] = a17;
  state[18] = a18;
  state[19] = a19;
  state[20] = a20;
  state[21] = a21;
  state[22] = a22;
  state[23] = a23;
  state[24] = a24;
  state[25] = a25;
  state[26] = a26;
  state[27] = a27;
  state[28] = a28;
  state[29] = a29;
  state[30] = a30;
  state[31] = a31;
  state[32] = a32;
  state[33] = a33;
  state[34] = a34;
  state[35] = a35;
  state[36] = a36;
  state[37] = a37;
  state[38] = a38;
  state[39] = a39;
  state[40] = a40;
  state[41] = a41;
  state[42] = a42;
  state[43] = a43;
  state[44] = a44;
  state[45] = a45;
  state[46] = a46;
  state[47] = a47;
  state[48] = a48;
  state[49] = a49;
}
