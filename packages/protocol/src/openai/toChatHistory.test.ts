import { describe, expect, test } from "vitest";
import { formatToolCallJson } from "./formatToolCallJson.ts";
import { renderToolInstructions } from "./renderToolInstructions.ts";
import { toChatHistory } from "./toChatHistory.ts";

const weather = {
  name: "get_weather",
  description: "The weather of a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("toChatHistory", () => {
  test("test_toChatHistory_plainMessages_developerIsSystem_partsJoined_openAssistantTurn", () => {
    expect(
      toChatHistory({
        messages: [
          { role: "developer", content: "Be brief." },
          {
            role: "user",
            content: [
              { type: "text", text: "Hel" },
              { type: "text", text: "lo" },
            ],
          },
          { role: "assistant", content: "Hi." },
        ],
      }),
    ).toEqual([
      { type: "system", text: "Be brief." },
      { type: "user", text: "Hello" },
      { type: "model", response: ["Hi."] },
      { type: "model", response: [] },
    ]);
  });

  test("test_toChatHistory_toolsInstructions_appendedToTheFirstSystemTurn_orPrepended", () => {
    const instructions = renderToolInstructions({
      tools: [weather],
      toolChoice: "auto",
      parallelToolCalls: true,
    });
    expect(
      toChatHistory({ messages: [{ role: "system", content: "Be brief." }], tools: [weather] })[0],
    ).toEqual({ type: "system", text: `Be brief.\n\n${instructions}` });
    expect(toChatHistory({ messages: [{ role: "user", content: "Hi" }], tools: [weather] })[0]).toEqual({
      type: "system",
      text: instructions,
    });
    // No tools: no instructions, whatever the choice.
    expect(
      toChatHistory({ messages: [{ role: "user", content: "Hi" }], tools: [], toolChoice: "none" }),
    ).toEqual([
      { type: "user", text: "Hi" },
      { type: "model", response: [] },
    ]);
  });

  test("test_toChatHistory_assistantToolCallsAndToolResults_roundTrip", () => {
    const history = toChatHistory({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call_2", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "21 °C" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "25 °C" }] },
        { role: "tool", tool_call_id: "call_9", content: "?" },
        {
          role: "assistant",
          content: "Let me check.",
          tool_calls: [{ id: "c", function: { name: "now", arguments: "" } }],
        },
      ],
      tools: [weather],
      toolChoice: "none",
    });
    expect(history.slice(1)).toEqual([
      { type: "user", text: "Weather in Paris and Rome?" },
      {
        type: "model",
        response: [
          '{"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}},{"name":"get_weather","arguments":{"city":"Rome"}}]}',
        ],
      },
      { type: "user", text: "Tool result of get_weather (call call_1):\n21 °C" },
      { type: "user", text: "Tool result of get_weather (call call_2):\n25 °C" },
      { type: "user", text: "Tool result (call call_9):\n?" },
      { type: "model", response: ['Let me check.\n{"tool_calls":[{"name":"now","arguments":{}}]}'] },
      { type: "model", response: [] },
    ]);
    expect((history[0] as { text: string }).text).toContain("Do not call a function now");
  });
});

describe("renderToolInstructions", () => {
  test("test_renderToolInstructions_fixedText_schemaKeysSorted", () => {
    const text = renderToolInstructions({
      tools: [weather, { name: "now" }],
      toolChoice: "required",
      parallelToolCalls: false,
    });
    expect(text).toBe(
      [
        "# Tools",
        "",
        "You can call these functions.",
        "",
        "## get_weather",
        "The weather of a city.",
        'Arguments (JSON schema): {"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}',
        "",
        "## now",
        "Arguments: none (an empty object).",
        "",
        "To call functions, answer with this JSON alone, on one line, and nothing else:",
        '{"tool_calls":[{"name":"<function name>","arguments":<arguments object>}]}',
        "You must call at least one function now.",
        "Call one function at a time: tool_calls holds exactly one call.",
        'Each result comes back in a user message that starts with "Tool result".',
      ].join("\n"),
    );
    const reordered = {
      ...weather,
      parameters: { required: ["city"], properties: { city: { type: "string" } }, type: "object" },
    };
    expect(
      renderToolInstructions({
        tools: [reordered, { name: "now" }],
        toolChoice: "required",
        parallelToolCalls: false,
      }),
    ).toBe(text);
    expect(
      renderToolInstructions({
        tools: [weather],
        toolChoice: { name: "get_weather" },
        parallelToolCalls: true,
      }),
    ).toContain("You must call the function get_weather now.");
  });

  test("test_formatToolCallJson_compactAndFixed", () => {
    expect(
      formatToolCallJson([
        { name: "a", arguments: '{"x":1}' },
        { name: "b", arguments: "{}" },
      ]),
    ).toBe('{"tool_calls":[{"name":"a","arguments":{"x":1}},{"name":"b","arguments":{}}]}');
  });
});
