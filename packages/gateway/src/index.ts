export { ApplicationPool } from "./applications/ApplicationPool.ts";
export {
  AuditModelNotRegisteredError,
  AuditRelayFailedError,
  ReferenceModelDigestMismatchError,
  ReferenceModelLoadError,
} from "./audit/errors.ts";
export { type AuditOutcome, IntegrityMonitor } from "./audit/IntegrityMonitor.ts";
export { ReferenceModel } from "./audit/ReferenceModel.ts";
export {
  type AuditConfig,
  auditConfigSchema,
  type GatewayConfig,
  GatewayConfigError,
  type GatewayConfigInput,
  gatewayConfigSchema,
  gatewayStoreOptions,
  loadGatewayConfig,
  parseGatewayConfig,
} from "./config/gatewayConfig.ts";
export { ModelEvaluationBoard, type ModelEvaluations } from "./evaluation/ModelEvaluationBoard.ts";
export { type SupplierEvaluation, SupplierEvaluationBook } from "./evaluation/SupplierEvaluationBook.ts";
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
export type { RelayedExchange, RelayObserver } from "./server/handleRelay.ts";
export { GatewayMetrics } from "./server/metrics.ts";
export { type GatewayNode, startGateway } from "./startGateway.ts";
export { createGatewayStore } from "./store/createGatewayStore.ts";
export type {
  ApiKeyRecord,
  AuditRecord,
  CreatedApiKey,
  EvidenceRecord,
  GatewayStore,
  UsageRecord,
} from "./store/GatewayStore.ts";
