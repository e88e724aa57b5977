import { describe, expect, it } from "vitest";
import { ResponsesUpstreamInvalidError } from "./errors.ts";
import { toChatCompletionRequest } from "./toChatCompletionRequest.ts";
import { toResponseObject } from "./toResponseObject.ts";

const encoder = new TextEncoder();
const requestOf = (body: unknown) =>
  toChatCompletionRequest({ bytes: encoder.encode(JSON.stringify(body)) }).request;
const usage = { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 };

describe("toResponseObject", () => {
  it("test_toResponseObject_text_oneMessageWithUsageAndEchoedSettings", () => {
    const request = requestOf({
      model: "m",
      input: "Hi",
      instructions: "Be brief.",
      max_output_tokens: 8,
      metadata: { a: "b" },
    });
    const response = toResponseObject({
      request,
      completion: {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1_700_000_000,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Hello!" } }],
        usage,
      },
    });
    expect(response).toMatchObject({
      object: "response",
      created_at: 1_700_000_000,
      status: "completed",
      model: "m",
      instructions: "Be brief.",
      max_output_tokens: 8,
      metadata: { a: "b" },
      store: false,
      error: null,
      incomplete_details: null,
      tool_choice: "auto",
      tools: [],
      text: { format: { type: "text" } },
      usage: {
        input_tokens: 11,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 4,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 15,
      },
    });
    expect(response.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({
      type: "message",
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: "Hello!", annotations: [] }],
    });
    expect(response.output[0]?.id).toMatch(/^msg_/);
  });

  it("test_toResponseObject_toolCalls_functionCallItemsWithCallIds", () => {
    const request = requestOf({
      model: "m",
      input: "Weather?",
      tools: [{ type: "function", name: "get_weather", parameters: { type: "object" }, strict: true }],
    });
    const response = toResponseObject({
      request,
      completion: {
        choices: [
          {
            finish_reason: "tool_calls",
            message: {
              role: "assistant",
              content: null,
              tool_calls: [
                {
                  id: "call_a",
                  type: "function",
                  function: { name: "get_weather", arguments: '{"city":"Paris"}' },
                },
                {
                  id: "call_b",
                  type: "function",
                  function: { name: "get_weather", arguments: '{"city":"Rome"}' },
                },
              ],
            },
          },
        ],
        usage,
      },
    });
    expect(response.status).toBe("completed");
    expect(response.output).toEqual([
      expect.objectContaining({
        type: "function_call",
        call_id: "call_a",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
        status: "completed",
      }),
      expect.objectContaining({ type: "function_call", call_id: "call_b", arguments: '{"city":"Rome"}' }),
    ]);
    expect(response.output[0]?.id).toMatch(/^fc_/);
    expect(response.tools).toEqual(request.tools);
  });

  it("test_toResponseObject_length_incompleteWithReason", () => {
    const response = toResponseObject({
      request: requestOf({ model: "m", input: "x" }),
      completion: { choices: [{ finish_reason: "length", message: { content: "abc" } }], usage },
    });
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(response.output[0]?.status).toBe("incomplete");
  });

  it("test_toResponseObject_emptyOrRefusal_oneMessage", () => {
    const request = requestOf({ model: "m", input: "x" });
    const empty = toResponseObject({
      request,
      completion: { choices: [{ finish_reason: "stop", message: { content: null } }] },
    });
    expect(empty.output).toEqual([
      expect.objectContaining({ content: [expect.objectContaining({ text: "" })] }),
    ]);
    expect(empty.usage).toBeNull();
    const refused = toResponseObject({
      request,
      completion: { choices: [{ finish_reason: "stop", message: { content: null, refusal: "No." } }] },
    });
    expect(refused.output[0]).toMatchObject({ content: [{ type: "refusal", refusal: "No." }] });
  });

  it("test_toResponseObject_notAChatCompletion_throws", () => {
    expect(() =>
      toResponseObject({ request: requestOf({ model: "m", input: "x" }), completion: { data: [] } }),
    ).toThrow(ResponsesUpstreamInvalidError);
  });
});
