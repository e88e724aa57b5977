import type { ModelCapabilities } from "@aviary/protocol";
import type { ServedModel } from "./verifyRelay.ts";

/**
 * What this node declares for a served model in `GET /v1/supplier` (`models[].capabilities`): the runtime's
 * own capabilities (read at each call: a backend may be replaced while the node runs) and the operator's data
 * policy from the configuration.
 *
 * @param model - the served model.
 * @example
 * ```ts
 * servedModelCapabilities(model); // { backend: "embedded", tools: true, …, dataRetention: "unspecified" }
 * ```
 */
export function servedModelCapabilities(model: ServedModel): ModelCapabilities {
  return { ...model.backend.capabilities(), dataRetention: model.dataRetention ?? "unspecified" };
}
