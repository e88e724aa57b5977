// Supplier selection (routing): who to relay a request to, in what order, and what to learn from the outcome.
export type { Candidate } from "./Candidate.ts";
export {
  type AttemptOutcome,
  type ClassifyFailureReturnType,
  classifyFailure,
  type FailureFault,
} from "./classifyFailure.ts";
export { ProviderOptionsInvalidError, RoutingParameterInvalidError } from "./errors.ts";
export { isAvailable } from "./isAvailable.ts";
export { isPriceWithin } from "./isPriceWithin.ts";
export { type PlanAttemptsParameters, planAttempts } from "./planAttempts.ts";
export {
  type ProviderOptions,
  type ProviderOptionsInput,
  parseProviderOptions,
  providerOptionsSchema,
} from "./providerOptions.ts";
export {
  type ExcludedCandidate,
  type ExclusionCode,
  PROBATION_TRAFFIC_SHARE,
  type RankCandidatesParameters,
  type RankCandidatesReturnType,
  rankCandidates,
} from "./rankCandidates.ts";
export { type RecordAuditPassParameters, recordAuditPass } from "./recordAuditPass.ts";
export { type RecordFailureParameters, recordFailure } from "./recordFailure.ts";
export { type RecordSuccessParameters, recordSuccess } from "./recordSuccess.ts";
export { DEFAULT_ROUTING_STRATEGY, type RoutingStrategy, routingStrategySchema } from "./routingStrategy.ts";
export {
  AUDIT_PASS_REPUTATION_DELTA,
  createSupplierStats,
  DEFAULT_SUPPLIER_STATS_CONFIG,
  FAILURE_REPUTATION_DELTAS,
  type FailureKind,
  INITIAL_REPUTATION,
  SUCCESS_REPUTATION_DELTA,
  type SupplierStats,
  type SupplierStatsConfig,
} from "./SupplierStats.ts";
export { type SupplierRef, SupplierStatsBook, type SupplierStatsBookOptions } from "./SupplierStatsBook.ts";
export { type ShouldHedgeParameters, shouldHedge } from "./shouldHedge.ts";
export { QUALITY_PRICE_DEFAULTS, qualityPriceScores } from "./strategies/qualityPrice.ts";
export { normalizeSupplierId } from "./supplierId.ts";
