import { openAiError } from "@aviary/protocol";
import { describe, expect, it } from "vitest";
import { ResponseItemMemory } from "./ResponseItemMemory.ts";
import { relayResponses } from "./relayResponses.ts";

const encoder = new TextEncoder();
const bytes = (body: unknown) => encoder.encode(JSON.stringify(body));
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("relayResponses", () => {
  it("test_relayResponses_json_relaysTheChatBodyAndKeepsTheRelayHeaders", async () => {
    const sent: unknown[] = [];
    const response = await relayResponses({
      bytes: bytes({ model: "m", input: "Hi", max_output_tokens: 5 }),
      relayChat: async (chat) => {
        sent.push(JSON.parse(new TextDecoder().decode(chat)));
        return json(
          200,
          {
            choices: [{ finish_reason: "stop", message: { content: "Yo" } }],
            usage: { prompt_tokens: 2, completion_tokens: 1 },
          },
          { "x-aviary-supplier": "0xabc", "aviary-receipt": "r" },
        );
      },
    });
    expect(sent).toEqual([{ model: "m", messages: [{ role: "user", content: "Hi" }], max_tokens: 5 }]);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-aviary-supplier")).toBe("0xabc");
    expect(response.headers.get("aviary-receipt")).toBe("r");
    expect(await response.json()).toMatchObject({
      object: "response",
      output: [{ content: [{ text: "Yo" }] }],
    });
  });

  it("test_relayResponses_badRequest_400BeforeAnyRelay", async () => {
    let relayed = false;
    const response = await relayResponses({
      bytes: bytes({ model: "m", input: "x", previous_response_id: "resp_1" }),
      relayChat: async () => {
        relayed = true;
        return json(200, {});
      },
    });
    expect(relayed).toBe(false);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: expect.objectContaining({
        code: "unsupported_parameter",
        param: "previous_response_id",
        type: "invalid_request_error",
      }),
    });
  });

  it("test_relayResponses_relayError_statusKeptParamRenamed", async () => {
    for (const [param, renamed] of [
      ["max_tokens", "max_output_tokens"],
      ["messages.2.content", "input"],
      ["response_format", "text.format"],
      ["tools.0.function.parameters", "tools.0.parameters"],
      ["model", "model"],
    ]) {
      const response = await relayResponses({
        bytes: bytes({ model: "m", input: "x" }),
        relayChat: async () => json(400, openAiError(400, "invalid_request", "bad", param)),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { param: string } }).error.param).toBe(renamed);
    }
    const missing = await relayResponses({
      bytes: bytes({ model: "nope", input: "x" }),
      relayChat: async () => json(404, openAiError(404, "model_not_found", "no", "model")),
    });
    expect(missing.status).toBe(404);
  });

  it("test_relayResponses_notAChatCompletion_502", async () => {
    const response = await relayResponses({
      bytes: bytes({ model: "m", input: "x" }),
      relayChat: async () => json(200, { nothing: true }),
    });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "invalid_upstream_response",
    );
  });

  it("test_relayResponses_withItems_remembersTheOutputAndResolvesReferences", async () => {
    const memory = new ResponseItemMemory();
    const sent: { messages: unknown[] }[] = [];
    const relayChat = async (chat: Uint8Array) => {
      sent.push(JSON.parse(new TextDecoder().decode(chat)));
      return json(200, { choices: [{ finish_reason: "stop", message: { content: "Yo" } }] });
    };
    const first = (await (
      await relayResponses({
        bytes: bytes({ model: "m", input: "Hi" }),
        relayChat,
        items: { memory, scope: "a" },
      })
    ).json()) as { store: boolean; output: { id: string }[] };
    expect(first.store).toBe(true);
    const id = first.output[0]?.id ?? "";
    const input = [
      { role: "user", content: "Hi" },
      { type: "item_reference", id },
      { role: "user", content: "And?" },
    ];
    const second = await relayResponses({
      bytes: bytes({ model: "m", input }),
      relayChat,
      items: { memory, scope: "a" },
    });
    expect(second.status).toBe(200);
    expect(sent[1]?.messages).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Yo" },
      { role: "user", content: "And?" },
    ]);
    // Another scope does not see it: 400 before any relay.
    const other = await relayResponses({
      bytes: bytes({ model: "m", input }),
      relayChat,
      items: { memory, scope: "b" },
    });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: { code: "item_not_found", param: "input.1.id" } });
    expect(sent).toHaveLength(2);
    // store: false keeps nothing, and says so.
    const unstored = (await (
      await relayResponses({
        bytes: bytes({ model: "m", input: "Hi", store: false }),
        relayChat,
        items: { memory, scope: "a" },
      })
    ).json()) as { store: boolean; output: { id: string }[] };
    expect(unstored.store).toBe(false);
    expect(memory.recall("a", unstored.output[0]?.id ?? "")).toBeUndefined();
  });

  it("test_relayResponses_stream_remembersTheItemsAtResponseCompleted", async () => {
    const memory = new ResponseItemMemory();
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ choices: [{ delta, finish_reason: finish }] })}\n\n`;
    const body = [
      chunk({ content: "Let me look" }),
      chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
      "data: [DONE]\n\n",
    ].join("");
    const response = await relayResponses({
      bytes: bytes({ model: "m", input: "Hi", stream: true }),
      relayChat: async () => new Response(body, { headers: { "content-type": "text/event-stream" } }),
      items: { memory, scope: "a" },
    });
    const text = await response.text();
    const completed = text
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => JSON.parse(line.slice(6)))
      .find((event) => event.type === "response.completed");
    expect(completed.response.store).toBe(true);
    const [messageItem, callItem] = completed.response.output as { id: string }[];
    expect(memory.recall("a", messageItem?.id ?? "")).toEqual({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "Let me look" }],
    });
    expect(memory.recall("a", callItem?.id ?? "")).toEqual({
      type: "function_call",
      call_id: "call_1",
      name: "f",
      arguments: "{}",
    });
  });

  it("test_relayResponses_withoutItems_storeFalse", async () => {
    const response = await relayResponses({
      bytes: bytes({ model: "m", input: "Hi" }),
      relayChat: async () => json(200, { choices: [{ finish_reason: "stop", message: { content: "Yo" } }] }),
    });
    expect(((await response.json()) as { store: boolean }).store).toBe(false);
  });
});
