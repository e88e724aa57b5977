import type { z } from "zod";
import { GatewayPublicApiError } from "../errors.ts";

export type FetchGatewayJsonParameters<schema extends z.ZodType> = {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  gateway: string;
  /** The route, e.g. `/public/v1/suppliers`. */
  path: string;
  schema: schema;
  /** @default 3000 */
  timeoutMs?: number;
};
/** The parsed answer, or `null` when the gateway answered 404 (it does not have the route). */
export type FetchGatewayJsonReturnType<schema extends z.ZodType> = z.output<schema> | null;
export type FetchGatewayJsonErrorType = GatewayPublicApiError;

/**
 * GETs one of a gateway's public JSON routes and validates the answer with `schema`. Throws
 * {@link GatewayPublicApiError} (retryable) when the gateway does not answer, answers an error, or answers
 * something else than the schema; returns null on 404.
 *
 * @example
 * ```ts
 * const answer = await fetchGatewayJson({ gateway: "http://127.0.0.1:8080", path: "/public/v1/suppliers", schema: gatewaySuppliersResponseSchema });
 * ```
 */
export async function fetchGatewayJson<schema extends z.ZodType>(
  parameters: FetchGatewayJsonParameters<schema>,
): Promise<FetchGatewayJsonReturnType<schema>> {
  // Joined, not resolved: a gateway behind a path prefix (`https://host/aviary`) keeps its prefix.
  const url = `${parameters.gateway.replace(/\/+$/, "")}/${parameters.path.replace(/^\/+/, "")}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(parameters.timeoutMs ?? 3000),
    });
  } catch (cause) {
    throw new GatewayPublicApiError(url, "no answer", cause);
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new GatewayPublicApiError(url, `HTTP ${response.status}`);
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (cause) {
    throw new GatewayPublicApiError(url, "the answer is not JSON", cause);
  }
  const parsed = parameters.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GatewayPublicApiError(
      url,
      `unexpected answer (${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"})`,
      parsed.error,
    );
  }
  return parsed.data;
}
