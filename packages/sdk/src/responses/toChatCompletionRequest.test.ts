import { chatCompletionRequestSchema } from "@aviary/protocol";
import { describe, expect, it } from "vitest";
import { RelayBodyInvalidError } from "../errors.ts";
import { ResponseItemMemory } from "./ResponseItemMemory.ts";
import { responsesRequestFields } from "./responsesRequestFields.ts";
import { toChatCompletionRequest } from "./toChatCompletionRequest.ts";

const encoder = new TextEncoder();
const translate = (body: unknown) =>
  toChatCompletionRequest({ bytes: encoder.encode(typeof body === "string" ? body : JSON.stringify(body)) });

function refusal(body: unknown): RelayBodyInvalidError {
  try {
    translate(body);
  } catch (error) {
    if (error instanceof RelayBodyInvalidError) return error;
    throw error;
  }
  throw new Error("expected a RelayBodyInvalidError");
}

const weather = {
  type: "function",
  name: "get_weather",
  description: "The weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: true,
};

describe("toChatCompletionRequest", () => {
  it("test_toChatCompletionRequest_stringInput_oneUserMessageAfterInstructions", () => {
    const { chat } = translate({
      model: "m",
      input: "Hi",
      instructions: "Be brief.",
      max_output_tokens: 20,
      temperature: 0.5,
      top_p: 0.9,
      seed: 7,
      metadata: { run: "1" },
      user: "u",
      store: false,
    });
    expect(chat).toEqual({
      model: "m",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      max_tokens: 20,
      temperature: 0.5,
      top_p: 0.9,
      seed: 7,
    });
    // What the chat relay reads is a valid chat/completions body.
    expect(chatCompletionRequestSchema.safeParse(chat).success).toBe(true);
  });

  it("test_toChatCompletionRequest_items_messagesPartsAndToolRoundTrip", () => {
    const { chat } = translate({
      model: "m",
      input: [
        { role: "developer", content: "Use tools." },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "Weather in " },
            { type: "input_text", text: "Paris?" },
          ],
        },
        {
          type: "function_call",
          call_id: "call_1",
          name: "get_weather",
          arguments: '{"city":"Paris"}',
          id: "fc_1",
          status: "completed",
        },
        { type: "function_call", call_id: "call_2", name: "get_weather", arguments: '{"city":"Lyon"}' },
        { type: "function_call_output", call_id: "call_1", output: "sunny" },
        { type: "function_call_output", call_id: "call_2", output: [{ type: "input_text", text: "rain" }] },
        {
          type: "message",
          role: "assistant",
          id: "msg_1",
          status: "completed",
          content: [{ type: "output_text", text: "Sunny in Paris.", annotations: [] }],
        },
        { role: "user", content: "Thanks" },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "developer", content: "Use tools." },
      {
        role: "user",
        content: [
          { type: "text", text: "Weather in " },
          { type: "text", text: "Paris?" },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          { id: "call_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Lyon"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "sunny" },
      { role: "tool", tool_call_id: "call_2", content: "rain" },
      { role: "assistant", content: "Sunny in Paris." },
      { role: "user", content: "Thanks" },
    ]);
    expect(chatCompletionRequestSchema.safeParse(chat).success).toBe(true);
  });

  it("test_toChatCompletionRequest_callAfterAssistantText_joinsThatMessage", () => {
    const { chat } = translate({
      model: "m",
      input: [
        { role: "user", content: "x" },
        { role: "assistant", content: "Let me check." },
        { type: "function_call", call_id: "c", name: "f", arguments: "{}" },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "user", content: "x" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }],
      },
    ]);
  });

  it("test_toChatCompletionRequest_tools_flatShapeNestedAndChoicesMapped", () => {
    const { chat } = translate({
      model: "m",
      input: "x",
      tools: [weather],
      tool_choice: { type: "function", name: "get_weather" },
      parallel_tool_calls: false,
    });
    expect(chat.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "The weather in a city",
          parameters: weather.parameters,
          strict: true,
        },
      },
    ]);
    expect(chat.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
    expect(chat.parallel_tool_calls).toBe(false);
    for (const choice of ["none", "auto", "required"])
      expect(
        translate({ model: "m", input: "x", tools: [weather], tool_choice: choice }).chat.tool_choice,
      ).toBe(choice);
  });

  it("test_toChatCompletionRequest_textFormat_becomesResponseFormat", () => {
    const schema = { type: "object", properties: { a: { type: "number" } }, required: ["a"] };
    expect(
      translate({
        model: "m",
        input: "x",
        text: { format: { type: "json_schema", name: "out", schema, strict: true } },
      }).chat.response_format,
    ).toEqual({ type: "json_schema", json_schema: { name: "out", schema, strict: true } });
    expect(
      translate({ model: "m", input: "x", text: { format: { type: "json_object" } } }).chat.response_format,
    ).toEqual({
      type: "json_object",
    });
    expect(translate({ model: "m", input: "x", text: { format: { type: "text" } } }).chat).not.toHaveProperty(
      "response_format",
    );
  });

  it("test_toChatCompletionRequest_stream_asksForUsage", () => {
    const { chat } = translate({
      model: "m",
      input: "x",
      stream: true,
      stream_options: { include_obfuscation: false },
    });
    expect(chat.stream).toBe(true);
    expect(chat.stream_options).toEqual({ include_usage: true });
  });

  it("test_toChatCompletionRequest_routerFields_passedOn", () => {
    const { chat } = translate({ model: "m", input: "x", provider: { sort: "price" }, models: ["m", "n"] });
    expect(chat.provider).toEqual({ sort: "price" });
    expect(chat.models).toEqual(["m", "n"]);
  });

  it("test_toChatCompletionRequest_nullsAndDefaults_accepted", () => {
    const { chat } = translate({
      model: "m",
      input: "x",
      previous_response_id: null,
      reasoning: null,
      store: null,
      background: false,
      include: [],
      truncation: "disabled",
      service_tier: "auto",
      top_logprobs: 0,
    });
    expect(chat).toEqual({ model: "m", messages: [{ role: "user", content: "x" }] });
  });

  it("test_toChatCompletionRequest_refusedFields_400NamingTheField", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ previous_response_id: "resp_1" }, "previous_response_id", "unsupported_parameter"],
      [{ conversation: "conv_1" }, "conversation", "unsupported_parameter"],
      [{ background: true }, "background", "unsupported_parameter"],
      [{ include: ["message.output_text.logprobs"] }, "include", "unsupported_parameter"],
      [{ reasoning: { effort: "low" } }, "reasoning", "unsupported_parameter"],
      [{ store: "yes" }, "store", "invalid_request"],
      [{ truncation: "auto" }, "truncation", "unsupported_parameter"],
      [{ prompt: { id: "p" } }, "prompt", "unsupported_parameter"],
      [{ text: { verbosity: "low" } }, "text.verbosity", "unsupported_parameter"],
      [{ tools: [{ type: "web_search" }] }, "tools.0.type", "unsupported_parameter"],
      [
        { tools: [weather, { type: "file_search", vector_store_ids: [] }] },
        "tools.1.type",
        "unsupported_parameter",
      ],
      [{ tool_choice: { type: "web_search_preview" } }, "tool_choice", "unsupported_parameter"],
      [{ frequency_penalty: 1 }, "frequency_penalty", "unknown_parameter"],
      [{ messages: [] }, "messages", "unknown_parameter"],
      [{ input: [{ type: "item_reference", id: "msg_1" }] }, "input.0.id", "item_not_found"],
      [{ input: [{ type: "item_reference" }] }, "input.0.id", "invalid_request"],
      [{ input: [{ type: "reasoning", summary: [] }] }, "input.0.type", "unsupported_parameter"],
      [
        { input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] },
        "input.0.content.0",
        "unsupported_parameter",
      ],
      [
        { input: [{ role: "user", content: [{ type: "input_image", file_id: "f" }] }] },
        "input.0.content.0",
        "unsupported_parameter",
      ],
      [{ input: [{ role: "tool", content: "x" }] }, "input.0.role", "invalid_request"],
      [{ temperature: 3 }, "temperature", "invalid_request"],
      [{ max_output_tokens: 0 }, "max_output_tokens", "invalid_request"],
    ];
    for (const [fields, param, code] of cases) {
      const error = refusal({ model: "m", input: "x", ...fields });
      expect({ param: error.param, code: error.code }).toEqual({ param, code });
      expect(error.shortMessage).toContain(param.split(".")[0]);
    }
    expect(refusal("{").code).toBe("invalid_json");
    expect(refusal({ input: "x" }).param).toBe("model");
  });

  it("test_toChatCompletionRequest_everyRefusedTableField_refused", () => {
    for (const entry of responsesRequestFields.filter((candidate) => candidate.support === "refused")) {
      expect(refusal({ model: "m", input: "x", [entry.name]: { any: 1 } }).param).toBe(entry.name);
    }
  });

  it("test_toChatCompletionRequest_imageUrl_becomesChatImagePart", () => {
    const { chat } = translate({
      model: "m",
      input: [
        { role: "user", content: [{ type: "input_image", image_url: "https://x/y.png", detail: "low" }] },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: "user",
        content: [{ type: "image_url", image_url: { url: "https://x/y.png", detail: "low" } }],
      },
    ]);
  });

  it("test_toChatCompletionRequest_itemReferences_resolvedThroughTheMemory", () => {
    const memory = new ResponseItemMemory();
    memory.remember("key-1", [
      {
        type: "message",
        id: "msg_1",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: "Let me look.", annotations: [], logprobs: [] }],
      },
      {
        type: "function_call",
        id: "fc_1",
        call_id: "call_1",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
        status: "completed",
      },
    ]);
    const { chat, request } = toChatCompletionRequest({
      bytes: encoder.encode(
        JSON.stringify({
          model: "m",
          input: [
            { role: "user", content: "Weather in Paris?" },
            { type: "item_reference", id: "msg_1" },
            { type: "item_reference", id: "fc_1" },
            { type: "function_call_output", call_id: "call_1", output: "sunny" },
            { role: "user", content: "Thanks" },
          ],
        }),
      ),
      recallItem: (id) => memory.recall("key-1", id),
    });
    expect(request.store).toBeUndefined();
    expect(chat.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "sunny" },
      { role: "user", content: "Thanks" },
    ]);
  });

  it("test_toChatCompletionRequest_itemReferenceOfAnotherScope_400NamingTheId", () => {
    const memory = new ResponseItemMemory();
    memory.remember("key-1", [
      {
        type: "message",
        id: "msg_1",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: "Mine.", annotations: [], logprobs: [] }],
      },
    ]);
    let error: unknown;
    try {
      toChatCompletionRequest({
        bytes: encoder.encode(
          JSON.stringify({ model: "m", input: [{ type: "item_reference", id: "msg_1" }] }),
        ),
        recallItem: (id) => memory.recall("key-2", id),
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RelayBodyInvalidError);
    expect(error).toMatchObject({ code: "item_not_found", param: "input.0.id" });
    expect((error as RelayBodyInvalidError).shortMessage).toMatch(/an hour.*store: false/);
  });
});
