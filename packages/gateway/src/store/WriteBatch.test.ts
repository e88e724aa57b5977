import { describe, expect, test } from "vitest";
import type { SqlExecutor } from "./drivers/SqlDriver.ts";
import { ApiKeyNotFoundError, GatewayStoreError } from "./errors.ts";
import { WriteBatch, type WriteBatchParameters } from "./WriteBatch.ts";

const executor = {} as SqlExecutor;

/** A batch over a fake database: records each transaction's writes; `fail` decides a transaction's fate. */
function fakeBatch(options: Partial<WriteBatchParameters> & { fail?: (attempt: number) => unknown } = {}) {
  const transactions: string[][] = [];
  let attempt = 0;
  const batch = new WriteBatch({
    maxRecords: 4,
    intervalMs: 1,
    ...options,
    transaction: async (_operation, body) => {
      const failure = options.fail?.(attempt++);
      const result = await body(executor);
      if (failure) throw failure;
      return result;
    },
    lockKeys: async () => {},
  });
  const add = (name: string, write: () => Promise<string> = async () => name) =>
    batch.add({
      operation: "test",
      write: async () => {
        transactions.at(-1)?.push(name);
        return write();
      },
    });
  return { batch, add, transactions, started: () => transactions.push([]) };
}

describe("WriteBatch", () => {
  test("test_add_commitsWhenMaxRecordsQueued_orAfterTheInterval", async () => {
    const seen: number[] = [];
    const batch = new WriteBatch({
      maxRecords: 3,
      intervalMs: 500,
      transaction: async (_operation, body) => {
        seen.push(batch.size);
        return body(executor);
      },
      lockKeys: async () => {},
    });
    const started = performance.now();
    const full = await Promise.all(
      [1, 2, 3].map((value) => batch.add({ operation: "t", write: async () => value })),
    );
    expect(full).toEqual([1, 2, 3]);
    expect(performance.now() - started).toBeLessThan(400); // did not wait for the interval
    await batch.flush(); // the commit is over: the next write starts a batch of its own
    const late = performance.now();
    expect(await batch.add({ operation: "t", write: async () => "alone" })).toBe("alone");
    expect(performance.now() - late).toBeGreaterThanOrEqual(450);
    await batch.flush();
    expect(batch.size).toBe(0);
  });

  test("test_flush_waitsForEverythingQueuedBefore_evenDuringACommit", async () => {
    const { batch, add, transactions, started } = fakeBatch({ intervalMs: 10_000 });
    const results: string[] = [];
    started();
    const first = add("a").then((value) => results.push(value));
    const flushing = batch.flush();
    const second = add("b").then((value) => results.push(value));
    await flushing;
    await batch.flush();
    await Promise.all([first, second]);
    expect(results.sort()).toEqual(["a", "b"]);
    expect(transactions.flat().sort()).toEqual(["a", "b"]);
  });

  test("test_commit_recordErrorRejectsOnlyItsWrite", async () => {
    const { batch, add, started } = fakeBatch();
    started();
    const results = await Promise.allSettled([
      add("a"),
      add("b", async () => {
        throw new ApiKeyNotFoundError({ operation: "recordUsage", keyId: "x" });
      }),
      add("c"),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    await batch.flush();
  });

  test("test_commit_retryableFailure_retriedThenCommitted", async () => {
    const busy = new GatewayStoreError({ operation: "flush", isRetryable: true });
    const { add, started } = fakeBatch({ fail: (attempt) => (attempt < 2 ? busy : undefined) });
    started();
    expect(await Promise.all([add("a"), add("b")])).toEqual(["a", "b"]);
  });

  test("test_commit_otherFailure_isolatesTheBadWrite", async () => {
    const broken = new Error("constraint");
    const { add, started } = fakeBatch();
    started();
    const results = await Promise.allSettled([
      add("a"),
      add("bad", async () => {
        throw broken;
      }),
      add("c"),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toBe(broken);
  });
});
