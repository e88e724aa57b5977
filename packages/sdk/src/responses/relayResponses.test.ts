import { openAiError } from "@aviary/protocol";
import { describe, expect, it } from "vitest";
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
});
