import { type OpenAiErrorBody, openAiError } from "@aviary/protocol";
import type { ApiKeyRecord, GatewayStore } from "../store/GatewayStore.ts";

export type AuthenticateBearerReturnType = { key: ApiKeyRecord } | { key: undefined; error: OpenAiErrorBody };

/**
 * The API key of a request, from its `Authorization: Bearer <key>` header, or the OpenAI-shaped 401 to answer:
 * the one check every `/v1/*` route makes (the relay listener and hono's middleware alike).
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
  const key = await store.authenticate(match[1]);
  if (!key)
    return { key: undefined, error: openAiError(401, "invalid_api_key", "Incorrect or revoked API key.") };
  return { key };
}
