// The billing recount and the fidelity audit of tool-call and JSON exchanges: the supplier's real runtime
// answers (the embedded backend, grammar-constrained), and the gateway's audit code recounts the prompt (tools
// instructions, assistant tool calls and tool results rendered by the shared `toChatHistory`) and bounds the
// output by the call JSON rebuilt from `tool_calls`.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RelayedExchange } from "@aviary/gateway";
import { parseOpenAiBody } from "@aviary/protocol";
import type { BackendUsage } from "@aviary/supplier";
import { EmbeddedBackend } from "@aviary/supplier";
import { ensureTestModel, testModelName } from "@aviary/test-models";
import { ChatCompletionStream } from "openai/lib/ChatCompletionStream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { auditRelayedOutput } from "../src/auditRelayedOutput.ts";
import { checkRelayBilling } from "../src/checkRelayBilling.ts";
import type { RelayedResponse } from "../src/parseRelayedOutput.ts";
import { parseRelayedOutput } from "../src/parseRelayedOutput.ts";
import { ReferenceModel } from "../src/ReferenceModel.ts";
import { DEFAULT_AUDIT_THRESHOLDS } from "../src/statistics/index.ts";
import { registeredModel } from "./adversaries/createAdversaryBackend.ts";

let directory: string;
let reference: ReferenceModel;
let backend: EmbeddedBackend;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-audit-tools-"));
  const model = await ensureTestModel({ directory, ...registeredModel });
  reference = await ReferenceModel.load({
    model: testModelName,
    path: model.path,
    expectedSha256: model.sha256,
  });
  backend = new EmbeddedBackend({ modelPath: model.path, expectedSha256: model.sha256, contextSize: 4096 });
  await backend.start();
});

afterAll(async () => {
  await backend?.close();
  await reference?.close();
  await rm(directory, { recursive: true, force: true });
});

const encoder = new TextEncoder();

const tools = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "The weather of a city.",
      // Keys in an unusual order: the supplier's schema parse may reorder them, the recount must not care.
      parameters: {
        required: ["city", "unit"],
        properties: { unit: { enum: ["c", "f"], type: "string" }, city: { maxLength: 10, type: "string" } },
        type: "object",
        additionalProperties: false,
      },
    },
  },
  { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } },
];

/**
 * Relays `body` as the gateway does: the relayed bytes are the JSON text, the supplier's server parses them
 * with the protocol's schema before the backend sees them.
 */
async function exchange(body: Record<string, unknown>, stream: boolean) {
  const relayBody = encoder.encode(JSON.stringify({ model: testModelName, ...body }));
  const parsed = parseOpenAiBody("chat/completions", relayBody);
  if (!parsed.ok) throw new Error(parsed.message);
  const signal = AbortSignal.timeout(60_000);
  let response: RelayedResponse;
  let usage: BackendUsage | undefined;
  if (stream) {
    const events: string[] = [];
    for await (const event of backend.stream({ route: "chat/completions", body: parsed.body, signal })) {
      if (event.type === "chunk") events.push(JSON.stringify(event.chunk));
      else usage = event.usage;
    }
    response = { kind: "stream", events };
  } else {
    const result = await backend.complete({ route: "chat/completions", body: parsed.body, signal });
    response = { kind: "json", body: encoder.encode(JSON.stringify(result.body)) };
    usage = result.usage;
  }
  if (!usage) throw new Error("no usage");
  const receipt = { inputUnits: BigInt(usage.promptTokens), outputUnits: BigInt(usage.completionTokens) };
  return {
    route: "chat/completions",
    model: testModelName,
    relayBody,
    response,
    receipt,
  } as unknown as RelayedExchange;
}

const messages = [{ role: "user", content: "Weather in Paris?" }];

