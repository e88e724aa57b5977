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
      servingEnd: 22n,
      servingRefreshFrom: 21n,
      miningSeedBlock: 24n,
      claimStart: 25n,
      claimEnd: 32n,
      proofSeedBlock: 32n,
      proofStart: 33n,
      proofEnd: 40n,
      settleFrom: 41n,
    });
    // floor((4 + 1 + 8 + 8) / 20) + 2
    expect(pendingSessions(devnet)).toBe(3n);
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
    ]).toEqual([100n, 119n, 125n, 132n, 133n, 140n, 141n]);
    expect(windows.miningSeedBlock).toBe(124n);
    expect(windows.servingEnd).toBe(122n);
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
      [42, "grace"],
      [43, "sealing"],
      [44, "sealing"],
      [45, "claim"],
      [52, "claim"],
      [53, "proof"],
      [60, "proof"],
      [61, "settle"],
    ];
    for (const [block, phase] of expected) expect(sessionPhase(1n, BigInt(block), devnet)).toBe(phase);
    // Served while head < E + g = 23; the supplier refreshes its head from 21 on.
    expect(isServable(0n, 0n, devnet)).toBe(true);
    expect(isServable(0n, 22n, devnet)).toBe(true);
    expect(isServable(0n, 23n, devnet)).toBe(false);
    expect(isServable(0n, 24n, devnet)).toBe(false);
    expect(isServable(1n, 19n, devnet)).toBe(false);
    expect(sessionWindows(0n, devnet).servingRefreshFrom).toBe(21n);
    expect(isInClaimWindow(0n, 24n, devnet)).toBe(false); // the mining seed block itself
    expect(isInClaimWindow(0n, 25n, devnet)).toBe(true);
    expect(isInClaimWindow(0n, 32n, devnet)).toBe(true);
    expect(isInClaimWindow(0n, 33n, devnet)).toBe(false);
    expect(isInProofWindow(0n, 33n, devnet)).toBe(true);
    expect(isInProofWindow(0n, 40n, devnet)).toBe(true);
    expect(isInProofWindow(0n, 41n, devnet)).toBe(false);
    expect(isSettleable(0n, 40n, devnet)).toBe(false);
    expect(isSettleable(0n, 41n, devnet)).toBe(true);
  });

  test("test_phases_areConsistentWithTheWindows_forEveryBlock", () => {
    for (const params of [
      devnet,
      { sessionBlocks: 10, graceBlocks: 0, claimBlocks: 9, proofBlocks: 5 },
      { sessionBlocks: 7, graceBlocks: 2, claimBlocks: 1, proofBlocks: 1 },
    ]) {
      const session = 3n;
      const w = sessionWindows(session, params);
      let previous = "upcoming";
      const order = ["upcoming", "active", "grace", "sealing", "claim", "proof", "settle"];
      for (let block = 0n; block < w.settleFrom + 5n; block++) {
        const phase = sessionPhase(session, block, params);
        // Phases only move forward.
        expect(order.indexOf(phase)).toBeGreaterThanOrEqual(order.indexOf(previous));
        previous = phase;
        expect(isServable(session, block, params)).toBe(
          block >= w.start && block < w.end + BigInt(params.graceBlocks),
        );
        expect(isInClaimWindow(session, block, params)).toBe(block >= w.claimStart && block <= w.claimEnd);
        expect(isInProofWindow(session, block, params)).toBe(block >= w.proofStart && block <= w.proofEnd);
        expect(isSettleable(session, block, params)).toBe(block >= w.settleFrom);
        // Nothing is served once the mining seed block exists: serving ends two blocks before it.
        if (block >= w.miningSeedBlock - 1n) expect(isServable(session, block, params)).toBe(false);
      }
      expect(w.miningSeedBlock).toBe(w.servingEnd + 2n);
      expect(w.claimStart).toBe(w.miningSeedBlock + 1n);
    }
  });

  test("test_pendingSessions_floorOfDPlusTwo", () => {
    // D = g + 1 + c + pf.
    expect(pendingSessions({ sessionBlocks: 10, graceBlocks: 0, claimBlocks: 9, proofBlocks: 10 })).toBe(4n);
    expect(pendingSessions({ sessionBlocks: 10, graceBlocks: 0, claimBlocks: 9, proofBlocks: 9 })).toBe(3n);
    expect(pendingSessions({ sessionBlocks: 21, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 })).toBe(3n);
    expect(pendingSessions({ sessionBlocks: 22, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 })).toBe(2n);
    expect(pendingSessions({ sessionBlocks: 100n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n })).toBe(
      2n,
    );
  });

  test("test_params_invalid_throw", () => {
    expect(() => sessionWindows(0n, { ...devnet, sessionBlocks: 0 })).toThrow(SessionParamsInvalidError);
    expect(() => sessionWindows(0n, { ...devnet, claimBlocks: 0 })).toThrow(SessionParamsInvalidError);
    expect(() => sessionWindows(0n, { ...devnet, proofBlocks: 0 })).toThrow(SessionParamsInvalidError);
    // The registry's rules: g + 1 + c <= L and c + pf < 256.
    expect(() => sessionWindows(0n, { ...devnet, claimBlocks: 16 })).toThrow(SessionParamsInvalidError);
    expect(sessionWindows(0n, { ...devnet, claimBlocks: 15 }).claimEnd).toBe(39n);
    expect(() =>
      sessionWindows(0n, { sessionBlocks: 300, graceBlocks: 0, claimBlocks: 128, proofBlocks: 128 }),
    ).toThrow(SessionParamsInvalidError);
    expect(
      sessionWindows(0n, { sessionBlocks: 300, graceBlocks: 0, claimBlocks: 128, proofBlocks: 127 }).proofEnd,
    ).toBe(299n + 1n + 128n + 127n);
    expect(() => sessionWindows(-1n, devnet)).toThrow(SessionParamsInvalidError);
    expect(() => sessionOf(1.5, devnet)).toThrow(SessionParamsInvalidError);
  });
});
