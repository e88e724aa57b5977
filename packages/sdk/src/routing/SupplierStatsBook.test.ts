import { describe, expect, it } from "vitest";
import { testAddress } from "../../test/routing/routing.conformance.ts";
import { SupplierStatsBook } from "./SupplierStatsBook.ts";

const ref = (index: number) => ({
  address: testAddress(index),
  endpoint: `https://supplier-${index}.example`,
});

describe("SupplierStatsBook", () => {
  it("test_book_memoryBound_evictsLeastRecentlyUpdated", () => {
    const book = new SupplierStatsBook({ maxEntries: 10_000 });
    for (let index = 0; index < 10_000; index++)
      book.recordSuccess(ref(index), { latencyMs: 10, now: index });
    // Touch supplier 0 so that it is the most recent; then 50 newcomers push out 1…50.
    book.recordFailure(ref(0), { kind: "timeout", now: 20_000 });
    for (let index = 10_000; index < 10_050; index++)
      book.recordSuccess(ref(index), { latencyMs: 10, now: index });
    expect(book.size).toBe(10_000);
    expect(book.get(testAddress(0))?.failures).toBe(1);
    for (let index = 1; index <= 50; index++) expect(book.get(testAddress(index))).toBeUndefined();
    expect(book.get(testAddress(51))).toBeDefined();
    expect(book.get(testAddress(10_049))).toBeDefined();
    expect(book.snapshot()).toHaveLength(10_000);
  });

  it("test_book_addresses_caseInsensitive", () => {
    const book = new SupplierStatsBook();
    const upper = {
      address: testAddress(0xabc).toUpperCase().replace("0X", "0x"),
      endpoint: "https://x.example",
    };
    book.recordSuccess(upper, { latencyMs: 10, now: 1 });
    book.recordSuccess({ ...upper, address: upper.address.toLowerCase() }, { latencyMs: 10, now: 2 });
    expect(book.size).toBe(1);
    expect(book.get(upper.address)?.successes).toBe(2);
    expect(book.get(upper.address)?.address).toBe(upper.address.toLowerCase());
  });

  it("test_book_statsFor_unknown_freshAndNotStored", () => {
    const book = new SupplierStatsBook();
    const stats = book.statsFor(ref(1), 7);
    expect(stats.reputation).toBe(80);
    expect(book.size).toBe(0);
    book.recordFailure(ref(1), { kind: "5xx", now: 8 });
    const moved = book.statsFor({ ...ref(1), endpoint: "https://moved.example" }, 9);
    expect(moved.reputation).toBe(55);
    expect(moved.endpoint).toBe("https://moved.example");
  });

  it("test_book_update_customChange_andDelete", () => {
    const book = new SupplierStatsBook({ config: { alpha: 1 } });
    book.recordSuccess(ref(1), { latencyMs: 100, now: 1 });
    book.recordSuccess(ref(1), { latencyMs: 300, now: 2 });
    expect(book.get(testAddress(1))?.latencyEwmaMs).toBe(300); // alpha 1 from the book's config
    book.update(ref(1), 3, (stats) => ({ ...stats, reputation: 42 }));
    expect(book.get(testAddress(1))?.reputation).toBe(42);
    expect(book.delete(testAddress(1))).toBe(true);
    expect(book.size).toBe(0);
  });

  it("test_book_invalidMaxEntries_throws", () => {
    expect(() => new SupplierStatsBook({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});
