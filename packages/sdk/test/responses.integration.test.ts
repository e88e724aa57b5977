// The OpenAI Responses API through createAviaryFetch (no gateway): the official `openai` client's
// `responses.create`, plain, streamed and with a function tool, relayed straight to a real supplier node on
// the test model as one chat/completions relay, its receipt verified by the SDK.
import { decodeReceiptHeader } from "@aviary/protocol";
import { startTestNetwork, type TestNetwork, testModelName } from "@aviary/testkit/direct-network";
import OpenAI from "openai";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAviaryFetch } from "../src/createAviaryFetch.ts";

let network: TestNetwork;
let openai: OpenAI;

beforeAll(async () => {
  network = await startTestNetwork([{ inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n }]);
  openai = new OpenAI({
    apiKey: "unused",
    baseURL: "http://aviary.local/v1",
    fetch: createAviaryFetch({
      account: privateKeyToAccount(network.application.privateKey),
      chain: network.chain,
    }),
    maxRetries: 0,
  });
});

afterAll(async () => {
  await network?.stop();
});

describe("createAviaryFetch: the Responses API", () => {
  it("responses.create: text and usage, billed by the verified receipt of the chat relay", async () => {
    const { data, response } = await openai.responses
      .create({ model: testModelName, input: "Hello there", max_output_tokens: 8, temperature: 0 })
      .withResponse();
    expect(data.object).toBe("response");
    expect(data.output[0]?.type).toBe("message");
    expect(typeof data.output_text).toBe("string");
    const { receipt } = decodeReceiptHeader(response.headers.get("aviary-receipt"));
    expect(receipt.inputUnits).toBe(BigInt(data.usage?.input_tokens ?? -1));
    expect(receipt.outputUnits).toBe(BigInt(data.usage?.output_tokens ?? -1));
  });

  it("streamed: Responses events, ending with response.completed or incomplete", async () => {
    const stream = await openai.responses.create({
      model: testModelName,
      input: "Tell me a story",
      max_output_tokens: 6,
      stream: true,
    });
    const types: string[] = [];
    let usage: OpenAI.Responses.ResponseUsage | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.completed" || event.type === "response.incomplete")
        usage = event.response.usage;
    }
    expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
    expect(types).toContain("response.output_text.delta");
    expect(["response.completed", "response.incomplete"]).toContain(types.at(-1));
    expect(usage?.output_tokens).toBeGreaterThan(0);
  });

  it("a function tool call, and a refused field", async () => {
    const response = await openai.responses.create({
      model: testModelName,
      input: "Weather?",
      tools: [
        {
          type: "function",
          name: "get_weather",
          parameters: {
            type: "object",
            properties: { city: { type: "string", enum: ["Paris", "Rome"] } },
            required: ["city"],
            additionalProperties: false,
          },
          strict: true,
        },
      ],
      tool_choice: "required",
      parallel_tool_calls: false,
      max_output_tokens: 200,
    });
    const call = response.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ name: "get_weather", call_id: expect.any(String) });
    await expect(
      openai.responses.create({ model: testModelName, input: "x", conversation: "conv_1" }),
    ).rejects.toMatchObject({ status: 400, code: "unsupported_parameter", param: "conversation" });
  });

  it("item_reference: a streamed answer's items resolve in the next request (this instance's memory)", async () => {
    const stream = await openai.responses.create({
      model: testModelName,
      input: "Hello",
      max_output_tokens: 6,
      stream: true,
    });
    let id: string | undefined;
    for await (const event of stream) {
      if (event.type === "response.completed" || event.type === "response.incomplete") {
        expect((event.response as unknown as { store: boolean }).store).toBe(true);
        id = event.response.output[0]?.id;
      }
    }
    if (!id) throw new Error("no output item");
    const input: OpenAI.Responses.ResponseInput = [
      { role: "user", content: "Hello" },
      { type: "item_reference", id },
      { role: "user", content: "More" },
    ];
    const next = await openai.responses.create({ model: testModelName, input, max_output_tokens: 4 });
    expect(next.status).not.toBe("failed");
    // Another createAviaryFetch instance has its own memory: the id is unknown there.
    const other = new OpenAI({
      apiKey: "unused",
      baseURL: "http://aviary.local/v1",
      fetch: createAviaryFetch({
        account: privateKeyToAccount(network.application.privateKey),
        chain: network.chain,
      }),
      maxRetries: 0,
    });
    await expect(
      other.responses.create({ model: testModelName, input, max_output_tokens: 4 }),
    ).rejects.toMatchObject({ status: 400, code: "item_not_found", param: "input.1.id" });
  });
});
