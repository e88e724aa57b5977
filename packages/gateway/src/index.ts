export { ApplicationPool } from "./applications/ApplicationPool.ts";
export {
  type GatewayConfig,
  GatewayConfigError,
  type GatewayConfigInput,
  gatewayConfigSchema,
  gatewayStoreOptions,
  loadGatewayConfig,
  parseGatewayConfig,
} from "./config/gatewayConfig.ts";
export { type ClaimMismatch, reconcileClaims } from "./reconcile/reconcileClaims.ts";
export { type Equivocation, reconcileProvenLeaves } from "./reconcile/reconcileProvenLeaves.ts";
export { createGatewayApp } from "./server/createGatewayApp.ts";
export { GatewayMetrics } from "./server/metrics.ts";
export { type GatewayNode, startGateway } from "./startGateway.ts";
export { createGatewayStore } from "./store/createGatewayStore.ts";
export type { ApiKeyRecord, CreatedApiKey, GatewayStore, UsageRecord } from "./store/GatewayStore.ts";
