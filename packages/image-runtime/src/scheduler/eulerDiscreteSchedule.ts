import type { ImagePipelineScheduler } from "../manifest/imagePipelineManifestSchema.ts";

export type EulerDiscreteSchedule = {
  /** The timestep given to the denoiser at each step (`steps` values, descending). */
  timesteps: number[];
  /** The noise level at each step, then 0 (`steps + 1` values, descending). */
  sigmas: number[];
  /** The initial latent is standard Gaussian noise times this. */
  initialNoiseSigma: number;
};

/**
 * The sigmas and timesteps of diffusers' `EulerDiscreteScheduler` for `steps` steps: betas (linear or
 * scaled-linear) → cumulative alphas → training sigmas √((1−ᾱ)/ᾱ), sampled at the spaced timesteps by linear
 * interpolation, then a final 0. Plain float64 arithmetic, so the same inputs give the same schedule.
 *
 * @param scheduler - the manifest's `scheduler`.
 * @param steps - denoising steps (≥ 1).
 * @example
 * ```ts
 * const { sigmas, timesteps } = eulerDiscreteSchedule(manifest.scheduler, 20);
 * ```
 */
export function eulerDiscreteSchedule(
  scheduler: ImagePipelineScheduler,
  steps: number,
): EulerDiscreteSchedule {
  const { trainTimesteps, betaStart, betaEnd } = scheduler;
  const trainSigmas: number[] = [];
  let alphaProduct = 1;
  for (let index = 0; index < trainTimesteps; index++) {
    const fraction = trainTimesteps === 1 ? 0 : index / (trainTimesteps - 1);
    const beta =
      scheduler.betaSchedule === "linear"
        ? betaStart + (betaEnd - betaStart) * fraction
        : (Math.sqrt(betaStart) + (Math.sqrt(betaEnd) - Math.sqrt(betaStart)) * fraction) ** 2;
    alphaProduct *= 1 - beta;
    trainSigmas.push(Math.sqrt((1 - alphaProduct) / alphaProduct));
  }
  const timesteps = spacedTimesteps(scheduler, steps);
  const sigmas = timesteps.map((timestep) => interpolate(trainSigmas, timestep));
  sigmas.push(0);
  const maxSigma = Math.max(...sigmas);
  // diffusers: linspace/trailing spacing starts at the top sigma, leading at √(σ²+1).
  const initialNoiseSigma =
    scheduler.timestepSpacing === "leading" ? Math.sqrt(maxSigma * maxSigma + 1) : maxSigma;
  return { timesteps, sigmas, initialNoiseSigma };
}

function spacedTimesteps(scheduler: ImagePipelineScheduler, steps: number): number[] {
  const last = scheduler.trainTimesteps - 1;
  const ascending: number[] = [];
  if (scheduler.timestepSpacing === "linspace") {
    for (let index = 0; index < steps; index++)
      ascending.push(steps === 1 ? 0 : (last * index) / (steps - 1));
  } else if (scheduler.timestepSpacing === "leading") {
    const ratio = Math.floor(scheduler.trainTimesteps / steps);
    for (let index = 0; index < steps; index++) ascending.push(index * ratio + scheduler.stepsOffset);
  } else {
    const ratio = scheduler.trainTimesteps / steps;
    for (let index = steps; index >= 1; index--) ascending.push(Math.round(index * ratio) - 1);
    ascending.reverse();
  }
  return ascending.reverse().map((timestep) => Math.min(Math.max(timestep, 0), last));
}

function interpolate(values: number[], position: number): number {
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, values.length - 1);
  const weight = position - lower;
  return (values[lower] ?? 0) * (1 - weight) + (values[upper] ?? 0) * weight;
}
