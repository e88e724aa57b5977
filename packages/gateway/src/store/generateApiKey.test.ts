import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { generateApiKey, hashApiKey, isApiKeyFormat } from "./generateApiKey.ts";

describe("generateApiKey", () => {
  test("test_generateApiKey_formatPrefixAndHash", () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(/^avy_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(4), "base64url")).toHaveLength(32);
    expect(prefix).toBe(key.slice(0, 8));
    expect(hash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(hashApiKey(key)).toBe(hash);
    expect(isApiKeyFormat(key)).toBe(true);
  });

  test("test_generateApiKey_1000Draws_allDistinct", () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey().key));
    expect(keys.size).toBe(1000);
  });

  test("test_isApiKeyFormat_rejectsOtherShapes", () => {
    const valid = `avy_${"A".repeat(43)}`;
    expect(isApiKeyFormat(valid)).toBe(true);
    for (const key of [
      `${valid}A`,
      valid.slice(0, -1),
      `sk-${"A".repeat(44)}`,
      `avy_${"A".repeat(42)}=`,
      "",
    ]) {
      expect(isApiKeyFormat(key)).toBe(false);
    }
  });
});
