import { describe, expect, test } from "vitest";
import { recordAuditPass } from "./recordAuditPass.ts";
import { recordFailure } from "./recordFailure.ts";
import { AUDIT_PASS_REPUTATION_DELTA, createSupplierStats } from "./SupplierStats.ts";
import { SupplierStatsBook } from "./SupplierStatsBook.ts";

const supplier = { address: "0xAbC0000000000000000000000000000000000001", endpoint: "http://127.0.0.1:1" };

describe("recordAuditPass", () => {
  test("test_recordAuditPass_raisesReputation_cappedAt100", () => {
    const stats = createSupplierStats({ ...supplier, now: 0 });
    const after = recordAuditPass(stats, { now: 5 });
    expect(after.reputation).toBe(stats.reputation + AUDIT_PASS_REPUTATION_DELTA);
    expect(after.successes).toBe(stats.successes);
    expect(after.lastUpdated).toBe(5);
    let full = after;
    for (let index = 0; index < 100; index++) full = recordAuditPass(full, { now: 6 });
    expect(full.reputation).toBe(100);
  });

  test("test_recordAuditPass_liftsOutOfProbation", () => {
    let stats = createSupplierStats({ ...supplier, now: 0 });
    stats = recordFailure(stats, { kind: "audit-fail", now: 1 });
    stats = recordFailure(stats, { kind: "timeout", now: 2 });
    expect(stats.probation).toBe(true);
    for (let index = 0; index < 5; index++) stats = recordAuditPass(stats, { now: 3 });
    expect(stats.reputation).toBe(30);
    expect(stats.probation).toBe(false);
  });

  test("test_book_recordAuditPass_updatesTheEntry", () => {
    const book = new SupplierStatsBook();
    book.recordAuditPass(supplier, { now: 1 });
    expect(book.get(supplier.address)?.reputation).toBe(80 + AUDIT_PASS_REPUTATION_DELTA);
  });
});
