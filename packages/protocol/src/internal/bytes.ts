/**
 * Byte helpers for the API edges (hex in, hex out) of the hot paths. Internal: not exported from the package.
 * @module
 */
import type { Hex } from "viem";

const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** char code → nibble value, or 255 for a non-hex character. */
const NIBBLE = new Uint8Array(128).fill(255);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/**
 * Decodes `0x` + exactly `2 * byteLength` hex digits into `out[offset ..]`. Returns false (and may have
 * written part of the bytes) when `hex` is not such a string.
 */
export function hexInto(hex: unknown, out: Uint8Array, offset: number, byteLength: number): boolean {
  if (
    typeof hex !== "string" ||
    hex.length !== 2 + 2 * byteLength ||
    hex[0] !== "0" ||
    (hex[1] !== "x" && hex[1] !== "X")
  )
    return false;
  for (let i = 0; i < byteLength; i++) {
    const high = NIBBLE[hex.charCodeAt(2 + 2 * i) & 0x7f] as number;
    const low = NIBBLE[hex.charCodeAt(3 + 2 * i) & 0x7f] as number;
    if (high === 255 || low === 255 || hex.charCodeAt(2 + 2 * i) > 127 || hex.charCodeAt(3 + 2 * i) > 127)
      return false;
    out[offset + i] = (high << 4) | low;
  }
  return true;
}

/** Copies a byte array or decodes a hex string of `byteLength` bytes into `out[offset ..]`; false if malformed. */
export function bytesInto(value: unknown, out: Uint8Array, offset: number, byteLength: number): boolean {
  if (value instanceof Uint8Array) {
    if (value.length !== byteLength) return false;
    out.set(value, offset);
    return true;
  }
  return hexInto(value, out, offset, byteLength);
}

/** Lower-case `0x` hex of `bytes[offset .. offset + length)`. */
export function toHex(bytes: Uint8Array, offset = 0, length = bytes.length - offset): Hex {
  let text = "0x";
  for (let i = 0; i < length; i++) text += HEX_BYTE[bytes[offset + i] as number] as string;
  return text as Hex;
}

/** Writes `value` (0 <= value < 2^(8*byteLength)) big-endian into `out[offset .. offset + byteLength)`. */
export function writeUint(value: bigint, out: Uint8Array, offset: number, byteLength: number): void {
  let rest = value;
  for (let i = byteLength - 1; i >= 0; i--) {
    out[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

/** Reads a big-endian unsigned integer from `bytes[offset .. offset + byteLength)`. */
export function readUint(bytes: Uint8Array, offset: number, byteLength: number): bigint {
  let value = 0n;
  for (let i = 0; i < byteLength; i += 4) {
    const chunk = Math.min(4, byteLength - i);
    let word = 0;
    for (let j = 0; j < chunk; j++) word = word * 256 + (bytes[offset + i + j] as number);
    value = (value << BigInt(8 * chunk)) | BigInt(word);
  }
  return value;
}

/** True when `value` is a bigint in [0, 2^bits). */
export function isUint(value: unknown, bits: number): value is bigint {
  return typeof value === "bigint" && value >= 0n && value < 1n << BigInt(bits);
}

/** True when `value` is `0x` + 64 hex digits. */
export function isBytes32Hex(value: unknown): value is Hex {
  return typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value);
}

/** The 32 zero bytes as hex. */
export const ZERO_HASH: Hex = `0x${"0".repeat(64)}`;
