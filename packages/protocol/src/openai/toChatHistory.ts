import { formatToolCallJson } from "./formatToolCallJson.ts";
import {
  type ChatToolChoice,
  type ChatToolDefinition,
  renderToolInstructions,
} from "./renderToolInstructions.ts";

/** An OpenAI chat message as a schema-checked body holds it (only the fields that reach the prompt). */
export type ChatMessageInput = {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  /** A string, text parts (joined), or null (an assistant turn with only tool calls). */
  content?: string | readonly { type: string; text?: string | undefined }[] | null | undefined;
  /** Assistant turns: the calls it made, `arguments` as the JSON text the model wrote. */
  tool_calls?:
    | readonly { id?: string | undefined; function: { name: string; arguments: string } }[]
    | null
    | undefined;
  /** Tool turns: the call this is the result of. */
  tool_call_id?: string | null | undefined;
};

/**
 * One turn of a chat history, structurally node-llama-cpp's `ChatHistoryItem` (system, user and model turns
 * with plain text), so the result can be handed to a chat wrapper's `generateContextState` as it is, while this
 * package stays free of the runtime.
 */
export type ChatHistoryEntry =
  | { type: "system"; text: string }
  | { type: "user"; text: string }
  | { type: "model"; response: string[] };

export type ToChatHistoryParameters = {
  messages: readonly ChatMessageInput[];
  /** Function tools; when present (even with `toolChoice: "none"`) they are documented in a system turn. */
  tools?: readonly ChatToolDefinition[] | undefined;
  /** Default `auto`. */
  toolChoice?: ChatToolChoice | undefined;
  /** Default true. */
  parallelToolCalls?: boolean | undefined;
};

/**
 * Maps OpenAI chat messages (and tools) to the chat history a runtime renders with the model's template,
 * ending with an open assistant turn. The one mapping the supplier's embedded runtime and the gateway's
 * billing recount both use, so that prompt token counts agree exactly:
 *
 * - `developer` turns are `system` turns; text parts are joined; a null content is empty text;
 * - with tools, {@link renderToolInstructions}'s text is appended to the first system turn (after a blank
 *   line), or is a system turn of its own at the start when the chat has none there;
 * - an assistant turn with `tool_calls` is its content (if any, then a newline) followed by the call JSON
 *   of {@link formatToolCallJson}, exactly what the model writes to call;
 * - a `tool` turn is a user turn `Tool result of <name> (call <id>):\n<content>` (the name looked up from
 *   the assistant call with that id; `Tool result (call <id>):` when none has it).
 *
 * @param parameters - the messages, and the tools with the choice and the parallel flag.
 * @example
 * ```ts
 * const chatHistory = toChatHistory({ messages: [{ role: "user", content: "Hi" }] });
 * // [{ type: "user", text: "Hi" }, { type: "model", response: [] }]
 * chatWrapper.generateContextState({ chatHistory });
 * ```
 */
export function toChatHistory({
  messages,
  tools,
  toolChoice = "auto",
  parallelToolCalls = true,
}: ToChatHistoryParameters): ChatHistoryEntry[] {
  const callNames = new Map<string, string>();
  const history: ChatHistoryEntry[] = [];
  for (const message of messages) {
    const text = contentText(message.content);
    if (message.role === "assistant") {
      const calls = message.tool_calls ?? [];
      for (const call of calls) if (call.id) callNames.set(call.id, call.function.name);
      const callJson =
        calls.length === 0
          ? ""
          : formatToolCallJson(
              calls.map((call) => ({ name: call.function.name, arguments: call.function.arguments })),
            );
      history.push({
        type: "model",
        response: [text !== "" && callJson !== "" ? `${text}\n${callJson}` : text || callJson],
      });
    } else if (message.role === "tool") {
      const id = message.tool_call_id ?? "";
      const name = callNames.get(id);
      const label = name === undefined ? `Tool result (call ${id}):` : `Tool result of ${name} (call ${id}):`;
      history.push({ type: "user", text: `${label}\n${text}` });
    } else {
      history.push({ type: message.role === "user" ? "user" : "system", text });
    }
  }
  if (tools && tools.length > 0) {
    const instructions = renderToolInstructions({ tools, toolChoice, parallelToolCalls });
    const first = history[0];
    if (first?.type === "system") history[0] = { type: "system", text: `${first.text}\n\n${instructions}` };
    else history.unshift({ type: "system", text: instructions });
  }
  history.push({ type: "model", response: [] });
  return history;
}

function contentText(content: ChatMessageInput["content"]): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" ? (part.text ?? "") : "")).join("");
}
