import { toChatHistory } from "@aviary/protocol";
import type { ChatHistoryItem, ChatWrapper, LlamaModel, LlamaText, Token } from "node-llama-cpp";
import { BackendInvalidRequestError } from "../errors.ts";
import type { GenerationRequest } from "../parseGenerationRequest.ts";

export type RenderPromptParameters = {
  model: LlamaModel;
  /** The chat template (node-llama-cpp chat wrapper) resolved for the model. */
  chatWrapper: ChatWrapper;
  request: GenerationRequest;
};

export type RenderPromptReturnType = {
  /** Exactly the tokens the runtime evaluates for the prompt: what `prompt_tokens` counts. */
  tokens: Token[];
  /** Text stop triggers of the chat template (e.g. `</s>` written as plain text), plus the request's `stop`. */
  stop: string[];
  /** Single tokens that end generation besides the model's end-of-generation tokens. */
  stopTokens: Token[];
};

export type RenderPromptErrorType = BackendInvalidRequestError;

/**
 * Turns a parsed request into prompt tokens with the model's own tokenizer.
 *
 * - `completions`: BOS (when the vocabulary adds one) followed by the prompt; special-token text in the
 *   prompt stays plain text.
 * - `chat/completions`: the chat history of `toChatHistory` (the tools' instructions, assistant tool calls
 *   as their call JSON, tool results as labelled user turns; the mapping the gateway's billing recount
 *   shares) rendered by the model's chat template (message text never becomes special tokens), ending with
 *   an open assistant turn; the template's stop triggers are returned too.
 *
 * @param parameters - the model, its chat wrapper and the request.
 * @throws {BackendInvalidRequestError} when the template cannot render the messages.
 * @example
 * ```ts
 * const { tokens } = renderPrompt({ model, chatWrapper, request });
 * ```
 */
export function renderPrompt({
  model,
  chatWrapper,
  request,
}: RenderPromptParameters): RenderPromptReturnType {
  if (request.route === "completions") {
    const tokens = model.tokenize(request.prompt, false);
    const bos = model.tokens.bos;
    if (model.tokens.shouldPrependBosToken && bos != null && tokens[0] !== bos) tokens.unshift(bos);
    return { tokens, stop: request.stop, stopTokens: [] };
  }

  const chatHistory: ChatHistoryItem[] = toChatHistory({
    messages: request.messages,
    tools: request.tools,
    toolChoice: request.toolChoice,
    parallelToolCalls: request.parallelToolCalls,
  });
  let rendered: { contextText: LlamaText; stopGenerationTriggers: LlamaText[] };
  try {
    rendered = chatWrapper.generateContextState({ chatHistory });
  } catch (cause) {
    throw new BackendInvalidRequestError({
      reason: "the model's chat template cannot render these messages",
      cause,
    });
  }
  const stop = [...request.stop];
  const stopTokens: Token[] = [];
  for (const trigger of rendered.stopGenerationTriggers) {
    if (trigger.values.every((value) => typeof value === "string")) {
      const text = trigger.values.join("");
      if (text !== "" && !stop.includes(text)) stop.push(text);
      continue;
    }
    const tokens = trigger.tokenize(model.tokenizer);
    // Multi-token special triggers are not matched (none of the built-in templates needs them).
    if (tokens.length === 1) stopTokens.push(tokens[0] as Token);
  }
  return { tokens: rendered.contextText.tokenize(model.tokenizer), stop, stopTokens };
}
