import type { AuditConfig } from "@aviary/gateway";
import type { Address, PublicClient } from "viem";
import type { AuditedModel } from "./IntegrityMonitor.ts";
import { loadEachAuditedModel } from "./loadEachAuditedModel.ts";
import { ReferenceModel } from "./ReferenceModel.ts";
import { readAuditedModelRegistration } from "./readAuditedModelRegistration.ts";

export type LoadAuditedModelsParameters = {
  publicClient: PublicClient;
  registry: Address;
  models: AuditConfig["models"];
};

/**
 * Loads the reference of every audited model, each verified against the `weightsDigest` its source
 * registered on-chain (a reference that is not the registered weights would judge suppliers wrongly).
 * Loads sequentially; on any failure the ones already loaded are closed.
 *
 * @throws {AuditModelNotRegisteredError} a configured model is not registered.
 * @throws {ReferenceModelDigestMismatchError} a reference file is not the registered weights.
 * @throws {ReferenceModelLoadError} a reference file is missing or cannot be loaded.
 * @example
 * ```ts
 * const models = await loadAuditedModels({ publicClient, registry, models: config.audit.models });
 * ```
 */
export async function loadAuditedModels({
  publicClient,
  registry,
  models,
}: LoadAuditedModelsParameters): Promise<Map<string, AuditedModel>> {
  return loadEachAuditedModel(
    models,
    async (model) => {
      const { modelId, weightsDigest } = await readAuditedModelRegistration(
        publicClient,
        registry,
        model.name,
      );
      const reference = await ReferenceModel.load({
        model: model.name,
        path: model.referencePath,
        expectedSha256: weightsDigest,
        contextSize: model.contextSize,
        threads: model.threads,
        speculativeWindow: model.speculativeWindow,
        ...(model.batchSize === null ? {} : { batchSize: model.batchSize }),
      });
      return { name: model.name, modelId, reference, thresholds: model.thresholds };
    },
    (model) => model.reference.close(),
  );
}
