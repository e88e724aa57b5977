// The shared suite of the ApiKeyStore concern (keys, limits, budgets, usage, expiry) every GatewayStore passes.
import { describe, expect, test } from "vitest";
import { windowStartOf } from "../../src/store/decideAdmission.ts";
import { ApiKeyNotFoundError, ApiKeyRevokedError, GatewayStoreInputError } from "../../src/store/errors.ts";
import { DEFAULT_RESERVATION_TTL_MS, type RateLimitDecision } from "../../src/store/GatewayStore.ts";
import { type MakeGatewayStoreFixture, useConformanceStores } from "./conformance.harness.ts";
import { makeUsageRecord, nothingReserved, T0 } from "./gatewayStore.fixtures.ts";

const allowed = (windowStart: number): RateLimitDecision => ({ allowed: true, windowStart });
const countAllowed = (decisions: RateLimitDecision[]) =>
  decisions.filter((decision) => decision.allowed).length;

/**
 * Registers the ApiKeyStore conformance tests for one GatewayStore implementation.
 *
 * @param name - shown in the test names.
 * @param makeStore - returns a fresh fixture (fresh database) for each test.
 * @example
 * ```ts
 * describeApiKeyStoreConformance("SqliteGatewayStore (:memory:)", async () => ({ store: new SqliteGatewayStore(), cleanup: async () => {} }));
 * ```
 */
