import { describe, expect, test } from "vitest";
import { SequencePool } from "./SequencePool.ts";

const aborted = () => new Error("aborted");
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("SequencePool", () => {
  test("lends free items, queues the rest in order, and resets items before lending them again", async () => {
    const resets: string[] = [];
    const pool = new SequencePool(["a", "b"], async (item) => {
      resets.push(item);
    });
    const signal = new AbortController().signal;
    expect(await pool.acquire(signal, aborted)).toBe("a");
    expect(await pool.acquire(signal, aborted)).toBe("b");
    const order: string[] = [];
    const third = pool.acquire(signal, aborted).then((item) => order.push(`third:${item}`));
    const fourth = pool.acquire(signal, aborted).then((item) => order.push(`fourth:${item}`));
    expect(pool.waiting).toBe(2);
    pool.release("b");
    pool.release("a");
    await Promise.all([third, fourth]);
    expect(order).toEqual(["third:b", "fourth:a"]);
    expect(resets).toEqual(["b", "a"]);
    expect(pool.busy).toBe(2);
  });

  test("an aborted waiter leaves the queue; close rejects waiters and later acquires", async () => {
    const pool = new SequencePool(["only"], async () => undefined);
    const signal = new AbortController().signal;
    await pool.acquire(signal, aborted);
    const controller = new AbortController();
    const leaving = pool.acquire(controller.signal, aborted);
    const staying = pool.acquire(signal, aborted);
    controller.abort();
    await expect(leaving).rejects.toThrow("aborted");
    expect(pool.waiting).toBe(1);
    pool.release("only");
    expect(await staying).toBe("only");
    const waiting = pool.acquire(signal, aborted);
    pool.close(new Error("closed"));
    await expect(waiting).rejects.toThrow("closed");
    await expect(pool.acquire(signal, aborted)).rejects.toThrow("closed");
    pool.release("only");
    await tick();
    expect(pool.busy).toBe(0);
  });
});
