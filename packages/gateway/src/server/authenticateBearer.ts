import { type OpenAiErrorBody, openAiError } from "@aviary/protocol";
import type { ApiKeyRecord, GatewayStore } from "../store/GatewayStore.ts";

export type AuthenticateBearerReturnType = { key: ApiKeyRecord } | { key: undefined; error: OpenAiErrorBody };

/**
 * How long a key that authenticated is taken as valid without asking the store again: a revocation (by
 * `aviary gateway keys revoke`, from any replica) takes effect within this time. Budgets and limits are not
 * cached: `admit` reads them on every request.
 */
export const AUTHENTICATION_CACHE_MS = 1_000;
const MAX_CACHED_KEYS = 10_000;
/** Per store: the keys that authenticated recently, by their plaintext, with when they did. */
const caches = new WeakMap<object, Map<string, { key: ApiKeyRecord; at: number }>>();

/**
 * The API key of a request, from its `Authorization: Bearer <key>` header, or the OpenAI-shaped 401 to answer:
 * the one check every `/v1/*` route makes (the relay listener and hono's middleware alike). A key that
 * authenticated is remembered for {@link AUTHENTICATION_CACHE_MS}, so the relay path does not read the store
 * twice per request; unknown keys are not remembered (each costs one indexed lookup).
 *
 * @param store - the key store.
 * @param authorization - the header's value, if any.
 * @example
 * ```ts
 * const auth = await authenticateBearer(store, request.headers.authorization);
 * if (!auth.key) return answer(401, auth.error);
 * ```
 */
export async function authenticateBearer(
  store: Pick<GatewayStore, "authenticate">,
  authorization: string | undefined,
): Promise<AuthenticateBearerReturnType> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (!match?.[1]) {
    return {
      key: undefined,
      error: openAiError(
        401,
        "invalid_api_key",
        "Missing API key: send `Authorization: Bearer <key>` (create one with `aviary gateway keys create`).",
      ),
    };
  }
  const plaintext = match[1];
  let cache = caches.get(store);
  if (!cache) {
    cache = new Map();
    caches.set(store, cache);
  }
  const now = Date.now();
  const hit = cache.get(plaintext);
  if (hit && now - hit.at < AUTHENTICATION_CACHE_MS) return { key: hit.key };
  const key = await store.authenticate(plaintext);
  if (key) {
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    cache.set(plaintext, { key, at: now });
  } else cache.delete(plaintext);
  if (!key)
    return { key: undefined, error: openAiError(401, "invalid_api_key", "Incorrect or revoked API key.") };
  return { key };
}