export function describeApiKeyStoreConformance(name: string, makeStore: MakeGatewayStoreFixture): void {
  describe(`ApiKeyStore conformance: ${name}`, () => {
    const { setUp, replica } = useConformanceStores(makeStore);

    describe("keys", () => {
      test("test_createKey_showsPlaintextOnceAndStoresOnlyItsHash", async () => {
        const { fixture, store } = await setUp();
        const before = Date.now();
        const created = await store.createKey({ name: "alpha" });
        expect(created.key).toMatch(/^avy_[A-Za-z0-9_-]{43}$/);
        expect(Buffer.from(created.key.slice(4), "base64url")).toHaveLength(32);
        expect(created.record).toEqual({
          id: expect.any(String),
          name: "alpha",
          prefix: created.key.slice(0, 8),
          createdAt: expect.any(Number),
          revokedAt: null,
          budgetWei: null,
          spentWei: 0n,
          requestsPerMinute: null,
          tokensPerMinute: null,
        });
        expect(created.record.createdAt).toBeGreaterThanOrEqual(before);
        const other = await store.createKey({ name: "beta" });
        expect(other.key).not.toBe(created.key);
        expect(other.record.prefix).not.toBe(created.record.prefix);
        const listed = await store.listKeys();
        expect(listed).toEqual([created.record, other.record]);
        const secret = created.key.slice(8);
        expect(
          JSON.stringify(listed, (_, value) => (typeof value === "bigint" ? value.toString() : value)),
        ).not.toContain(secret);
        if (fixture.rawContents) {
          const raw = await fixture.rawContents();
          expect(raw).toContain(created.record.prefix); // the dump does show what is stored
          expect(raw).not.toContain(created.key);
          expect(raw).not.toContain(secret);
          expect(raw).not.toContain(other.key.slice(8));
        }
      });

      test("test_authenticate_onlyTheExactPlaintextOfALiveKey", async () => {
        const { store } = await setUp();
        const first = await store.createKey({ name: "first" });
        const second = await store.createKey({ name: "second", requestsPerMinute: 5 });
        expect(await store.authenticate(first.key)).toEqual(first.record);
        expect(await store.authenticate(second.key)).toEqual(second.record);
        const last = first.key.at(-1) === "A" ? "B" : "A";
        for (const wrong of [
          `${first.key.slice(0, -1)}${last}`,
          first.key.toUpperCase(),
          `${first.key} `,
          first.key.slice(0, 8),
          "",
          "sk-abc",
        ]) {
          expect(await store.authenticate(wrong)).toBeUndefined();
        }
      });

      test("test_createKey_limitsRoundtripExactly", async () => {
        const { store } = await setUp();
        const budgetWei = 2n ** 200n + 7n;
        const { key, record } = await store.createKey({
          name: "limited",
          budgetWei,
          requestsPerMinute: 50,
          tokensPerMinute: 10_000_000,
        });
        expect(record).toMatchObject({ budgetWei, requestsPerMinute: 50, tokensPerMinute: 10_000_000 });
        expect(await store.authenticate(key)).toEqual(record);
        expect(await store.listKeys()).toEqual([record]);
        expect(typeof (await store.listKeys())[0]?.budgetWei).toBe("bigint");
      });

      test("test_createKey_invalidInput_throwsGatewayStoreInputError", async () => {
        const { store } = await setUp();
        for (const input of [
          { name: "" },
          { name: "x", budgetWei: -1n },
          { name: "x", budgetWei: 2n ** 256n },
          { name: "x", requestsPerMinute: 0 },
          { name: "x", requestsPerMinute: 1.5 },
          { name: "x", tokensPerMinute: -1 },
        ]) {
          await expect(store.createKey(input)).rejects.toBeInstanceOf(GatewayStoreInputError);
        }
        expect(await store.listKeys()).toEqual([]);
      });

      test("test_revokeKey_byId_authenticateFailsAndFirstRevokedAtKept", async () => {
        const { store } = await setUp();
        const doomed = await store.createKey({ name: "doomed" });
        const kept = await store.createKey({ name: "kept" });
        const before = Date.now();
        const revoked = await store.revokeKey(doomed.record.id);
        expect(revoked).toEqual({ ...doomed.record, revokedAt: expect.any(Number) });
        expect(revoked?.revokedAt).toBeGreaterThanOrEqual(before);
        expect(await store.authenticate(doomed.key)).toBeUndefined();
        expect(await store.authenticate(kept.key)).toEqual(kept.record);
        expect(await store.listKeys()).toEqual([revoked, kept.record]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(await store.revokeKey(doomed.record.id)).toEqual(revoked);
        await expect(store.admit(doomed.record.id, 1, 0n, T0)).rejects.toBeInstanceOf(ApiKeyRevokedError);
      });

      test("test_revokeKey_byPrefix_revokesThatKey_unknownReturnsUndefined", async () => {
        const { store } = await setUp();
        const target = await store.createKey({ name: "target" });
        const bystander = await store.createKey({ name: "bystander" });
        const revoked = await store.revokeKey(target.record.prefix);
        expect(revoked?.id).toBe(target.record.id);
        expect(revoked?.revokedAt).toEqual(expect.any(Number));
        expect(await store.authenticate(target.key)).toBeUndefined();
        expect(await store.authenticate(bystander.key)).toEqual(bystander.record);
        expect(await store.revokeKey("avy_zzzz")).toBeUndefined();
        expect(await store.revokeKey("no-such-id")).toBeUndefined();
        expect(await store.revokeKey(target.key)).toBeUndefined(); // the plaintext is neither id nor prefix
      });
    });

    describe("rate limits", () => {
      test("test_admit_requestsPerMinute_allowsNThenRefusesUntilNextWindow", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "rpm", requestsPerMinute: 3 });
        for (let index = 0; index < 3; index++) {
          expect(await store.admit(record.id, 0, 0n, T0 + 10_000 + index)).toEqual(allowed(T0));
        }
        const refused = await store.admit(record.id, 0, 0n, T0 + 15_000);
        expect(refused).toEqual({
          allowed: false,
          reason: "requests",
          retryAfterMs: 45_000,
          limit: expect.stringContaining("3"),
        });
        // Refusals reserve nothing and do not push the window out.
        expect(await store.admit(record.id, 0, 0n, T0 + 59_999)).toMatchObject({
          allowed: false,
          retryAfterMs: 1,
        });
        for (let index = 0; index < 3; index++) {
          expect(await store.admit(record.id, 0, 0n, T0 + 60_000 + index)).toEqual(allowed(T0 + 60_000));
        }
        expect(await store.admit(record.id, 0, 0n, T0 + 60_010)).toMatchObject({
          allowed: false,
          reason: "requests",
          retryAfterMs: 59_990,
        });
      });

      test("test_admit_tokensPerMinute_reservesEstimateThenCountsActual", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "tpm", tokensPerMinute: 1000 });
        expect(await store.admit(record.id, 600, 0n, T0 + 1000)).toEqual(allowed(T0));
        expect(await store.admit(record.id, 500, 0n, T0 + 2000)).toEqual({
          allowed: false,
          reason: "tokens",
          retryAfterMs: 58_000,
          limit: expect.stringContaining("1000"),
        });
        // Settled: 150 actual tokens replace the 600 reserved.
        await store.recordUsage(
          makeUsageRecord({ keyId: record.id, inputTokens: 100, outputTokens: 50, createdAt: T0 + 2500 }),
          { tokens: 600, costWei: 0n, windowStart: T0 },
        );
        expect(await store.admit(record.id, 850, 0n, T0 + 3000)).toEqual(allowed(T0));
        expect(await store.admit(record.id, 1, 0n, T0 + 4000)).toMatchObject({
          allowed: false,
          reason: "tokens",
        });
        expect(await store.admit(record.id, 1000, 0n, T0 + 60_000)).toEqual(allowed(T0 + 60_000));
      });

      test("test_recordUsage_countsActualTokensInTheWindowOfAdmission", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "late", tokensPerMinute: 1000 });
        expect(await store.admit(record.id, 900, 0n, T0 + 59_000)).toEqual(allowed(T0));
        // Settled after the window ended: the actual tokens count in the window of admission, not the next.
        await store.recordUsage(
          makeUsageRecord({ keyId: record.id, inputTokens: 900, outputTokens: 50, createdAt: T0 + 61_000 }),
          { tokens: 900, costWei: 0n, windowStart: T0 },
        );
        expect(await store.admit(record.id, 100, 0n, T0 + 59_500)).toMatchObject({
          allowed: false,
          reason: "tokens",
        });
        expect(await store.admit(record.id, 1000, 0n, T0 + 61_500)).toEqual(allowed(T0 + 60_000));
      });

      test("test_admit_estimateAboveTokensPerMinute_admittedIntoAnEmptyWindow", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "big", tokensPerMinute: 100 });
        expect(await store.admit(record.id, 5000, 0n, T0)).toEqual(allowed(T0));
        expect(await store.admit(record.id, 1, 0n, T0 + 1)).toMatchObject({
          allowed: false,
          reason: "tokens",
        });
        expect(await store.admit(record.id, 5000, 0n, T0 + 60_000)).toEqual(allowed(T0 + 60_000));
      });

      test("test_admit_noLimits_alwaysAllowed", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "free" });
        const decisions = await Promise.all(
          Array.from({ length: 50 }, (_, index) => store.admit(record.id, 1_000_000, 2n ** 250n, T0 + index)),
        );
        expect(decisions.every((decision) => decision.allowed)).toBe(true);
      });

      test("test_admit_concurrentOnOneStore_exactlyTheLimit", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "burst", requestsPerMinute: 50 });
        const decisions = await Promise.all(
          Array.from({ length: 200 }, () => store.admit(record.id, 1, 0n, T0 + 30_000)),
        );
        expect(countAllowed(decisions)).toBe(50);
      });

      test("test_admit_unknownKeyOrInvalidInput_throws", async () => {
        const { store } = await setUp();
        await expect(store.admit("no-such-key", 1, 0n, T0)).rejects.toBeInstanceOf(ApiKeyNotFoundError);
        const { record } = await store.createKey({ name: "k" });
        await expect(store.admit(record.id, -1, 0n, T0)).rejects.toBeInstanceOf(GatewayStoreInputError);
        await expect(store.admit(record.id, 1, -1n, T0)).rejects.toBeInstanceOf(GatewayStoreInputError);
        await expect(store.admit(record.id, 0.5, 0n, T0)).rejects.toBeInstanceOf(GatewayStoreInputError);
        await expect(
          store.recordUsage(makeUsageRecord({ keyId: "no-such-key" }), nothingReserved(T0)),
        ).rejects.toBeInstanceOf(ApiKeyNotFoundError);
        expect(await store.usage({})).toEqual([]);
      });
    });

    describe("budgets", () => {
      test("test_admit_budget_refusedOnceSpentPlusReservedWouldExceed", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "budget", budgetWei: 1000n });
        const id = record.id;
        expect(await store.admit(id, 0, 600n, T0)).toEqual(allowed(T0));
        const refused = await store.admit(id, 0, 500n, T0 + 1);
        expect(refused).toEqual({
          allowed: false,
          reason: "budget",
          retryAfterMs: DEFAULT_RESERVATION_TTL_MS - 1, // when the pending 600 would stop counting
          limit: expect.stringContaining("1000"),
          remainingWei: 400n,
        });
        expect(await store.admit(id, 0, 400n, T0 + 2)).toEqual(allowed(T0)); // 600 + 400 = 1000: fits exactly
        expect(await store.admit(id, 0, 0n, T0 + 3)).toMatchObject({ allowed: false, reason: "budget" });
        await store.recordUsage(makeUsageRecord({ keyId: id, costWei: 100n }), {
          tokens: 0,
          costWei: 600n,
          windowStart: T0,
        });
        expect((await store.listKeys())[0]?.spentWei).toBe(100n);
        expect(await store.admit(id, 0, 500n, T0 + 4)).toEqual(allowed(T0)); // 100 + 400 + 500 = 1000
        await store.recordUsage(makeUsageRecord({ keyId: id, costWei: 400n }), {
          tokens: 0,
          costWei: 400n,
          windowStart: T0,
        });
        await store.recordUsage(makeUsageRecord({ keyId: id, costWei: 500n }), {
          tokens: 0,
          costWei: 500n,
          windowStart: T0,
        });
        expect((await store.listKeys())[0]?.spentWei).toBe(1000n);
        // Spent: nothing pending could free room, so no time to wait for.
        expect(await store.admit(id, 0, 1n, T0 + 5)).toEqual({
          allowed: false,
          reason: "budget",
          retryAfterMs: 0,
          limit: expect.stringContaining("1000"),
          remainingWei: 0n,
        });
      });

      test("test_raiseReservation_withinBudget_raisedAndSettledOnce_elseRefusedWithWhatIsLeft", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "failover", budgetWei: 1000n });
        const id = record.id;
        expect(await store.admit(id, 10, 300n, T0)).toEqual(allowed(T0));
        const reserved = { tokens: 10, costWei: 300n, windowStart: T0 };
        // Lower or equal: nothing changes.
        expect(await store.raiseReservation(id, reserved, 200n, T0 + 1)).toEqual({
          allowed: true,
          reservation: reserved,
        });
        const raised = await store.raiseReservation(id, reserved, 700n, T0 + 2);
        expect(raised).toEqual({ allowed: true, reservation: { ...reserved, costWei: 700n } });
        // 700 pending of 1000: a raise to 1100 (400 more) does not fit, and says what is left.
        expect(await store.raiseReservation(id, { ...reserved, costWei: 700n }, 1100n, T0 + 3)).toEqual({
          allowed: false,
          limit: expect.stringContaining("1000"),
          remainingWei: 300n,
        });
        // The raise counts against other requests: 300 left.
        expect(await store.admit(id, 0, 301n, T0 + 4)).toMatchObject({ allowed: false, remainingWei: 300n });
        // No request or token counted twice, and the settlement releases the whole raised reservation.
        await store.recordUsage(makeUsageRecord({ keyId: id, costWei: 50n }), { ...reserved, costWei: 700n });
        expect((await store.listKeys())[0]?.spentWei).toBe(50n);
        expect(await store.admit(id, 0, 950n, T0 + 5)).toEqual(allowed(T0));
      });

      test("test_raiseReservation_unsettled_chargedAtExpiryInFull", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "crash after failover", budgetWei: 10_000n });
        expect(await store.admit(record.id, 10, 300n, T0)).toEqual(allowed(T0));
        await store.raiseReservation(record.id, { tokens: 10, costWei: 300n, windowStart: T0 }, 800n, T0 + 1);
        await store.expireReservations(T0 + DEFAULT_RESERVATION_TTL_MS);
        expect((await store.listKeys())[0]?.spentWei).toBe(800n);
      });

      test("test_recordUsage_movesReservedToSpentExactly_amountsAbove2To64", async () => {
        const { store } = await setUp();
        const budgetWei = 2n ** 255n;
        const { record } = await store.createKey({ name: "whale", budgetWei });
        const reserved = 2n ** 254n + 12_345n;
        const actual = 2n ** 254n + 1n;
        expect(await store.admit(record.id, 10, reserved, T0)).toEqual(allowed(T0));
        const usage = makeUsageRecord({ keyId: record.id, costWei: actual });
        await store.recordUsage(usage, { tokens: 10, costWei: reserved, windowStart: T0 });
        expect((await store.listKeys())[0]?.spentWei).toBe(actual);
        expect((await store.usage({ keyId: record.id }))[0]?.costWei).toBe(actual);
        // Exactly the rest of the budget fits; then nothing does.
        expect(await store.admit(record.id, 0, budgetWei - actual + 1n, T0 + 1)).toMatchObject({
          allowed: false,
        });
        expect(await store.admit(record.id, 0, budgetWei - actual, T0 + 2)).toEqual(allowed(T0));
        expect(await store.admit(record.id, 0, 0n, T0 + 3)).toMatchObject({
          allowed: false,
          reason: "budget",
        });
      });

      test("test_recordUsage_repeatedForOneUsageId_chargesOnce", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "retry", tokensPerMinute: 1000 });
        expect(await store.admit(record.id, 100, 70n, T0)).toEqual(allowed(T0));
        const usage = makeUsageRecord({
          keyId: record.id,
          inputTokens: 300,
          outputTokens: 100,
          costWei: 70n,
        });
        const reservation = { tokens: 100, costWei: 70n, windowStart: T0 };
        await store.recordUsage(usage, reservation);
        await Promise.all([store.recordUsage(usage, reservation), store.recordUsage(usage, reservation)]);
        expect((await store.listKeys())[0]?.spentWei).toBe(70n);
        expect(await store.usage({ keyId: record.id })).toEqual([usage]);
        expect(await store.admit(record.id, 600, 0n, T0 + 1)).toEqual(allowed(T0)); // 400 + 600
        expect(await store.admit(record.id, 1, 0n, T0 + 2)).toMatchObject({
          allowed: false,
          reason: "tokens",
        });
      });

      test("test_unsettledReservation_chargedAtExpiry_lateSettlementReplacesTheCharge", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "crashed", budgetWei: 1000n });
        expect(await store.admit(record.id, 40, 600n, T0)).toEqual(allowed(T0));
        const refused = await store.admit(record.id, 0, 500n, T0 + 1);
        expect(refused).toMatchObject({
          allowed: false,
          reason: "budget",
          retryAfterMs: DEFAULT_RESERVATION_TTL_MS - 1,
        });
        // Never settled (its replica crashed): at expiry the reservation is charged, not released.
        const later = T0 + DEFAULT_RESERVATION_TTL_MS;
        expect(await store.admit(record.id, 0, 500n, later)).toMatchObject({
          allowed: false,
          reason: "budget",
        });
        expect((await store.listKeys())[0]?.spentWei).toBe(600n);
        expect(await store.reservationExpiries({ keyId: record.id })).toEqual([
          {
            keyId: record.id,
            windowStart: T0,
            expiredAt: later,
            requests: 1,
            tokens: 40,
            chargedWei: 600n,
            settledRequests: 0,
            settledWei: 0n,
          },
        ]);
        expect(await store.admit(record.id, 0, 400n, later)).toEqual(allowed(later)); // 600 + 400 = 1000
        // The first request's settlement arrives after all: its actual cost replaces the charged reservation.
        await store.recordUsage(makeUsageRecord({ keyId: record.id, costWei: 100n }), {
          tokens: 40,
          costWei: 600n,
          windowStart: T0,
        });
        expect((await store.listKeys())[0]?.spentWei).toBe(100n);
        expect((await store.reservationExpiries({}))[0]).toMatchObject({
          settledRequests: 1,
          settledWei: 600n,
        });
        expect(await store.admit(record.id, 0, 500n, later + 1)).toEqual(allowed(later)); // 100 + 400 + 500
        expect(await store.admit(record.id, 0, 1n, later + 2)).toMatchObject({
          allowed: false,
          reason: "budget",
        });
      });

      test("test_expireReservations_chargesIdleKeysOnce_settledWindowsAreFree", async () => {
        const { store } = await setUp();
        const idle = (await store.createKey({ name: "idle" })).record;
        const settled = (await store.createKey({ name: "settled" })).record;
        expect(await store.admit(idle.id, 30, 2n ** 100n, T0)).toEqual(allowed(T0));
        expect(await store.admit(idle.id, 20, 5n, T0 + 60_000)).toEqual(allowed(T0 + 60_000));
        expect(await store.admit(settled.id, 10, 9n, T0)).toEqual(allowed(T0));
        await store.recordUsage(makeUsageRecord({ keyId: settled.id, costWei: 4n }), {
          tokens: 10,
          costWei: 9n,
          windowStart: T0,
        });
        const now = T0 + 60_000 + DEFAULT_RESERVATION_TTL_MS;
        expect(await store.expireReservations(now)).toEqual({
          keys: 1,
          requests: 2,
          tokens: 50,
          chargedWei: 2n ** 100n + 5n,
        });
        expect(await store.expireReservations(now)).toEqual({
          keys: 0,
          requests: 0,
          tokens: 0,
          chargedWei: 0n,
        });
        const spent = Object.fromEntries((await store.listKeys()).map((key) => [key.name, key.spentWei]));
        expect(spent).toEqual({ idle: 2n ** 100n + 5n, settled: 4n });
        expect((await store.reservationExpiries({})).map((expiry) => expiry.windowStart).sort()).toEqual([
          T0,
          T0 + 60_000,
        ]);
        expect(await store.reservationExpiries({ keyId: settled.id })).toEqual([]);
        expect(await store.reservationExpiries({ since: now + 1 })).toEqual([]);
      });

      test("test_admitThenRecordUsage_100Concurrent_spentIsTheExactSum", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "busy", budgetWei: 10n ** 30n });
        await Promise.all(
          Array.from({ length: 100 }, async (_, index) => {
            const cost = 10n ** 20n + BigInt(index);
            const decision = await store.admit(record.id, 10, cost * 2n, T0 + index);
            if (!decision.allowed) throw new Error("refused");
            await store.recordUsage(
              makeUsageRecord({ keyId: record.id, costWei: cost, createdAt: T0 + index }),
              {
                tokens: 10,
                costWei: cost * 2n,
                windowStart: decision.windowStart,
              },
            );
          }),
        );
        expect((await store.listKeys())[0]?.spentWei).toBe(100n * 10n ** 20n + 4950n);
        expect(await store.usage({ keyId: record.id })).toHaveLength(100);
        // Every reservation was released: the whole rest of the budget is available.
        const rest = 10n ** 30n - (100n * 10n ** 20n + 4950n);
        expect(await store.admit(record.id, 0, rest, T0 + 200)).toEqual(allowed(T0));
      });
    });

    describe("replicas", () => {
      test("test_replicas_200ConcurrentAdmitsWithLimit50_exactly50Allowed", async (context) => {
        const { fixture, store } = await setUp();
        if (!fixture.second) return context.skip();
        const other = await replica(fixture);
        const { key, record } = await store.createKey({ name: "fleet", requestsPerMinute: 50 });
        expect(await other.authenticate(key)).toEqual(record);
        const decisions = await Promise.all(
          Array.from({ length: 200 }, (_, index) =>
            (index % 2 ? other : store).admit(record.id, 1, 0n, T0 + 5_000),
          ),
        );
        expect(countAllowed(decisions)).toBe(50);
        expect(await other.admit(record.id, 1, 0n, T0 + 6_000)).toMatchObject({
          allowed: false,
          reason: "requests",
        });
        expect(await store.admit(record.id, 1, 0n, T0 + 60_000)).toEqual(allowed(T0 + 60_000));
      });

      test("test_replicas_budgetAndSpendHoldAcrossReplicas", async (context) => {
        const { fixture, store } = await setUp();
        if (!fixture.second) return context.skip();
        const other = await replica(fixture);
        const { record } = await store.createKey({ name: "shared budget", budgetWei: 30n });
        const replicas = [store, other];
        const decisions = await Promise.all(
          Array.from({ length: 100 }, (_, index) => replicas[index % 2]?.admit(record.id, 0, 1n, T0 + index)),
        );
        const admitted = decisions.flatMap((decision, index) => (decision?.allowed ? [index] : []));
        expect(admitted).toHaveLength(30);
        await Promise.all(
          admitted.map((index) =>
            replicas[(index + 1) % 2]?.recordUsage(makeUsageRecord({ keyId: record.id, costWei: 1n }), {
              tokens: 0,
              costWei: 1n,
              windowStart: windowStartOf(T0 + index),
            }),
          ),
        );
        expect((await other.listKeys())[0]?.spentWei).toBe(30n);
        expect((await store.listKeys())[0]?.spentWei).toBe(30n);
        expect(await store.usage({ keyId: record.id })).toHaveLength(30);
        await store.revokeKey(record.prefix);
        await expect(other.admit(record.id, 0, 0n, T0)).rejects.toBeInstanceOf(ApiKeyRevokedError);
      });
    });

    describe("usage", () => {
      test("test_recordUsage_notAwaited_readsFlushFirst_spendIncludesIt", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "fire and forget", budgetWei: 10n ** 6n });
        const settlements: Promise<void>[] = [];
        for (let index = 0; index < 20; index++) {
          const decision = await store.admit(record.id, 5, 100n, T0 + index);
          if (!decision.allowed) throw new Error("refused");
          settlements.push(
            store.recordUsage(makeUsageRecord({ keyId: record.id, costWei: 7n, createdAt: T0 + index }), {
              tokens: 5,
              costWei: 100n,
              windowStart: decision.windowStart,
            }),
          );
        }
        // No await on the settlements: the reads flush the queued batch first.
        expect((await store.listKeys())[0]?.spentWei).toBe(140n);
        expect(await store.usage({ keyId: record.id })).toHaveLength(20);
        await Promise.all(settlements);
        await store.flush();
        await store.flush();
      });

      test("test_recordUsage_unknownKeyInABatch_rejectsOnlyThatRecord", async () => {
        const { store } = await setUp();
        const { record } = await store.createKey({ name: "known" });
        const results = await Promise.allSettled([
          store.recordUsage(makeUsageRecord({ keyId: record.id, costWei: 1n }), nothingReserved(T0)),
          store.recordUsage(makeUsageRecord({ keyId: "no-such-key", costWei: 1n }), nothingReserved(T0)),
          store.recordUsage(makeUsageRecord({ keyId: record.id, costWei: 2n }), nothingReserved(T0)),
        ]);
        expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
        expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ApiKeyNotFoundError);
        expect((await store.listKeys())[0]?.spentWei).toBe(3n);
        expect(await store.usage({})).toHaveLength(2);
      });

      test("test_usage_roundtripsExactly_newestFirst_filtered", async () => {
        const { store } = await setUp();
        const alice = (await store.createKey({ name: "alice" })).record;
        const bob = (await store.createKey({ name: "bob" })).record;
        const records = [
          makeUsageRecord({ keyId: alice.id, createdAt: T0 }),
          makeUsageRecord({
            keyId: alice.id,
            createdAt: T0 + 1000,
            costWei: 2n ** 256n - 1n,
            session: 2n ** 64n - 1n,
            stream: true,
            status: "error",
            errorCode: "supplier_timeout",
            latencyMs: 12.5,
            timeToFirstTokenMs: 3.25,
            attempts: 3,
          }),
          makeUsageRecord({
            keyId: alice.id,
            createdAt: T0 + 2000,
            supplier: null,
            application: null,
            relayKey: null,
            session: null,
            timeToFirstTokenMs: null,
            inputTokens: 0,
            outputTokens: 0,
            attempts: 0,
          }),
          makeUsageRecord({ keyId: bob.id, createdAt: T0 + 2000 }), // same time: later insert first
          makeUsageRecord({ keyId: bob.id, createdAt: T0 + 3000, costWei: 2n ** 64n + 1n }),
        ];
        for (const record of records) await store.recordUsage(record, nothingReserved(record.createdAt));
        const newestFirst = [...records].reverse();
        const all = await store.usage({});
        expect(all).toEqual(newestFirst);
        expect(typeof all[0]?.costWei).toBe("bigint");
        expect(all.find((record) => record.session === 2n ** 64n - 1n)?.costWei).toBe(2n ** 256n - 1n);
        expect(await store.usage({ keyId: alice.id })).toEqual(
          newestFirst.filter((r) => r.keyId === alice.id),
        );
        expect(await store.usage({ since: T0 + 2000 })).toEqual(newestFirst.slice(0, 3));
        expect(await store.usage({ keyId: alice.id, since: T0 + 1000, limit: 1 })).toEqual([records[2]]);
        expect(await store.usage({ limit: 2 })).toEqual(newestFirst.slice(0, 2));
        expect(await store.usage({ keyId: "nobody" })).toEqual([]);
        await expect(store.usage({ limit: 0 })).rejects.toBeInstanceOf(GatewayStoreInputError);
        await expect(
          store.recordUsage(makeUsageRecord({ keyId: alice.id, costWei: -1n }), nothingReserved(T0)),
        ).rejects.toBeInstanceOf(GatewayStoreInputError);
      });
    });
  });
}
