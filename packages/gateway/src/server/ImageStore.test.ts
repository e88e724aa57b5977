import { describe, expect, test } from "vitest";
import { ImageStore } from "./ImageStore.ts";

const png = (length: number, fill = 1) => new Uint8Array(length).fill(fill);

describe("ImageStore", () => {
  test("test_put_get_answersTheBytesUnderAnUnguessableId", () => {
    const images = new ImageStore();
    const first = images.put(png(10));
    const second = images.put(png(10, 2));
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(second).not.toBe(first);
    expect(images.get(first as string)).toEqual(png(10));
    expect(images.get(second as string)).toEqual(png(10, 2));
    expect(images.get("AAAAAAAAAAAAAAAAAAAAAA")).toBeUndefined();
    expect(images.get("../../etc/passwd")).toBeUndefined();
  });

  test("test_get_afterTheLifetime_isGone_andItsBytesFreed", () => {
    let now = 1_000;
    const images = new ImageStore({ ttlMs: 3_600_000, now: () => now });
    const id = images.put(png(100)) as string;
    now += 3_599_999;
    expect(images.get(id)).toBeDefined();
    now += 1;
    expect(images.get(id)).toBeUndefined();
    expect(images.bytes).toBe(0);
  });

  test("test_put_overMaxBytes_evictsTheOldestFirst_andRefusesAnImageLargerThanTheStore", () => {
    const images = new ImageStore({ maxBytes: 250 });
    const [a, b, c] = [images.put(png(100)), images.put(png(100)), images.put(png(100))] as string[];
    expect(images.get(a as string)).toBeUndefined();
    expect(images.get(b as string)).toBeDefined();
    expect(images.get(c as string)).toBeDefined();
    expect(images.bytes).toBe(200);
    expect(images.put(png(251))).toBeUndefined();
    expect(images.bytes).toBe(200);
  });
});
