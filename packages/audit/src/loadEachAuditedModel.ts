/**
 * Loads what each configured audited model needs (a reference model, an image pipeline), in order, keyed by the
 * model's name. On any failure the ones already loaded are released and the error is rethrown, so a gateway that
 * fails to start holds no reference.
 *
 * @param models - the configured models.
 * @param load - loads one model's reference (verified against its registration).
 * @param release - releases one loaded reference.
 * @example
 * ```ts
 * const loaded = await loadEachAuditedModel(config.audit.models, loadOne, (model) => model.reference.close());
 * ```
 */
export async function loadEachAuditedModel<Configured extends { name: string }, Loaded>(
  models: readonly Configured[],
  load: (model: Configured) => Promise<Loaded>,
  release: (loaded: Loaded) => Promise<void>,
): Promise<Map<string, Loaded>> {
  const loaded = new Map<string, Loaded>();
  try {
    for (const model of models) loaded.set(model.name, await load(model));
  } catch (error) {
    for (const model of loaded.values()) await release(model).catch(() => undefined);
    throw error;
  }
  return loaded;
}
