import { describe, expect, it } from "vitest";
import { relayHedged } from "./relayHedged.ts";

type Result = { kind: "json"; lane: number; cancel?: () => void };
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A lane runner whose lanes answer (or fail) after the given delays, recording when each started. */
function lanes(plan: { ms: number; fail?: boolean }[]) {
  const started: number[] = [];
  const aborted: number[] = [];
  const t0 = performance.now();
  const runLane = (lane: number, _candidates: string[], signal: AbortSignal) => {
    started[lane] = performance.now() - t0;
    signal.addEventListener("abort", () => aborted.push(lane));
    const { ms, fail } = plan[lane] ?? { ms: 0 };
    return wait(ms).then(() => {
      if (fail) throw new Error(`lane ${lane} failed`);
      return { kind: "json", lane } as Result;
    });
  };
  return { runLane, started, aborted };
}

describe("relayHedged", () => {
  it("test_relayHedged_slowFirst_secondLaneStartsAfterTheDelayAndWins", async () => {
    const { runLane, started, aborted } = lanes([{ ms: 400 }, { ms: 10 }]);
    const losers: Result[] = [];
    const result = await relayHedged({
      candidates: ["a", "b"],
      hedgeAfterMs: 50,
      runLane,
      onLoser: (loser) => losers.push(loser),
    });
    expect(result.lane).toBe(1);
    expect(started[1]).toBeGreaterThanOrEqual(45);
    expect(aborted).toEqual([0]);
    await wait(450);
    expect(losers.map((loser) => loser.lane)).toEqual([0]);
  });

  it("test_relayHedged_fastFirst_noHedge", async () => {
    const { runLane, started } = lanes([{ ms: 5 }, { ms: 5 }]);
    const result = await relayHedged({ candidates: ["a", "b"], hedgeAfterMs: 100, runLane });
    expect(result.lane).toBe(0);
    await wait(150);
    expect(started[1]).toBeUndefined();
  });

  it("test_relayHedged_firstFails_secondStartsAtOnce", async () => {
    const { runLane, started } = lanes([{ ms: 5, fail: true }, { ms: 5 }]);
    const result = await relayHedged({ candidates: ["a", "b", "c"], hedgeAfterMs: 1_000, runLane });
    expect(result.lane).toBe(1);
    expect(started[1]).toBeLessThan(500);
  });

  it("test_relayHedged_bothFail_rejectsWithTheLastError", async () => {
    const { runLane } = lanes([
      { ms: 5, fail: true },
      { ms: 20, fail: true },
    ]);
    await expect(relayHedged({ candidates: ["a", "b"], hedgeAfterMs: 1, runLane })).rejects.toThrow(
      "lane 1 failed",
    );
  });

  it("test_relayHedged_lanes_evenAndOddPositions", async () => {
    const seen: string[][] = [];
    await relayHedged({
      candidates: ["a", "b", "c", "d", "e"],
      hedgeAfterMs: 1,
      runLane: async (_lane, candidates) => {
        seen.push(candidates);
        await wait(20);
        return { kind: "json" } as const;
      },
    });
    expect(seen).toEqual([
      ["a", "c", "e"],
      ["b", "d"],
    ]);
  });
});
