// The bearer check against a real (in-memory SQLite) store: unknown and malformed keys are refused, and a
// revoked key stops working once the authentication cache's window has passed.
import { afterEach, describe, expect, test, vi } from "vitest";
import { createGatewayStore } from "../store/createGatewayStore.ts";
import { AUTHENTICATION_CACHE_MS, authenticateBearer } from "./authenticateBearer.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("authenticateBearer", () => {
  test("test_authenticateBearer_missingOrUnknownKey_is401", async () => {
    const store = createGatewayStore({ path: ":memory:" });
    await store.migrate();
    for (const header of [undefined, "", "Basic abc", "Bearer", "Bearer avy_unknown"]) {
      const auth = await authenticateBearer(store, header);
      expect(auth.key).toBeUndefined();
      expect(auth).toMatchObject({ error: { error: { code: "invalid_api_key" } } });
    }
    await store.close();
  });

  test("test_authenticateBearer_revokedKey_refusedOnceTheCacheWindowPassed", async () => {
    const store = createGatewayStore({ path: ":memory:" });
    await store.migrate();
    const { key, record } = await store.createKey({ name: "app" });
    let now = 1_000_000;
    vi.spyOn(Date, "now").mockImplementation(() => now);
    expect((await authenticateBearer(store, `Bearer ${key}`)).key?.id).toBe(record.id);
    await store.revokeKey(record.id);
    // Within the window the remembered answer stands (the documented revocation delay)…
    now += AUTHENTICATION_CACHE_MS - 1;
    expect((await authenticateBearer(store, `Bearer ${key}`)).key?.id).toBe(record.id);
    // …and after it the store is asked again, and says no.
    now += 2;
    const refused = await authenticateBearer(store, `Bearer ${key}`);
    expect(refused.key).toBeUndefined();
    // A refused key is forgotten, not remembered as valid.
    expect((await authenticateBearer(store, `Bearer ${key}`)).key).toBeUndefined();
    await store.close();
  });
});
