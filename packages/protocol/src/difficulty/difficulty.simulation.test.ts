/**
 * Closed-loop simulation of the difficulty rule (protocol.md §5): traffic A relays per session, each mined with
 * probability p, the mined count folded with `foldDifficulty`, and the resulting p taking effect LAG sessions
 * later (p for session s comes from the data of s − LAG, as on chain where a session's claims are only folded
 * after its claim window closes). Mined relays per session must converge to the target, not to √(target · A).
 */
import { describe, expect, test } from "vitest";
import { WAD } from "../constants.ts";
import { type DifficultyState, foldDifficulty, initialDifficultyState } from "./foldDifficulty.ts";

const TARGET = 1_000n;
const ALPHA_WAD = WAD / 10n;
const LAG = 3;

/** mulberry32 */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binomial(n, p): normal approximation when the variance is large, Poisson (Knuth) when n·p is small. */
function binomial(random: () => number, n: number, p: number): number {
  if (p >= 1) return n;
  if (p <= 0 || n === 0) return 0;
  const mean = n * p;
  const variance = mean * (1 - p);
  if (variance > 25) {
    const u = 1 - random();
    const v = random();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.min(n, Math.max(0, Math.round(mean + Math.sqrt(variance) * normal)));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  let product = random();
  while (product > limit) {
    k++;
    product *= random();
  }
  return Math.min(n, k);
}

type Phase = { name: string; sessions: number; traffic: (indexInPhase: number) => number };
type PhaseResult = {
  name: string;
  traffic: number;
  meanMined: number;
  probability: number;
  sqrtTargetTraffic: number;
};

/**
 * Runs the loop over consecutive phases. `defective` swaps in the suspected Pocket-style estimator (EMA of the
 * mined count itself, not mined / p) to show the assertions below would catch it.
 */
function simulate(phases: Phase[], seed: number, defective = false): PhaseResult[] {
  const random = seeded(seed);
  let state: DifficultyState = { ...initialDifficultyState };
  const probabilities: bigint[] = Array.from({ length: LAG }, () => WAD); // initial p = 1 for the first LAG sessions
  const results: PhaseResult[] = [];
  let session = 0;
  for (const phase of phases) {
    const mined: number[] = [];
    let traffic = 0;
    for (let index = 0; index < phase.sessions; index++, session++) {
      traffic = Math.round(phase.traffic(index));
      const probabilityWad = probabilities[session] as bigint;
      const count = binomial(random, traffic, Number(probabilityWad) / 1e18);
      mined.push(count);
      const next = foldDifficulty({
        state,
        minedCount: BigInt(count),
        // The defective rule forgets to divide by p: its estimate is the mined count itself.
        probabilityWad: defective ? WAD : probabilityWad,
        targetMinedPerSession: TARGET,
        alphaWad: ALPHA_WAD,
      });
      state = next.state;
      probabilities[session + LAG] = next.probabilityWad;
    }
    const last = mined.slice(-50);
    results.push({
      name: phase.name,
      traffic,
      meanMined: last.reduce((a, b) => a + b, 0) / last.length,
      probability: Number(probabilities[session - 1] as bigint) / 1e18,
      sqrtTargetTraffic: Math.sqrt(Number(TARGET) * traffic),
    });
  }
  return results;
}

const phases: Phase[] = [
  { name: "steady 50k", sessions: 300, traffic: () => 50_000 },
  { name: "step up 10x (500k)", sessions: 150, traffic: () => 500_000 },
  { name: "step down 10x (50k)", sessions: 150, traffic: () => 50_000 },
  { name: "ramp 50k→200k", sessions: 300, traffic: (index) => 50_000 + (150_000 * index) / 299 },
];

function printTable(title: string, results: PhaseResult[]): void {
  console.log(
    `\n${title} (target ${TARGET}/session, α = 0.1, lag ${LAG} sessions; mean over each phase's last 50 sessions)\n` +
      results
        .map(
          (row) =>
            `  ${row.name.padEnd(22)} traffic ${String(row.traffic).padStart(7)}  mined ${row.meanMined.toFixed(0).padStart(6)}` +
            `  √(target·A) ${row.sqrtTargetTraffic.toFixed(0).padStart(6)}  p ${row.probability.toExponential(3)}`,
        )
        .join("\n"),
  );
}

describe("difficulty closed loop", () => {
  test("test_simulation_minedConvergesToTarget_notSqrtTargetTraffic", () => {
    for (const seed of [1, 2, 3]) {
      const results = simulate(phases, seed);
      if (seed === 1) printTable("foldDifficulty", results);
      for (const row of results) {
        expect(Math.abs(row.meanMined - Number(TARGET)) / Number(TARGET), row.name).toBeLessThan(0.15);
        expect(row.meanMined, row.name).toBeLessThan(0.5 * row.sqrtTargetTraffic);
      }
    }
  });

  test("test_simulation_defectiveEstimator_convergesToSqrt_soTheCheckDiscriminates", () => {
    const results = simulate(phases.slice(0, 2), 4, true);
    printTable("defective estimator (EMA of mined count, no division by p)", results);
    for (const row of results) {
      expect(Math.abs(row.meanMined - row.sqrtTargetTraffic) / row.sqrtTargetTraffic, row.name).toBeLessThan(
        0.15,
      );
      expect(row.meanMined, row.name).toBeGreaterThan(2 * Number(TARGET));
    }
  });
});
