import type { z } from "zod";
import { type OpenAiRoute, openAiRouteSchemas } from "./schemas.ts";

export type ParseOpenAiBodyReturnType =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; code: "invalid_json" | "invalid_request"; message: string; param: string | null };

/**
 * Parses request body bytes as the OpenAI body of `route`, or says what is wrong (OpenAI `code`, a message
 * naming the field, and `param`): what the supplier and the gateway both answer with a 400.
 *
 * @example
 * const parsed = parseOpenAiBody("chat/completions", bytes);
 * if (!parsed.ok) return openAiErrorResponse(400, parsed.code, parsed.message, parsed.param);
 */
export function parseOpenAiBody(route: OpenAiRoute, bytes: Uint8Array): ParseOpenAiBodyReturnType {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return { ok: false, code: "invalid_json", message: "The request body is not JSON.", param: null };
  }
  const parsed = openAiRouteSchemas[route].safeParse(json);
  if (parsed.success) return { ok: true, body: parsed.data as Record<string, unknown> };
  const issue = parsed.error.issues[0];
  const param = issue?.path.join(".") || null;
  return {
    ok: false,
    code: "invalid_request",
    message: `${param ? `${param}: ` : ""}${issue ? issueMessage(issue) : "invalid body"}`,
    param,
  };
}

/** An issue's message; a bad record key also says what keys must be (zod's own says only "Invalid key"). */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_key" && issue.issues[0]) return `${issue.message}: ${issue.issues[0].message}`;
  return issue.message;
}