describe("audits of tool calls and JSON output", () => {
  test("test_checkRelayBilling_toolCallExchange_promptRecountExact_outputBoundCoversTheCallJson", async () => {
    const bodies = [
      {
        messages,
        tools,
        tool_choice: "required",
        parallel_tool_calls: false,
        temperature: 0,
        max_tokens: 200,
      },
      {
        messages,
        tools,
        tool_choice: { type: "function", function: { name: "get_weather" } },
        temperature: 1,
        seed: 3,
        max_tokens: 300,
      },
      { messages, tools, tool_choice: "required", temperature: 1, seed: 2, max_tokens: 30 },
      { messages, tools, temperature: 1, seed: 1, max_tokens: 20 },
      {
        messages,
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "w",
            schema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
          },
        },
        temperature: 0,
        max_tokens: 20,
      },
    ];
    let calls = 0;
    for (const body of bodies) {
      for (const stream of [false, true]) {
        const relayed = await exchange(body, stream);
        const output = parseRelayedOutput(relayed.response);
        calls += output?.toolCalls.length ?? 0;
        const billing = checkRelayBilling(reference, relayed);
        expect(billing, JSON.stringify(body)).toMatchObject({
          checked: true,
          passed: true,
          promptTokens: Number(relayed.receipt.inputUnits),
        });
        // Billing one more output token than the call JSON can hold is caught.
        if (billing.checked) {
          const inflated = checkRelayBilling(reference, {
            ...relayed,
            receipt: { ...relayed.receipt, outputUnits: BigInt(billing.outputBound + 1) },
          } as RelayedExchange);
          expect(inflated).toMatchObject({
            checked: true,
            passed: false,
            failed: { check: "billing-output" },
          });
        }
      }
    }
    expect(calls).toBeGreaterThan(0);
  });

  test("test_checkRelayBilling_toolRoundTrip_promptRecountExact", async () => {
    const first = await exchange(
      { messages, tools, tool_choice: "required", temperature: 0, max_tokens: 200 },
      false,
    );
    const body = JSON.parse(new TextDecoder().decode((first.response as { body: Uint8Array }).body));
    const calls = body.choices[0].message.tool_calls as { id: string }[];
    expect(calls.length).toBeGreaterThan(0);
    const followUp = await exchange(
      {
        messages: [
          { role: "developer", content: "Answer briefly." },
          ...messages,
          body.choices[0].message,
          ...calls.map((call) => ({ role: "tool", tool_call_id: call.id, content: '{"celsius":21}' })),
        ],
        tools,
        temperature: 0,
        max_tokens: 12,
      },
      true,
    );
    expect(checkRelayBilling(reference, followUp)).toMatchObject({
      checked: true,
      passed: true,
      promptTokens: Number(followUp.receipt.inputUnits),
    });
  });

  test("test_openAiClient_accumulatesTheStreamedToolCalls_intoTheNonStreamedMessage", async () => {
    for (const body of [
      { messages, tools, tool_choice: "required", temperature: 1, seed: 3, max_tokens: 300 },
      { messages, tools, temperature: 0, max_tokens: 10 },
    ]) {
      const whole = await exchange(body, false);
      const streamed = await exchange(body, true);
      const expected = JSON.parse(new TextDecoder().decode((whole.response as { body: Uint8Array }).body));
      const lines = (streamed.response as { events: readonly string[] }).events.map((event) => `${event}\n`);
      const stream = ChatCompletionStream.fromReadableStream(
        new ReadableStream({
          start(controller) {
            for (const line of lines) controller.enqueue(encoder.encode(line));
            controller.close();
          },
        }),
      );
      const final = await stream.finalChatCompletion();
      const choice = final.choices[0];
      expect(choice?.finish_reason).toBe(expected.choices[0].finish_reason);
      expect(choice?.message.content ?? null).toBe(expected.choices[0].message.content);
      const functions = (calls: { function: unknown; type: string; id: string }[] | undefined) =>
        (calls ?? []).map((call) => ({ type: call.type, function: call.function, id: call.id.slice(0, 5) }));
      expect(functions(choice?.message.tool_calls as never)).toEqual(
        functions(expected.choices[0].message.tool_calls),
      );
    }
  });

  test("test_auditRelayedOutput_skipsGrammarAndBiasedRequests_sayingWhy", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ messages, tools, tool_choice: "required", temperature: 0, max_tokens: 100 }, "tools"],
      [{ messages, response_format: { type: "json_object" }, temperature: 0, max_tokens: 8 }, "json_object"],
      [{ messages, logit_bias: { "100": 5 }, temperature: 0, max_tokens: 4 }, "logit_bias"],
      [{ messages, frequency_penalty: 0.5, temperature: 0, max_tokens: 4 }, "penalty"],
    ];
    for (const [body, word] of cases) {
      const relayed = await exchange(body, false);
      const audit = await auditRelayedOutput({ reference, ...relayed, thresholds: DEFAULT_AUDIT_THRESHOLDS });
      expect(audit.ok).toBe(false);
      if (!audit.ok) {
        expect(audit.reason).toContain(word);
        expect(audit.reason).toContain("distribution");
      }
    }
    // A plain request is still audited.
    const plain = await exchange({ messages, temperature: 0, max_tokens: 8 }, false);
    const audit = await auditRelayedOutput({ reference, ...plain, thresholds: DEFAULT_AUDIT_THRESHOLDS });
    expect(audit.ok).toBe(true);
  });
});
