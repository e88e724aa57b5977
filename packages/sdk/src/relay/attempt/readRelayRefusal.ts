import { z } from "zod";
import { RelayAttemptError, StreamBrokenError } from "../../errors.ts";
import type { RelayBodyReader } from "./RelayBodyReader.ts";

/** OpenAI's error body, as suppliers answer refusals (protocol.md §4). Untrusted: everything optional. */
const openAiErrorSchema = z.object({
  error: z.object({
    message: z.string().max(4096).optional(),
    code: z.union([z.string().max(200), z.number()]).nullish(),
    type: z.string().max(200).nullish(),
    param: z.string().max(200).nullish(),
    // Only stream error events carry it; anything but an integer is ignored, never a reason to drop the code.
    status: z.unknown().optional(),
  }),
});

/** The supplier's OpenAI error body, when the text is one. */
function parseOpenAiError(text: string): z.output<typeof openAiErrorSchema>["error"] | undefined {
  try {
    const result = openAiErrorSchema.safeParse(JSON.parse(text));
    return result.success ? result.data.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error of a non-2xx answer: its status, and the OpenAI error's `code` and message when the body is one
 * (at most 64 KiB of it is read).
 *
 * @example
 * ```ts
 * if (response.status >= 300) throw await readRelayRefusal(reader, endpoint, response.status);
 * ```
 */
export async function readRelayRefusal(
  reader: RelayBodyReader,
  endpoint: string,
  status: number,
): Promise<RelayAttemptError> {
  let text = "";
  try {
    text = new TextDecoder().decode(await reader.readAll(64 * 1024));
  } catch {
    // The status says enough.
  }
  const error = parseOpenAiError(text);
  const code = error?.code;
  return new RelayAttemptError({
    kind: "http",
    endpoint,
    status,
    code: code === undefined || code === null ? `http_${status}` : String(code),
    message: error?.message ?? (text.slice(0, 200) || `HTTP ${status}`),
    ...(error?.param ? { param: error.param } : {}),
  });
}

/** A stream's `data: {"error":…}` event as the error its events end with. */
export function streamErrorEvent(endpoint: string, data: string): StreamBrokenError {
  const error = parseOpenAiError(data);
  return new StreamBrokenError({
    reason: "error_event",
    endpoint,
    status: Number.isInteger(error?.status) ? (error?.status as number) : undefined,
    code: error?.code === undefined || error.code === null ? "stream_error" : String(error.code),
    message: error?.message || "the supplier sent an error event",
  });
}
