export { ApplicationPool } from "./applications/ApplicationPool.ts";
export {
  type AuditThresholds,
  type AuditThresholdsInput,
  auditThresholdsSchema,
} from "./config/auditThresholdsSchema.ts";
export {
  type AuditConfig,
  type AuditedImageModelConfig,
  auditConfigSchema,
  type GatewayConfig,
  GatewayConfigError,
  type GatewayConfigInput,
  gatewayConfigSchema,
  gatewayStoreOptions,
  loadGatewayConfig,
  parseGatewayConfig,
} from "./config/gatewayConfig.ts";
export { createEvaluationObserver } from "./evaluation/createEvaluationObserver.ts";
export { ModelEvaluationBoard, type ModelEvaluations } from "./evaluation/ModelEvaluationBoard.ts";
export { type SupplierEvaluation, SupplierEvaluationBook } from "./evaluation/SupplierEvaluationBook.ts";
export { IntegrityFactoryMissingError } from "./integrity/errors.ts";
export type {
  AuditTarget,
  GatewayIntegrity,
  GatewayIntegrityContext,
  GatewayIntegrityFactory,
  ImageAuditRender,
  IntegrityRelay,
  SequentialTestSnapshot,
} from "./integrity/GatewayIntegrity.ts";
export {
  type ReconcileClaimsReturnType,
  reconcileClaims,
  type UnreconciledClaim,
} from "./reconcile/reconcileClaims.ts";
export {
  type Equivocation,
  type ReconcileProvenLeavesReturnType,
  reconcileProvenLeaves,
} from "./reconcile/reconcileProvenLeaves.ts";
export { createGatewayApp } from "./server/createGatewayApp.ts";
export type { RelayedExchange, RelayedResponse, RelayHooks, RelayObserver } from "./server/handleRelay.ts";
export { GatewayMetrics } from "./server/metrics.ts";
export { type GatewayNode, type StartGatewayOptions, startGateway } from "./startGateway.ts";
export { createGatewayStore } from "./store/createGatewayStore.ts";
export type {
  ApiKeyRecord,
  AuditRecord,
  CreatedApiKey,
  EvidenceKind,
  EvidenceRecord,
  GatewayStore,
  UsageRecord,
} from "./store/GatewayStore.ts";
