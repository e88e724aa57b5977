/**
 * Closed-loop simulation of the difficulty rule (protocol.md §5) as the settlement runs it: traffic A relays per
 * session, each mined with that session's probability p, the claimed count folded with `foldDifficulty` (idle
 * recovery, clamped observation, clamped p), and the resulting p effective LAG sessions later (on chain a
 * session's counts are folded at the first claim of the next session, two sessions on, and take effect from
 * `currentSession() + 1`). A session without claims (nothing mined) is not folded: the next fold recovers over it.
 * Mined relays per session must converge to the target, not to √(target · A), and an attacker who inflates
 * the claimed count (by 2^60) in a tenth of the sessions must not push them out of [target / 2, 2 · target].
 */
import { describe, expect, test } from "vitest";
import { WAD } from "../constants.ts";
import { seededRandom as seeded } from "../random/seededRandom.ts";
import { type DifficultyState, foldDifficulty, initialDifficultyState } from "./foldDifficulty.ts";

const TARGET = 1_000n;
const ALPHA_WAD = WAD / 10n;
const LAG = 3;
const UINT64_MAX = (1n << 64n) - 1n;

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

/** The settlement's probability checkpoints: a session reads the latest pushed at or before it. */
class Probabilities {
  readonly #checkpoints: { session: number; probabilityWad: bigint }[] = [];
  at(session: number): bigint {
    for (let i = this.#checkpoints.length - 1; i >= 0; i--) {
      const checkpoint = this.#checkpoints[i] as { session: number; probabilityWad: bigint };
      if (checkpoint.session <= session) return checkpoint.probabilityWad;
    }
    return WAD; // initialMiningProbabilityWad: every relay mined
  }
  latest(): bigint {
    return this.#checkpoints.at(-1)?.probabilityWad ?? WAD;
  }
  push(session: number, probabilityWad: bigint): void {
    this.#checkpoints.push({ session, probabilityWad });
  }
}

type Phase = { name: string; sessions: number; traffic: (indexInPhase: number) => number };
type SessionRecord = {
  session: number;
  traffic: number;
  mined: number;
  claimed: bigint;
  probabilityWad: bigint;
};

type SimulationOptions = {
  seed: number;
  /** Swap in the suspected Pocket-style estimator: the EMA of the mined count itself, not mined / p. */
  defective?: boolean;
  /** Whether the claimed count of `session` is inflated (×2^60, saturating at uint64 like the contract's sum). */
  attacked?: (session: number) => boolean;
};

function simulate(phases: Phase[], options: SimulationOptions): SessionRecord[] {
  const random = seeded(options.seed);
  const probabilities = new Probabilities();
  let state: DifficultyState = { ...initialDifficultyState };
  const records: SessionRecord[] = [];
  let session = 0;
  for (const phase of phases) {
    for (let index = 0; index < phase.sessions; index++, session++) {
      const traffic = Math.round(phase.traffic(index));
      const probabilityWad = probabilities.at(session);
      const mined = binomial(random, traffic, Number(probabilityWad) / 1e18);
      let claimed = BigInt(mined);
      if (options.attacked?.(session) && mined > 0)
        claimed = claimed << 60n > UINT64_MAX ? UINT64_MAX : claimed << 60n;
      records.push({ session, traffic, mined, claimed, probabilityWad });
      if (mined === 0) continue; // no claims: nothing to fold (idle)
      const next = foldDifficulty({
        state,
        dataSession: BigInt(session),
        minedCount: claimed,
        // The defective rule forgets to divide by p: its estimate is the mined count itself.
        probabilityWad: options.defective ? WAD : probabilityWad,
        currentProbabilityWad: probabilities.latest(),
        targetMinedPerSession: TARGET,
        alphaWad: ALPHA_WAD,
      });
      state = next.state;
      probabilities.push(session + LAG, next.probabilityWad);
    }
  }
  return records;
}

type PhaseResult = {
  name: string;
  traffic: number;
  meanMined: number;
  probability: number;
  sqrtTargetTraffic: number;
};

/** Per phase: the mean mined count over its last 50 sessions. */
function summarize(phases: Phase[], records: SessionRecord[]): PhaseResult[] {
  let end = 0;
  return phases.map((phase) => {
    end += phase.sessions;
    const last = records.slice(end - 50, end);
    const final = last.at(-1) as SessionRecord;
    return {
      name: phase.name,
      traffic: final.traffic,
      meanMined: last.reduce((sum, record) => sum + record.mined, 0) / last.length,
      probability: Number(final.probabilityWad) / 1e18,
      sqrtTargetTraffic: Math.sqrt(Number(TARGET) * final.traffic),
    };
  });
}

