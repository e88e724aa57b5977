import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { classifyFailure, SupplierStatsBook } from "../routing/index.ts";
import type { RelayAttemptReport } from "./relayWithFailover.ts";
import { reportRelayAttempt } from "./reportRelayAttempt.ts";
import { SupplierDistrust } from "./SupplierDistrust.ts";

const candidate = {
  address: "0x00000000000000000000000000000000000000aa" as Address,
  endpoint: "http://127.0.0.1:1",
  operator: "0x00000000000000000000000000000000000000bb" as Address,
};
const failedWith = (failure: Parameters<typeof classifyFailure>[0]): RelayAttemptReport => ({
  candidate,
  attempt: 0,
  ms: 5,
  outcome: {
    ok: false,
    failure,
    classification: classifyFailure(failure),
    error: new Error("x"),
    afterFirstEvent: false,
  },
});

describe("reportRelayAttempt", () => {
  it("test_reportRelayAttempt_badReceipt_distrustsAndCharges", () => {
    const book = new SupplierStatsBook();
    const distrust = new SupplierDistrust();
    let cleared = 0;
    reportRelayAttempt(
      {
        book,
        distrust,
        directory: {
          clear: () => {
            cleared += 1;
          },
        },
      },
      failedWith({ kind: "receipt-invalid" }),
    );
    expect(distrust.isDistrusted(candidate.address)).toBe(true);
    expect(book.statsFor(candidate, Date.now()).failures).toBe(1);
    expect(cleared).toBe(0);
  });

  it("test_reportRelayAttempt_priceMismatch_clearsTheDirectory", () => {
    const distrust = new SupplierDistrust();
    let cleared = 0;
    reportRelayAttempt(
      {
        book: new SupplierStatsBook(),
        distrust,
        directory: {
          clear: () => {
            cleared += 1;
          },
        },
      },
      failedWith({ kind: "http", status: 409, code: "price_mismatch" }),
    );
    expect(cleared).toBe(1);
    expect(distrust.isDistrusted(candidate.address)).toBe(false);
  });
});
