import { z } from "zod";

const choiceSchema = z.looseObject({
  message: z.looseObject({ content: z.string().nullish() }).nullish(),
  delta: z.looseObject({ content: z.string().nullish() }).nullish(),
  text: z.string().nullish(),
  finish_reason: z.string().nullish(),
});
const responseSchema = z.looseObject({ choices: z.array(choiceSchema).default([]) });

/** What a client received as the output of a relay. */
export type RelayedOutput = {
  /** The generated text (message content, or completion text), streamed pieces joined. */
  text: string;
  /** `finish_reason` of the first choice, when given. */
  finishReason: string | null;
};

/** The response as the gateway passed it on: a JSON body, or the data payloads of a stream, in order. */
export type RelayedResponse =
  | { kind: "json"; body: Uint8Array }
  | { kind: "stream"; events: readonly string[] };

/**
 * Extracts the output text and finish reason of a chat or completion response (JSON or streamed chunks),
 * parsed with zod (a supplier's bytes are untrusted). `undefined` when the response has no such shape.
 *
 * @param response - the JSON body, or the stream's `data:` payloads.
 * @example
 * ```ts
 * const output = parseRelayedOutput({ kind: "stream", events });
 * output?.finishReason; // "length"
 * ```
 */
export function parseRelayedOutput(response: RelayedResponse): RelayedOutput | undefined {
  const decoder = new TextDecoder();
  if (response.kind === "json") {
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(response.body));
    } catch {
      return undefined;
    }
    const parsed = responseSchema.safeParse(json);
    const choice = parsed.success ? parsed.data.choices[0] : undefined;
    if (!choice) return undefined;
    return { text: choice.message?.content ?? choice.text ?? "", finishReason: choice.finish_reason ?? null };
  }
  let text = "";
  let finishReason: string | null = null;
  let sawChoice = false;
  for (const data of response.events) {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      continue;
    }
    const parsed = responseSchema.safeParse(json);
    const choice = parsed.success ? parsed.data.choices[0] : undefined;
    if (!choice) continue;
    sawChoice = true;
    text += choice.delta?.content ?? choice.text ?? "";
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }
  return sawChoice ? { text, finishReason } : undefined;
}
