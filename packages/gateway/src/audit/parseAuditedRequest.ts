import type { ChatHistoryEntry } from "@aviary/protocol";
import { toChatHistory } from "@aviary/protocol";
import { z } from "zod";

const textPartSchema = z.object({ type: z.literal("text"), text: z.string() });
const messageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(textPartSchema), z.null()]).optional(),
  tool_calls: z
    .array(z.object({ id: z.string(), function: z.object({ name: z.string(), arguments: z.string() }) }))
    .nullish(),
  tool_call_id: z.string().nullish(),
});
const toolSchema = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string(),
    description: z.string().optional(),
    // A record keeps the client's key order (the instructions sort keys anyway).
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});
const samplingShape = {
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
  frequency_penalty: z.number().nullish(),
  presence_penalty: z.number().nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
};
const chatSchema = z.looseObject({
  ...samplingShape,
  messages: z.array(messageSchema).min(1),
  tools: z.array(toolSchema).nullish(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
    ])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: z.looseObject({ type: z.string() }).nullish(),
});
const completionSchema = z.looseObject({
  ...samplingShape,
  prompt: z.union([z.string(), z.tuple([z.string()])]),
});

/** The part of a relayed OpenAI request an audit needs, normalized as supplier runtimes read it. */
export type AuditedRequest = (
  | {
      route: "chat/completions";
      /** The chat as a supplier's runtime renders it (`toChatHistory`: tools, tool calls and results included). */
      chatHistory: ChatHistoryEntry[];
    }
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
  /**
   * What makes the output's distribution differ from the model's own (a grammar: tools or a JSON response
   * format; `logit_bias`; a nonzero penalty), or undefined. The fidelity audit cannot score such outputs.
   */
  reshaped: string | undefined;
};

/**
 * Reads the exact body the gateway relayed (the bytes the relay's `bodyHash` covers) into what an audit
 * needs: the messages or prompt (as the chat history the supplier's runtime renders, `toChatHistory`), the
 * sampling parameters with OpenAI's defaults, the stop strings, and whether anything reshapes the output's
 * distribution. `undefined` for a body the audit cannot
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
    reshaped: reshapedBy(parsed),
  });
  if (route === "chat/completions") {
    const parsed = chatSchema.safeParse(json);
    if (!parsed.success) return undefined;
    const { messages, tools, tool_choice: choice, parallel_tool_calls } = parsed.data;
    return {
      route,
      chatHistory: toChatHistory({
        messages,
        tools: (tools ?? []).map(({ function: tool }) => tool),
        toolChoice:
          choice == null
            ? (tools ?? []).length > 0
              ? "auto"
              : "none"
            : typeof choice === "string"
              ? choice
              : { name: choice.function.name },
        parallelToolCalls: parallel_tool_calls ?? true,
      }),
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

/** Why the output is not a sample of the model's own distribution, or undefined when it is. */
function reshapedBy(
  parsed:
    | z.infer<typeof chatSchema>
    | (z.infer<typeof completionSchema> & Partial<z.infer<typeof chatSchema>>),
): string | undefined {
  if ((parsed.tools ?? []).length > 0) return "tools (a grammar constrains the output)";
  const format = parsed.response_format?.type;
  if (format === "json_object" || format === "json_schema")
    return `response_format ${format} (a grammar constrains the output)`;
  if (Object.keys(parsed.logit_bias ?? {}).length > 0) return "logit_bias (biased token probabilities)";
  if ((parsed.frequency_penalty ?? 0) !== 0 || (parsed.presence_penalty ?? 0) !== 0)
    return "frequency or presence penalty (penalized token probabilities)";
  return undefined;
}
