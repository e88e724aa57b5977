// The suppliers of the integrity tests: honest, and four ways to cheat (issue 6).
import type { Backend } from "@aviary/supplier";
import { EmbeddedBackend } from "@aviary/supplier";
import { ensureTestModel } from "@aviary/test-models";
import { InflatingBackend } from "./InflatingBackend.ts";
import { TruncatingBackend } from "./TruncatingBackend.ts";

/**
 * - `honest`: the registered model (tiny, f16, seed 42) on the embedded runtime.
 * - `other-build`: honest on a different runtime build: the same weights stored as F32, so every log-probability
 *   moves a little (0.0015 nats RMS, 0.0067 at most on the test model) and near-ties may flip. Never a cheat.
 * - `other-model` (a): same shape, another seed (7): a different model.
 * - `lower-precision` (b): the registered model quantized to Q8_0.
 * - `inflate` (c): the registered model, billing 25 % more completion tokens (at least one more).
 * - `truncate` (d): the registered model, generating half of `max_tokens` and claiming it stopped.
 */
export type AdversaryKind =
  | "honest"
  | "other-build"
  | "other-model"
  | "lower-precision"
  | "inflate"
  | "truncate";

export const adversaryKinds: readonly AdversaryKind[] = [
  "honest",
  "other-build",
  "other-model",
  "lower-precision",
  "inflate",
  "truncate",
];

/** The registered model of the integrity tests. */
export const registeredModel = { preset: "tiny", seed: 42, type: "f16" } as const;

/** Creates (not started) the backend of a supplier of `kind`; model files are generated in `directory`. */
export async function createAdversaryBackend(
  kind: AdversaryKind,
  directory: string,
  options: { sequences?: number } = {},
): Promise<Backend> {
  const embedded = async (parameters: { seed: number; type: "f16" | "f32" | "q8_0" }) => {
    const file = await ensureTestModel({ directory, preset: "tiny", ...parameters });
    // A cheating supplier loads whatever file it likes: the digest it checks is the file's own.
    return new EmbeddedBackend({
      modelPath: file.path,
      expectedSha256: file.sha256,
      sequences: options.sequences ?? 2,
      embeddings: false,
    });
  };
  switch (kind) {
    case "honest":
      return embedded({ seed: registeredModel.seed, type: registeredModel.type });
    case "other-build":
      return embedded({ seed: registeredModel.seed, type: "f32" });
    case "other-model":
      return embedded({ seed: 7, type: "f16" });
    case "lower-precision":
      return embedded({ seed: registeredModel.seed, type: "q8_0" });
    case "inflate":
      return new InflatingBackend(await embedded({ seed: registeredModel.seed, type: registeredModel.type }));
    case "truncate":
      return new TruncatingBackend(
        await embedded({ seed: registeredModel.seed, type: registeredModel.type }),
      );
  }
}
