import { createHash, randomBytes } from "node:crypto";

/** Every Aviary API key starts with this. */
export const API_KEY_PREFIX = "avy_";
/** Characters of a key shown in listings (`avy_` and 4 more). */
export const API_KEY_SHOWN_LENGTH = 8;
const API_KEY_PATTERN = /^avy_[A-Za-z0-9_-]{43}$/;

/** What {@link generateApiKey} returns. */
export type GeneratedApiKey = {
  /** The plaintext key: `avy_` + 43 base64url characters of 32 random bytes. Give it to the user once. */
  key: string;
  /** Its first 8 characters, stored and shown in listings. */
  prefix: string;
  /** {@link hashApiKey} of the key: the only form a store keeps. */
  hash: string;
};

/**
 * Draws a new API key (256 bits from the operating system's CSPRNG).
 *
 * @example
 * ```ts
 * const { key, prefix, hash } = generateApiKey();
 * // key: "avy_Q2x…" (47 characters), prefix: "avy_Q2x…" (8), hash: 64 hex digits
 * ```
 */
export function generateApiKey(): GeneratedApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, API_KEY_SHOWN_LENGTH), hash: hashApiKey(key) };
}

/**
 * The stored form of a key: sha256 of its UTF-8 bytes, as 64 lowercase hex digits. A key has 256 bits of
 * entropy, so an unsalted fast hash is enough (nothing to brute-force) and lookups stay a single index probe.
 *
 * @example
 * ```ts
 * hashApiKey("avy_…") // "3f1a…"
 * ```
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Whether `key` has the shape of an Aviary API key (checked before any lookup).
 *
 * @example
 * ```ts
 * isApiKeyFormat("avy_" + "A".repeat(43)) // true
 * isApiKeyFormat("sk-…") // false
 * ```
 */
export function isApiKeyFormat(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}