const phases: Phase[] = [
  { name: "steady 50k", sessions: 300, traffic: () => 50_000 },
  { name: "step up 10x (500k)", sessions: 150, traffic: () => 500_000 },
  { name: "step down 10x (50k)", sessions: 150, traffic: () => 50_000 },
  { name: "idle 5, then 50k", sessions: 150, traffic: (index) => (index < 5 ? 0 : 50_000) },
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
      const results = summarize(phases, simulate(phases, { seed }));
      if (seed === 1) printTable("foldDifficulty", results);
      for (const row of results) {
        expect(Math.abs(row.meanMined - Number(TARGET)) / Number(TARGET), row.name).toBeLessThan(0.15);
        expect(row.meanMined, row.name).toBeLessThan(0.5 * row.sqrtTargetTraffic);
      }
    }
  });

  test("test_simulation_defectiveEstimator_convergesToSqrt_soTheCheckDiscriminates", () => {
    const defectivePhases = phases.slice(0, 2);
    const results = summarize(defectivePhases, simulate(defectivePhases, { seed: 4, defective: true }));
    printTable("defective estimator (EMA of mined count, no division by p)", results);
    for (const row of results) {
      expect(Math.abs(row.meanMined - row.sqrtTargetTraffic) / row.sqrtTargetTraffic, row.name).toBeLessThan(
        0.15,
      );
      expect(row.meanMined, row.name).toBeGreaterThan(2 * Number(TARGET));
    }
  });

  test("test_simulation_1000Sessions_countInflatedBy2Pow60InATenth_minedStaysWithin2xOfTarget", () => {
    const attackPhases: Phase[] = [
      { name: "steady 50k", sessions: 400, traffic: () => 50_000 },
      { name: "step up 4x (200k)", sessions: 300, traffic: () => 200_000 },
      { name: "steady 200k", sessions: 300, traffic: () => 200_000 },
    ];
    for (const seed of [5, 6, 7]) {
      const pick = seeded(seed * 7919);
      const attackedSessions = new Set<number>();
      for (let session = 0; session < 1_000; session++) if (pick() < 0.1) attackedSessions.add(session);
      const records = simulate(attackPhases, { seed, attacked: (session) => attackedSessions.has(session) });
      expect(records).toHaveLength(1_000);
      expect(attackedSessions.size).toBeGreaterThan(70);
      // After convergence (the EMA climbs ×1.1 a fold from its prior of 1000 relays: ~45 sessions for 50k; a
      // step up 4× takes ~15 more), every session's mined relays stay within 2× of the target.
      const converged = records.filter(({ session }) => session >= 100 && (session < 400 || session >= 430));
      const outside = converged.filter(
        ({ mined }) => mined < Number(TARGET) / 2 || mined > 2 * Number(TARGET),
      );
      expect(outside.map(({ session, mined }) => `${session}: ${mined}`)).toEqual([]);
      const mean = converged.reduce((sum, record) => sum + record.mined, 0) / converged.length;
      if (seed === 5)
        console.log(
          `\ninflating attacker (×2^60 in ${attackedSessions.size} of 1000 sessions): mined relays per session after convergence` +
            ` ${Math.min(...converged.map((r) => r.mined))}..${Math.max(...converged.map((r) => r.mined))}, mean ${mean.toFixed(0)} (target ${TARGET})`,
        );
      // The attack biases p down (the EMA up) a little, never by 2×.
      expect(mean).toBeGreaterThan(0.75 * Number(TARGET));
      expect(mean).toBeLessThan(1.1 * Number(TARGET));
      // Each attacked fold moved the probability by less than 2× (here: the EMA by at most 1.1×).
      for (const { session } of records.filter(({ session }) => attackedSessions.has(session))) {
        const before = records[session + LAG - 1]?.probabilityWad;
        const after = records[session + LAG]?.probabilityWad;
        if (before === undefined || after === undefined) continue;
        expect(after * 2n, `session ${session}`).toBeGreaterThanOrEqual(before);
        expect(after, `session ${session}`).toBeLessThanOrEqual(before * 2n);
      }
    }
  });

  test("test_simulation_oneSessionInflatedBy2Pow60_movesPByAtMostTwofold", () => {
    const steady: Phase[] = [{ name: "steady 50k", sessions: 400, traffic: () => 50_000 }];
    const honest = simulate(steady, { seed: 8 });
    const attacked = simulate(steady, { seed: 8, attacked: (session) => session === 300 });
    // Same seed: identical until the attacked fold takes effect.
    expect(attacked.slice(0, 300 + LAG)).toEqual(
      honest
        .slice(0, 300 + LAG)
        .map((record, i) => (i === 300 ? { ...record, claimed: attacked[300]?.claimed } : record)),
    );
    const before = honest[300 + LAG]?.probabilityWad as bigint;
    const after = attacked[300 + LAG]?.probabilityWad as bigint;
    expect(after).toBeLessThan(before);
    expect(after * 2n).toBeGreaterThanOrEqual(before);
    // In fact by about 1 / (1 + α): the observation is clamped to 2 × the prior.
    expect(Number(after) / Number(before)).toBeGreaterThan(0.85);
    // And it wears off: 100 sessions on, the mined count is back at the target.
    const later = attacked.slice(380, 400);
    const mean = later.reduce((sum, record) => sum + record.mined, 0) / later.length;
    expect(Math.abs(mean - Number(TARGET)) / Number(TARGET)).toBeLessThan(0.1);
  });
});
