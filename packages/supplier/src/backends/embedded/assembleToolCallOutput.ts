import { randomBytes } from "node:crypto";
import type { BackendResponse, BackendStreamEvent } from "../Backend.ts";
import type { GenerateTextEvent } from "./generateText.ts";
import { chatLogprobs, openAiUsage, type ResponseIdentity } from "./openAiBodies.ts";
import { ToolCallOutputParser } from "./ToolCallOutputParser.ts";
import type { TokenLogprob } from "./tokenLogprob.ts";

export type AssembleToolCallOutputParameters = {
  /** The generation's events (text pieces, then one end). */
  events: AsyncIterable<GenerateTextEvent>;
  identity: ResponseIdentity;
  /** The request asked for logprobs: a text answer carries them (a call has none, as on OpenAI). */
  logprobs: boolean;
};

type FinishReason = "stop" | "length" | "tool_calls";

/** OpenAI's call id: `call_` and 24 random hex digits. */
function callId(): string {
  return `call_${randomBytes(12).toString("hex")}`;
}

/**
 * The `chat.completion` of a generation that may call tools. An output in the call format becomes
 * `message: { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name,
 * arguments } }] }` with `arguments` the JSON text exactly as generated, and `finish_reason: "tool_calls"`
 * (`length` when `max_tokens` cut it: the last call's arguments are then partial, as OpenAI's are). Any
 * other output (text in `auto` mode, or a call cut before its name was complete) is `content`.
 *
 * @param parameters - the events, the identity and the tool mode.
 * @example
 * ```ts
 * const { body, usage } = await completeToolCallOutput({ events: generate(), identity });
 * ```
 */
export async function completeToolCallOutput({
  events,
  identity,
  logprobs,
}: AssembleToolCallOutputParameters): Promise<BackendResponse | undefined> {
  const parser = new ToolCallOutputParser();
  let text = "";
  const tokens: TokenLogprob[] = [];
  for await (const event of events) {
    if (event.type === "text") {
      text += event.text;
      if (event.logprobs) tokens.push(...event.logprobs);
      if (!parser.invalid) parser.push(event.text);
      continue;
    }
    const calls = parser.invalid ? [] : parser.calls;
    const finishReason: FinishReason = parser.complete ? "tool_calls" : event.finishReason;
    const message =
      calls.length === 0
        ? { role: "assistant", content: text }
        : {
            role: "assistant",
            content: null,
            tool_calls: calls.map((call) => ({
              id: callId(),
              type: "function",
              function: { name: call.name, arguments: call.arguments },
            })),
          };
    return {
      body: {
        ...identity,
        object: "chat.completion",
        choices: [
          {
            index: 0,
            message,
            logprobs: logprobs && calls.length === 0 ? chatLogprobs(tokens) : null,
            finish_reason: finishReason,
          },
        ],
        usage: openAiUsage(event.usage),
      },
      usage: event.usage,
    };
  }
  return undefined;
}

/**
 * The streamed form of {@link completeToolCallOutput}, in OpenAI's chunk shapes: for a call, a chunk with
 * `delta: { role: "assistant", content: null, tool_calls: [{ index, id, type: "function", function: { name,
 * arguments: "" } }] }` once its name is complete (later calls without `role`/`content`), then
 * `delta: { tool_calls: [{ index, function: { arguments } }] }` pieces as they are generated, and a last
 * `delta: {}` with `finish_reason: "tool_calls"`; then the usage event. Text is held back only while the
 * output may still be a call (it is the call prefix `{"tool_calls":[` or the start of it, or a call whose
 * name is still being written); otherwise it streams as `content` pieces, as any answer does.
 *
 * @param parameters - the events, the identity and the tool mode.
 * @example
 * ```ts
 * for await (const event of streamToolCallOutput({ events: generate(), identity })) send(event);
 * ```
 */
export async function* streamToolCallOutput({
  events,
  identity,
  logprobs,
}: AssembleToolCallOutputParameters): AsyncGenerator<BackendStreamEvent, void, void> {
  const chunk = (
    delta: Record<string, unknown>,
    finishReason: FinishReason | null = null,
    tokens?: readonly TokenLogprob[],
  ) => ({
    type: "chunk" as const,
    chunk: {
      ...identity,
      object: "chat.completion.chunk",
      choices: [
        {
          index: 0,
          delta,
          logprobs: logprobs && tokens ? chatLogprobs(tokens) : null,
          finish_reason: finishReason,
        },
      ],
    },
  });
  const parser = new ToolCallOutputParser();
  /** Text not sent yet, while it may still be a call, and its tokens' logprobs. */
  let held = "";
  let heldTokens: TokenLogprob[] = [];
  let mode: "undecided" | "text" | "calls" = "undecided";
  let roleSent = false;
  const role = () => {
    if (roleSent) return {};
    roleSent = true;
    return { role: "assistant" };
  };
  for await (const event of events) {
    if (event.type === "text") {
      if (mode === "text") {
        yield chunk({ ...role(), content: event.text }, null, event.logprobs ?? []);
        continue;
      }
      const outcome = parser.push(event.text);
      if (mode === "undecided") {
        held += event.text;
        heldTokens.push(...(event.logprobs ?? []));
      }
      if (mode === "undecided" && parser.invalid) {
        // Not the call format after all (plain text or a JSON answer): it streams as text from here on.
        mode = "text";
        if (!roleSent) yield chunk({ ...role(), content: "" });
        yield chunk({ content: held }, null, heldTokens);
        held = "";
        heldTokens = [];
        continue;
      }
      for (const piece of outcome) {
        if (piece.type === "call") {
          mode = "calls";
          held = "";
          heldTokens = [];
          const head = roleSent ? {} : { ...role(), content: null };
          yield chunk({
            ...head,
            tool_calls: [
              {
                index: piece.index,
                id: callId(),
                type: "function",
                function: { name: piece.name, arguments: "" },
              },
            ],
          });
        } else {
          yield chunk({ tool_calls: [{ index: piece.index, function: { arguments: piece.text } }] });
        }
      }
      continue;
    }
    if (mode !== "calls") {
      // Ended while undecided (empty, or cut inside the prefix or a name): what was written is the content.
      if (!roleSent) yield chunk({ ...role(), content: "" });
      if (held !== "") yield chunk({ content: held }, null, heldTokens);
    }
    yield chunk({}, mode === "calls" && parser.complete ? "tool_calls" : event.finishReason);
    yield { type: "usage", usage: event.usage };
  }
}
