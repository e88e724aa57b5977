export { recoverDigestSigner, signDigest } from "@aviary/protocol";
export type {
  Backend,
  BackendRequest,
  BackendResponse,
  BackendRoute,
  BackendStreamEvent,
  BackendUsage,
} from "./backends/Backend.ts";
export { EmbeddedBackend } from "./backends/embedded/EmbeddedBackend.ts";
export { BackendError, BackendParameterUnsupportedError } from "./backends/errors.ts";
export {
  EmbeddedImageBackend,
  type EmbeddedImageBackendOptions,
} from "./backends/image/EmbeddedImageBackend.ts";
export { OpenAiCompatibleBackend } from "./backends/openai/OpenAiCompatibleBackend.ts";
export {
  loadSupplierConfig,
  type OpenAiBackendCapabilities,
  parseSupplierConfig,
  type SupplierConfig,
  SupplierConfigError,
  type SupplierConfigInput,
  supplierConfigSchema,
  supplierEnvironment,
} from "./config/supplierConfig.ts";
export { SupplierStartError } from "./errors.ts";
export { SessionLifecycle } from "./pipeline/SessionLifecycle.ts";
export type { LifecycleEvent } from "./pipeline/types.ts";
export { watchBlocks } from "./pipeline/watchBlocks.ts";
export { ChainView } from "./server/ChainView.ts";
export { createSupplierApp, createSupplierListener } from "./server/createSupplierApp.ts";
export { SupplierMetrics } from "./server/metrics.ts";
export { type SupplierNode, startSupplier, supplierVersion } from "./startSupplier.ts";
export { FileRelayStore, type FileRelayStoreParameters } from "./store/FileRelayStore.ts";
export { MemoryRelayStore } from "./store/MemoryRelayStore.ts";
export type { ClaimState, ClaimStatus, RelayRecord, RelayStore } from "./store/RelayStore.ts";
