import { describe, expect, test } from "vitest";
import { SessionParamsInvalidError } from "../errors/sessions.ts";
import { pendingSessions } from "./pendingSessions.ts";
import { isInClaimWindow, isInProofWindow, isServable, isSettleable } from "./sessionChecks.ts";
import { sessionOf } from "./sessionOf.ts";
import { type SessionPhase, sessionPhase } from "./sessionPhase.ts";
import { sessionWindows } from "./sessionWindows.ts";

const devnet = { sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 };

describe("session windows (devnet L=20, g=4, c=8, pf=8)", () => {
  test("test_windows_session0", () => {
    expect(sessionWindows(0n, devnet)).toEqual({
      session: 0n,
      start: 0n,
      end: 19n,
      servingEnd: 23n,
      miningSeedBlock: 23n,
      claimStart: 24n,
      claimEnd: 31n,
      proofSeedBlock: 31n,
      proofStart: 32n,
      proofEnd: 39n,
      settleFrom: 40n,
    });
    expect(pendingSessions(devnet)).toBe(2n);
  });

  test("test_windows_session5_shiftedByL", () => {
    const windows = sessionWindows(5, devnet);
    expect([
      windows.start,
      windows.end,
      windows.claimStart,
      windows.claimEnd,
      windows.proofStart,
      windows.proofEnd,
      windows.settleFrom,
    ]).toEqual([100n, 119n, 124n, 131n, 132n, 139n, 140n]);
  });

  test("test_sessionOf", () => {
    expect(sessionOf(0n, devnet)).toBe(0n);
    expect(sessionOf(19n, devnet)).toBe(0n);
    expect(sessionOf(20n, devnet)).toBe(1n);
    expect(sessionOf(45, devnet)).toBe(2n);
  });

  test("test_phases_tileTheChain", () => {
    const expected: [number, SessionPhase][] = [
      [19, "upcoming"],
      [20, "active"],
      [39, "active"],
      [40, "grace"],
      [43, "grace"],
      [44, "claim"],
      [51, "claim"],
      [52, "proof"],
      [59, "proof"],
      [60, "settle"],
    ];
    for (const [block, phase] of expected) expect(sessionPhase(1n, BigInt(block), devnet)).toBe(phase);
    expect(isServable(0n, 23n, devnet)).toBe(true);
    expect(isServable(0n, 24n, devnet)).toBe(false);
    expect(isServable(1n, 19n, devnet)).toBe(false);
    expect(isInClaimWindow(0n, 24n, devnet)).toBe(true);
    expect(isInClaimWindow(0n, 32n, devnet)).toBe(false);
    expect(isInProofWindow(0n, 32n, devnet)).toBe(true);
    expect(isInProofWindow(0n, 40n, devnet)).toBe(false);
    expect(isSettleable(0n, 39n, devnet)).toBe(false);
    expect(isSettleable(0n, 40n, devnet)).toBe(true);
  });

  test("test_pendingSessions_ceil", () => {
    expect(pendingSessions({ sessionBlocks: 10, graceBlocks: 0, claimBlocks: 10, proofBlocks: 10 })).toBe(3n);
    expect(pendingSessions({ sessionBlocks: 10, graceBlocks: 1, claimBlocks: 10, proofBlocks: 10 })).toBe(4n);
    expect(pendingSessions({ sessionBlocks: 100n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n })).toBe(
      2n,
    );
  });

  test("test_params_invalid_throw", () => {
    expect(() => sessionWindows(0n, { ...devnet, sessionBlocks: 0 })).toThrow(SessionParamsInvalidError);
    expect(() => sessionWindows(0n, { ...devnet, claimBlocks: 0 })).toThrow(SessionParamsInvalidError);
    expect(() => sessionWindows(0n, { ...devnet, proofBlocks: 256 })).toThrow(SessionParamsInvalidError);
    expect(() => sessionWindows(-1n, devnet)).toThrow(SessionParamsInvalidError);
    expect(() => sessionOf(1.5, devnet)).toThrow(SessionParamsInvalidError);
  });
});
