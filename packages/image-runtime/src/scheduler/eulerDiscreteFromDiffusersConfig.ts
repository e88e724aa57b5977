import { z } from "zod";
import { ImagePipelineManifestInvalidError } from "../errors.ts";
import type { ImagePipelineScheduler } from "../manifest/imagePipelineManifestSchema.ts";

// The fields of a diffusers `scheduler_config.json` that the Euler schedule reads, with diffusers' defaults for
// `EulerDiscreteScheduler` (SD 1.x exports ship a PNDMScheduler config; its betas are what any scheduler reuses).
const diffusersSchedulerConfigSchema = z.looseObject({
  num_train_timesteps: z.number().int().positive().default(1000),
  beta_start: z.number().positive().default(0.0001),
  beta_end: z.number().positive().default(0.02),
  beta_schedule: z.string().default("linear"),
  trained_betas: z.unknown().optional(),
  prediction_type: z.string().default("epsilon"),
  timestep_spacing: z.string().default("linspace"),
  steps_offset: z.number().int().nonnegative().default(0),
  use_karras_sigmas: z.boolean().nullable().default(false),
  interpolation_type: z.string().default("linear"),
  rescale_betas_zero_snr: z.boolean().default(false),
});

/**
 * The manifest's `scheduler` for a diffusers `scheduler_config.json`, as diffusers'
 * `EulerDiscreteScheduler.from_config(config)` would read it: `num_train_timesteps`, `beta_start`,
 * `beta_end`, `beta_schedule`, `prediction_type`, `timestep_spacing` (default `linspace`) and `steps_offset`.
 * Settings the runtime does not implement are refused rather than ignored.
 *
 * @param config - the parsed JSON.
 * @param path - the file it came from, named in errors.
 * @throws {ImagePipelineManifestInvalidError} naming the unsupported field.
 * @example
 * ```ts
 * const scheduler = eulerDiscreteFromDiffusersConfig(JSON.parse(text), "scheduler/scheduler_config.json");
 * // SD 1.5 → { kind: "euler-discrete", betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012, … }
 * ```
 */
export function eulerDiscreteFromDiffusersConfig(config: unknown, path: string): ImagePipelineScheduler {
  const invalid = (field: string, reason: string, cause?: unknown) =>
    new ImagePipelineManifestInvalidError({ path, field, reason, cause });
  const parsed = diffusersSchedulerConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue?.path.map(String).join(".") || "(root)", issue?.message ?? "invalid", parsed.error);
  }
  const settings = parsed.data;
  if (settings.trained_betas !== undefined && settings.trained_betas !== null)
    throw invalid("trained_betas", "explicit betas are not supported");
  if (settings.beta_schedule !== "linear" && settings.beta_schedule !== "scaled_linear")
    throw invalid("beta_schedule", `${settings.beta_schedule} is not supported (linear, scaled_linear)`);
  if (settings.prediction_type !== "epsilon" && settings.prediction_type !== "v_prediction")
    throw invalid("prediction_type", `${settings.prediction_type} is not supported (epsilon, v_prediction)`);
  const spacing = settings.timestep_spacing;
  if (spacing !== "linspace" && spacing !== "leading" && spacing !== "trailing")
    throw invalid("timestep_spacing", `${spacing} is not supported (linspace, leading, trailing)`);
  if (settings.use_karras_sigmas) throw invalid("use_karras_sigmas", "Karras sigmas are not supported");
  if (settings.interpolation_type !== "linear")
    throw invalid("interpolation_type", `${settings.interpolation_type} is not supported (linear)`);
  if (settings.rescale_betas_zero_snr)
    throw invalid("rescale_betas_zero_snr", "zero-terminal-SNR rescaling is not supported");
  return {
    kind: "euler-discrete",
    trainTimesteps: settings.num_train_timesteps,
    betaSchedule: settings.beta_schedule,
    betaStart: settings.beta_start,
    betaEnd: settings.beta_end,
    timestepSpacing: spacing,
    stepsOffset: settings.steps_offset,
    prediction: settings.prediction_type,
  };
}
