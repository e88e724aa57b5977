// @aviary/explorer: a web UI over the chain (both contracts' events, indexed in memory) and the gateways'
// public APIs. `startExplorer` runs it; the pieces are exported for tools that want the index or the views.

export {
  ExplorerBadRequestError,
  ExplorerStartError,
  GatewayPublicApiError,
} from "./errors.ts";
export {
  type FetchGatewayJsonErrorType,
  type FetchGatewayJsonParameters,
  type FetchGatewayJsonReturnType,
  fetchGatewayJson,
} from "./gateways/fetchGatewayJson.ts";
export { GatewayPoller, type GatewayPollerParameters, type GatewayStatus } from "./gateways/GatewayPoller.ts";
export {
  type GatewayEvaluation,
  type GatewayEvidence,
  type GatewaySupplier,
  type GatewaySuppliersResponse,
  gatewayEvaluationSchema,
  gatewayEvidenceResponseSchema,
  gatewayEvidenceSchema,
  gatewaySupplierSchema,
  gatewaySuppliersResponseSchema,
} from "./gateways/schemas.ts";
export { ChainIndexer, type ChainIndexerParameters } from "./indexer/ChainIndexer.ts";
export type { ExplorerState } from "./indexer/types.ts";
export { type CreateExplorerAppParameters, createExplorerApp } from "./server/createExplorerApp.ts";
export {
  type StartExplorerErrorType,
  type StartExplorerParameters,
  type StartExplorerReturnType,
  startExplorer,
} from "./startExplorer.ts";
export type { ClaimStatus, ExplorerData } from "./views/types.ts";
