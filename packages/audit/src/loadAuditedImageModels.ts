import type { AuditedImageModelConfig } from "@aviary/gateway";
import { loadImagePipeline } from "@aviary/image-runtime";
import type { Address, PublicClient } from "viem";
import type { ImageComparison } from "./auditImageExchange.ts";
import { ReferenceModelDigestMismatchError, ReferenceModelLoadError } from "./errors.ts";
import type { AuditedImageModel } from "./IntegrityMonitor.ts";
import { loadEachAuditedModel } from "./loadEachAuditedModel.ts";
import { readAuditedModelRegistration } from "./readAuditedModelRegistration.ts";

export type LoadAuditedImageModelsParameters = {
  publicClient: PublicClient;
  registry: Address;
  models: readonly AuditedImageModelConfig[];
};

/**
 * Loads the reference pipeline of every audited image model, each verified against the `weightsDigest` its
 * source registered on-chain (the manifest's sha256, which pins every part). On any failure the pipelines
 * already loaded are closed.
 *
 * @throws {AuditModelNotRegisteredError} a configured model is not registered.
 * @throws {ReferenceModelDigestMismatchError} a reference pipeline is not the registered one.
 * @throws {ReferenceModelLoadError} a reference pipeline is missing or cannot be loaded.
 * @example
 * ```ts
 * const images = await loadAuditedImageModels({ publicClient, registry, models: config.audit.imageModels });
 * ```
 */
export async function loadAuditedImageModels({
  publicClient,
  registry,
  models,
}: LoadAuditedImageModelsParameters): Promise<Map<string, AuditedImageModel>> {
  return loadEachAuditedModel(
    models,
    async (model) => {
      const { modelId, weightsDigest } = await readAuditedModelRegistration(
        publicClient,
        registry,
        model.name,
      );
      const pipeline = await loadImagePipeline(model.referencePath, { threads: model.threads }).catch(
        (cause: unknown) => {
          throw new ReferenceModelLoadError({
            path: model.referencePath,
            reason: (cause as Error).message.split("\n")[0] ?? "unknown",
            cause,
          });
        },
      );
      if (pipeline.digest.toLowerCase() !== weightsDigest.toLowerCase()) {
        await pipeline.close().catch(() => undefined);
        throw new ReferenceModelDigestMismatchError({
          model: model.name,
          path: pipeline.path,
          expected: weightsDigest,
          actual: pipeline.digest,
        });
      }
      const maxSteps = pipeline.limits.maxSteps;
      // Audit sizes: the configured ones the pipeline renders (a size it cannot render is a config mistake).
      const sizes = model.sizes ?? pipeline.limits.sizes;
      const unrendered = sizes.filter((size) => !pipeline.limits.sizes.includes(size));
      if (unrendered.length > 0) {
        await pipeline.close().catch(() => undefined);
        throw new ReferenceModelLoadError({
          path: model.referencePath,
          reason: `audit.imageModels[].sizes names ${unrendered.join(", ")}, which the pipeline does not render (it renders ${pipeline.limits.sizes.join(", ")})`,
        });
      }
      const comparison: ImageComparison = { comparison: model.comparison, maxDistance: model.maxDistance };
      return {
        name: model.name,
        modelId,
        pipeline,
        comparison,
        steps: { min: Math.min(model.steps.min, maxSteps), max: Math.min(model.steps.max, maxSteps) },
        maxImages: model.maxImages,
        sizes,
      };
    },
    (model) => model.pipeline.close(),
  );
}
