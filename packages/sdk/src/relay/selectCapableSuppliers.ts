import { type OpenAiRoute, type UnsupportedRequestField, unsupportedRequestField } from "@aviary/protocol";
import type { SupplierCandidateInfo } from "../discovery/discoverSuppliers.ts";
import { UNKNOWN_MODEL_CAPABILITIES } from "../discovery/fetchSupplierCapabilities.ts";
import { NoEligibleSupplierError, UnsupportedParameterError } from "../errors.ts";
import type { ProviderOptions } from "../routing/index.ts";

export type SelectCapableSuppliersParameters<
  S extends Pick<SupplierCandidateInfo, "address" | "capabilities">,
> = {
  route: OpenAiRoute;
  /** The body as sent to suppliers (router fields already split off). */
  body: Record<string, unknown>;
  /** The model's name, for messages. */
  modelName: string;
  /** The model's suppliers, with what they declare (absent: unknown). */
  suppliers: readonly S[];
  /** `provider.data_collection`. @default "allow" */
  dataCollection?: ProviderOptions["data_collection"];
};
export type SelectCapableSuppliersErrorType = UnsupportedParameterError | NoEligibleSupplierError;

/**
 * The suppliers that can serve a request as sent: those for which the protocol's one rule,
 * `unsupportedRequestField`, finds nothing in their declared capabilities (undeclared: the
 * {@link UNKNOWN_MODEL_CAPABILITIES}, plain requests only). With `data_collection: "deny"`, only those that
 * also declare `dataRetention: "none"`. No field is ever dropped to find a supplier
 * (`provider.require_parameters` is always on).
 *
 * @param parameters - the route, body, model name, the suppliers and `data_collection`.
 * @returns the capable suppliers, in their order (never empty).
 * @throws {UnsupportedParameterError} when none can serve it, naming the field most of them refused.
 * @throws {NoEligibleSupplierError} when capable suppliers exist but none declares zero data retention.
 * @example
 * ```ts
 * const capable = selectCapableSuppliers({ route: "chat/completions", body, modelName: "llama", suppliers });
 * ```
 */
export function selectCapableSuppliers<S extends Pick<SupplierCandidateInfo, "address" | "capabilities">>({
  route,
  body,
  modelName,
  suppliers,
  dataCollection = "allow",
}: SelectCapableSuppliersParameters<S>): S[] {
  const capable: S[] = [];
  // Per refused field: how many suppliers refused it, and the first refusal's message.
  const refusals = new Map<string, { count: number; first: UnsupportedRequestField }>();
  for (const supplier of suppliers) {
    const problem = unsupportedRequestField(route, body, supplier.capabilities ?? UNKNOWN_MODEL_CAPABILITIES);
    if (!problem) {
      capable.push(supplier);
      continue;
    }
    const seen = refusals.get(problem.param);
    if (seen) seen.count += 1;
    else refusals.set(problem.param, { count: 1, first: problem });
  }
  if (capable.length === 0) {
    let common: UnsupportedRequestField | undefined;
    let most = 0;
    for (const { count, first } of refusals.values()) {
      if (count > most) [common, most] = [first, count];
    }
    if (common) {
      throw new UnsupportedParameterError({
        modelName,
        param: common.param,
        reason: common.message,
        suppliers: suppliers.length,
      });
    }
    return capable;
  }
  if (dataCollection === "allow") return capable;
  const private_ = capable.filter((supplier) => supplier.capabilities?.dataRetention === "none");
  if (private_.length === 0) {
    throw new NoEligibleSupplierError({
      modelName,
      excluded: capable.map(
        (supplier) =>
          `${supplier.address}: does not declare zero data retention (provider.data_collection is "deny")`,
      ),
    });
  }
  return private_;
}
