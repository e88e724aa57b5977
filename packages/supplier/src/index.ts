export type {
  Backend,
  BackendRequest,
  BackendResponse,
  BackendRoute,
  BackendStreamEvent,
  BackendUsage,
} from "./backends/Backend.ts";
export {
  loadSupplierConfig,
  parseSupplierConfig,
  type SupplierConfig,
  SupplierConfigError,
  type SupplierConfigInput,
  supplierConfigSchema,
  supplierEnvironment,
} from "./config/supplierConfig.ts";
export { SupplierStartError } from "./errors.ts";
export { ChainView } from "./server/ChainView.ts";
export { createSupplierApp } from "./server/createSupplierApp.ts";
export { SupplierMetrics } from "./server/metrics.ts";
export { recoverDigestSigner, signDigest } from "./server/signatures.ts";
export { type SupplierNode, startSupplier, supplierVersion } from "./startSupplier.ts";
export { ensureTestModel, testModelName, testModelPresets, writeTestModelGguf } from "./testModel/writeTestModelGguf.ts";
export type { ClaimState, ClaimStatus, RelayRecord, RelayStore } from "./store/RelayStore.ts";
