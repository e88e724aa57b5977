import type { ChatToolChoice, ChatToolDefinition } from "./renderToolInstructions.ts";
import type { ChatCompletionRequest } from "./schemas.ts";
import type { ChatMessageInput } from "./toChatHistory.ts";

/** {@link chatHistoryParameters}' answer: `toChatHistory`'s parameters with the defaults filled in. */
export type ChatHistoryParameters = {
  messages: readonly ChatMessageInput[];
  tools: ChatToolDefinition[];
  toolChoice: ChatToolChoice;
  parallelToolCalls: boolean;
};

/**
 * What of a schema-checked chat body reaches the prompt, as {@link toChatHistory} takes it: the messages, the
 * function tools, `tool_choice` (OpenAI's default: `auto` with tools, `none` without) and
 * `parallel_tool_calls` (default true). The one reading of these fields for the supplier's runtime, the
 * gateway's billing recount and the SDK's `maxCost` bound, so that all three render the same prompt.
 *
 * @param body - a chat/completions body that passed `chatCompletionRequestSchema`.
 * @example
 * ```ts
 * const chatHistory = toChatHistory(chatHistoryParameters(body));
 * ```
 */
export function chatHistoryParameters(
  body: Pick<ChatCompletionRequest, "messages" | "tools" | "tool_choice" | "parallel_tool_calls">,
): ChatHistoryParameters {
  const tools = (body.tools ?? []).map(({ function: tool }) => ({
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
  }));
  const choice = body.tool_choice;
  return {
    messages: body.messages as readonly ChatMessageInput[],
    tools,
    toolChoice:
      choice == null
        ? tools.length > 0
          ? "auto"
          : "none"
        : typeof choice === "string"
          ? choice
          : { name: choice.function.name },
    parallelToolCalls: body.parallel_tool_calls ?? true,
  };
}
