import { z } from "zod";

const textPartSchema = z.object({ type: z.literal("text"), text: z.string() });
const messageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.union([z.string(), z.array(textPartSchema), z.null()]),
});
const samplingShape = {
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
};
const chatSchema = z.looseObject({ ...samplingShape, messages: z.array(messageSchema).min(1) });
const completionSchema = z.looseObject({
  ...samplingShape,
  prompt: z.union([z.string(), z.tuple([z.string()])]),
});

/** The part of a relayed OpenAI request an audit needs, normalized as supplier runtimes read it. */
export type AuditedRequest = (
  | { route: "chat/completions"; messages: { role: "system" | "user" | "assistant"; content: string }[] }
  | { route: "completions"; prompt: string }
) & {
  /** OpenAI's default 1; 0 is greedy. */
  temperature: number;
  /** Default 1. */
  topP: number;
  /** `max_tokens` as the gateway sent it (it always sets one). */
  maxTokens: number;
  /** The request's stop strings. */
  stop: string[];
};

/**
 * Reads the exact body the gateway relayed (the bytes the relay's `bodyHash` covers) into what an audit
 * needs: the messages or prompt (developer turns folded into system, text parts joined, as runtimes do), the
 * sampling parameters with OpenAI's defaults, and the stop strings. `undefined` for a body the audit cannot
 * judge (embeddings, a shape it does not know).
 *
 * @param route - the OpenAI route.
 * @param body - the relayed body bytes.
 * @example
 * ```ts
 * const request = parseAuditedRequest("chat/completions", relayBody);
 * request?.temperature; // 0
 * ```
 */
export function parseAuditedRequest(route: string, body: Uint8Array): AuditedRequest | undefined {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
  const sampling = (parsed: z.infer<typeof chatSchema> | z.infer<typeof completionSchema>) => ({
    temperature: parsed.temperature ?? 1,
    topP: parsed.top_p ?? 1,
    maxTokens: parsed.max_tokens ?? 16,
    stop: parsed.stop == null ? [] : typeof parsed.stop === "string" ? [parsed.stop] : parsed.stop,
  });
  if (route === "chat/completions") {
    const parsed = chatSchema.safeParse(json);
    if (!parsed.success) return undefined;
    return {
      route,
      messages: parsed.data.messages.map((message) => ({
        role: message.role === "developer" ? "system" : message.role,
        content:
          typeof message.content === "string"
            ? message.content
            : (message.content ?? []).map((part) => part.text).join(""),
      })),
      ...sampling(parsed.data),
    };
  }
  if (route === "completions") {
    const parsed = completionSchema.safeParse(json);
    if (!parsed.success) return undefined;
    const prompt = typeof parsed.data.prompt === "string" ? parsed.data.prompt : parsed.data.prompt[0];
    return { route, prompt, ...sampling(parsed.data) };
  }
  return undefined;
}
