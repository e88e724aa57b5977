import type { GatewayIntegrityContext } from "@aviary/gateway";
import { ImageAuditGallery } from "./ImageAuditGallery.ts";
import { IntegrityMonitor } from "./IntegrityMonitor.ts";
import { loadAuditedImageModels } from "./loadAuditedImageModels.ts";
import { loadAuditedModels } from "./loadAuditedModels.ts";

/**
 * The gateway's integrity auditor (`GatewayIntegrityFactory` of `@aviary/gateway`): loads the reference of
 * every model in `config.models` and `config.imageModels`, each verified against the digest its source
 * registered on-chain, then opens the gateway's audit key and creates the {@link IntegrityMonitor}.
 * `startGateway` restores, starts and stops it.
 *
 * @param context - what `startGateway` gives an auditor.
 * @throws {AuditModelNotRegisteredError} a configured model is not registered.
 * @throws {ReferenceModelDigestMismatchError} a reference is not the registered weights.
 * @throws {ReferenceModelLoadError} a reference is missing or cannot be loaded.
 * @example
 * ```ts
 * import { createIntegrityMonitor } from "@aviary/audit";
 * const gateway = await startGateway(config, { integrity: createIntegrityMonitor });
 * await gateway.integrity?.runAudit({ supplier, model: "llama" });
 * ```
 */
export async function createIntegrityMonitor(context: GatewayIntegrityContext): Promise<IntegrityMonitor> {
  const { config, publicClient, registry, logger } = context;
  const models = await loadAuditedModels({ publicClient, registry, models: config.models });
  const imageModels = await loadAuditedImageModels({
    publicClient,
    registry,
    models: config.imageModels,
  }).catch(async (error) => {
    for (const model of models.values()) await model.reference.close().catch(() => undefined);
    throw error;
  });
  const { keyId, relay } = await context.openAuditKey();
  const monitor = new IntegrityMonitor({
    config,
    models,
    imageModels,
    gallery: new ImageAuditGallery({ perSupplier: config.imageRendersPerSupplier }),
    store: context.store,
    book: context.book,
    evaluation: context.evaluation,
    board: context.board,
    logger,
    auditKeyId: keyId,
    relay,
    suppliersOf: context.suppliersOf,
  });
  logger.info(
    { models: [...models.keys()], imageModels: [...imageModels.keys()] },
    "integrity audits enabled",
  );
  return monitor;
}
