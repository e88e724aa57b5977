// The shared suite of the IntegrityStore concern every GatewayStore passes.
import { describe, expect, test } from "vitest";
import { GatewayStoreInputError } from "../../src/store/errors.ts";
import { type MakeGatewayStoreFixture, useConformanceStores } from "./conformance.harness.ts";
import { makeAuditRecord, makeEvidenceRecord, T0 } from "./gatewayStore.fixtures.ts";

/**
 * Registers the IntegrityStore conformance tests for one GatewayStore implementation.
 *
 * @param name - shown in the test names.
 * @param makeStore - returns a fresh fixture (fresh database) for each test.
 * @example
 * ```ts
 * describeIntegrityStoreConformance("SqliteGatewayStore (:memory:)", async () => ({ store: new SqliteGatewayStore(), cleanup: async () => {} }));
 * ```
 */
export function describeIntegrityStoreConformance(name: string, makeStore: MakeGatewayStoreFixture): void {
  describe(`IntegrityStore conformance: ${name}`, () => {
    const { setUp } = useConformanceStores(makeStore);

    describe("integrity records", () => {
      test("test_putEvidence_idempotent_listedNewestFirst_filtered", async () => {
        const { store } = await setUp();
        const other = "0xAbCdEf0000000000000000000000000000000001";
        const first = makeEvidenceRecord({ createdAt: T0 });
        const second = makeEvidenceRecord({ createdAt: T0 + 10, kind: "billing", check: "billing-output" });
        const third = makeEvidenceRecord({
          createdAt: T0 + 20,
          supplier: other,
          model: "other-model",
          kind: "distribution",
          relayKey: null,
          request: null,
          receipt: null,
        });
        for (const record of [first, second, third, first]) await store.putEvidence(record);
        await store.putEvidence({ ...first, detail: "changed" });
        const lower = { ...third, supplier: other.toLowerCase() };
        expect(await store.evidence({})).toEqual([lower, second, first]);
        expect(await store.evidence({ supplier: other })).toEqual([lower]);
        expect(await store.evidence({ supplier: other.toLowerCase() })).toEqual([lower]);
        expect(await store.evidence({ model: "other-model" })).toEqual([lower]);
        expect(await store.evidence({ since: T0 + 10 })).toEqual([lower, second]);
        expect(await store.evidence({ limit: 1 })).toEqual([lower]);
        await expect(store.putEvidence({ ...first, id: "" })).rejects.toBeInstanceOf(GatewayStoreInputError);
        await expect(store.evidence({ limit: 0 })).rejects.toBeInstanceOf(GatewayStoreInputError);
      });

      test("test_putAudit_idempotent_listedNewestFirst_filtered", async () => {
        const { store } = await setUp();
        const passed = makeAuditRecord({ createdAt: T0, temperature: 0.7 });
        const failed = makeAuditRecord({
          createdAt: T0 + 5,
          passed: false,
          check: "premature-stop",
          kind: "evaluation",
          relayKey: null,
        });
        await store.putAudit(passed);
        await store.putAudit(failed);
        await store.putAudit({ ...passed, passed: false });
        expect(await store.audits({})).toEqual([failed, passed]);
        expect(await store.audits({ supplier: passed.supplier.toUpperCase().replace("0X", "0x") })).toEqual([
          failed,
          passed,
        ]);
        expect(await store.audits({ since: T0 + 1 })).toEqual([failed]);
        expect(await store.audits({ model: "none" })).toEqual([]);
        await expect(store.putAudit({ ...passed, temperature: -1 })).rejects.toBeInstanceOf(
          GatewayStoreInputError,
        );
      });
    });
  });
}
