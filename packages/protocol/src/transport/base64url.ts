import { bytesToHex, type Hex, hexToBytes } from "viem";

/** base64url (RFC 4648 §5, no padding) of hex bytes. */
export function hexToBase64Url(hex: Hex): string {
  return Buffer.from(hexToBytes(hex)).toString("base64url");
}

/** Hex of base64url bytes; `undefined` when the text is not base64url. */
export function base64UrlToHex(text: string): Hex | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  return bytesToHex(Buffer.from(text, "base64url"));
}
