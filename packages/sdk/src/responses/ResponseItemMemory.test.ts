import { describe, expect, it } from "vitest";
import type { ResponseOutputItem } from "./buildResponse.ts";
import { RESPONSE_ITEM_TTL_MS, ResponseItemMemory } from "./ResponseItemMemory.ts";

const message = (id: string, text = "Hello"): ResponseOutputItem => ({
  type: "message",
  id,
  status: "completed",
  role: "assistant",
  content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
});

const call: ResponseOutputItem = {
  type: "function_call",
  id: "fc_1",
  call_id: "call_1",
  name: "get_weather",
  arguments: '{"city":"Rome"}',
  status: "completed",
};

describe("ResponseItemMemory", () => {
  it("test_recall_rememberedItems_asTheInputItemsTheyStandFor", () => {
    const memory = new ResponseItemMemory();
    const refusal: ResponseOutputItem = {
      type: "message",
      id: "msg_2",
      status: "completed",
      role: "assistant",
      content: [{ type: "refusal", refusal: "No." }],
    };
    memory.remember("key-1", [message("msg_1"), call, refusal]);
    expect(memory.recall("key-1", "msg_1")).toEqual({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "Hello" }],
    });
    expect(memory.recall("key-1", "fc_1")).toEqual({
      type: "function_call",
      call_id: "call_1",
      name: "get_weather",
      arguments: '{"city":"Rome"}',
    });
    expect(memory.recall("key-1", "msg_2")).toEqual({
      type: "message",
      role: "assistant",
      content: [{ type: "refusal", refusal: "No." }],
    });
    expect(memory.recall("key-1", "msg_unknown")).toBeUndefined();
  });

  it("test_recall_anotherScope_undefined", () => {
    const memory = new ResponseItemMemory();
    memory.remember("key-1", [message("msg_1")]);
    expect(memory.recall("key-2", "msg_1")).toBeUndefined();
    expect(memory.recall("", "msg_1")).toBeUndefined();
    expect(memory.recall("key-1", "msg_1")).toBeDefined();
  });

  it("test_recall_afterTheTtl_undefinedAndDropped", () => {
    let now = 1_000_000;
    const memory = new ResponseItemMemory({ now: () => now });
    memory.remember("key-1", [message("msg_1")]);
    now += RESPONSE_ITEM_TTL_MS - 1;
    expect(memory.recall("key-1", "msg_1")).toBeDefined();
    // A use does not extend the TTL.
    now += 1;
    expect(memory.recall("key-1", "msg_1")).toBeUndefined();
    expect(memory.size).toBe(0);
    expect(memory.bytes).toBe(0);
  });

  it("test_remember_expiredItemsAtTheOldEnd_dropped", () => {
    let now = 0;
    const memory = new ResponseItemMemory({ ttlMs: 10, now: () => now });
    memory.remember("key-1", [message("msg_1"), message("msg_2")]);
    now = 10;
    memory.remember("key-1", [message("msg_3")]);
    expect(memory.size).toBe(1);
  });

  it("test_remember_overMaxItems_evictsTheLeastRecentlyUsed", () => {
    const memory = new ResponseItemMemory({ maxItems: 2 });
    memory.remember("key-1", [message("msg_1"), message("msg_2")]);
    // msg_1 is used, so msg_2 is the least recently used when msg_3 comes.
    expect(memory.recall("key-1", "msg_1")).toBeDefined();
    memory.remember("key-1", [message("msg_3")]);
    expect(memory.size).toBe(2);
    expect(memory.recall("key-1", "msg_2")).toBeUndefined();
    expect(memory.recall("key-1", "msg_1")).toBeDefined();
    expect(memory.recall("key-1", "msg_3")).toBeDefined();
  });

  it("test_remember_overMaxBytes_evictsTheOldest_andKeepsTheCountExact", () => {
    const probe = new ResponseItemMemory();
    probe.remember("k", [message("msg_1", "x".repeat(100))]);
    const one = probe.bytes;
    const memory = new ResponseItemMemory({ maxBytes: 2 * one + one / 2 });
    memory.remember("k", [message("msg_1", "x".repeat(100)), message("msg_2", "x".repeat(100))]);
    expect(memory.bytes).toBe(2 * one);
    memory.remember("k", [message("msg_3", "x".repeat(100))]);
    expect(memory.size).toBe(2);
    expect(memory.bytes).toBe(2 * one);
    expect(memory.recall("k", "msg_1")).toBeUndefined();
    expect(memory.recall("k", "msg_3")).toBeDefined();
    // An item larger than the whole budget is not kept (and evicts nothing).
    memory.remember("k", [message("msg_big", "x".repeat(10 * one))]);
    expect(memory.recall("k", "msg_big")).toBeUndefined();
    expect(memory.size).toBe(2);
  });

  it("test_remember_sameIdTwice_replacedNotCountedTwice", () => {
    const memory = new ResponseItemMemory();
    memory.remember("k", [message("msg_1", "a")]);
    const bytes = memory.bytes;
    memory.remember("k", [message("msg_1", "b")]);
    expect(memory.size).toBe(1);
    expect(memory.bytes).toBe(bytes);
    expect(memory.recall("k", "msg_1")).toMatchObject({ content: [{ text: "b" }] });
  });
});
