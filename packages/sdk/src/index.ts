// @aviary/sdk: the client library for applications and gateways. Chain actions (viem-style, one per file),
// supplier discovery, direct relays with receipt verification and failover, routing, and an OpenAI-compatible
// `fetch` for the official `openai` client.

// ───────────── chain actions ─────────────

export {
  type ClaimErrorType,
  type ClaimParameters,
  type ClaimReturnType,
  claim,
} from "./actions/claim.ts";
export {
  type DelegateGatewayErrorType,
  type DelegateGatewayParameters,
  type DelegateGatewayReturnType,
  delegateGateway,
} from "./actions/delegateGateway.ts";
export {
  type GetApplicationDelegatesErrorType,
  type GetApplicationDelegatesParameters,
  type GetApplicationDelegatesReturnType,
  getApplicationDelegates,
} from "./actions/getApplicationDelegates.ts";
export {
  type GetApplicationStakeErrorType,
  type GetApplicationStakeParameters,
  type GetApplicationStakeReturnType,
  getApplicationStake,
} from "./actions/getApplicationStake.ts";
export {
  type AviaryClaim,
  type GetClaimErrorType,
  type GetClaimParameters,
  type GetClaimReturnType,
  getClaim,
} from "./actions/getClaim.ts";
export {
  type GetCurrentSessionErrorType,
  type GetCurrentSessionParameters,
  type GetCurrentSessionReturnType,
  getCurrentSession,
} from "./actions/getCurrentSession.ts";
export {
  type GetGatewayStakeErrorType,
  type GetGatewayStakeParameters,
  type GetGatewayStakeReturnType,
  getGatewayStake,
} from "./actions/getGatewayStake.ts";
export {
  type GetMiningProbabilityErrorType,
  type GetMiningProbabilityParameters,
  type GetMiningProbabilityReturnType,
  getMiningProbability,
} from "./actions/getMiningProbability.ts";
export {
  type GetMiningSeedErrorType,
  type GetMiningSeedParameters,
  type GetMiningSeedReturnType,
  getMiningSeed,
} from "./actions/getMiningSeed.ts";
export {
  type GetModelErrorType,
  type GetModelParameters,
  type GetModelReturnType,
  getModel,
} from "./actions/getModel.ts";
export {
  type GetProofDrawsErrorType,
  type GetProofDrawsParameters,
  type GetProofDrawsReturnType,
  getProofDraws,
} from "./actions/getProofDraws.ts";
export {
  type GetProofRequiredErrorType,
  type GetProofRequiredParameters,
  type GetProofRequiredReturnType,
  getProofRequired,
} from "./actions/getProofRequired.ts";
export {
  type GetProofSeedErrorType,
  type GetProofSeedParameters,
  type GetProofSeedReturnType,
  getProofSeed,
} from "./actions/getProofSeed.ts";
export {
  type GetRegistryParamsErrorType,
  type GetRegistryParamsParameters,
  type GetRegistryParamsReturnType,
  getRegistryParams,
} from "./actions/getRegistryParams.ts";
export {
  type GetSessionTotalErrorType,
  type GetSessionTotalParameters,
  type GetSessionTotalReturnType,
  getSessionTotal,
} from "./actions/getSessionTotal.ts";
export {
  type GetSessionWindowsErrorType,
  type GetSessionWindowsParameters,
  type GetSessionWindowsReturnType,
  getSessionWindows,
} from "./actions/getSessionWindows.ts";
export {
  type GetStakeTokenErrorType,
  type GetStakeTokenParameters,
  type GetStakeTokenReturnType,
  getStakeToken,
} from "./actions/getStakeToken.ts";
export {
  type GetSupplierCollateralErrorType,
  type GetSupplierCollateralParameters,
  type GetSupplierCollateralReturnType,
  getSupplierCollateral,
} from "./actions/getSupplierCollateral.ts";
export {
  type GetSupplierOfferErrorType,
  type GetSupplierOfferParameters,
  type GetSupplierOfferReturnType,
  getSupplierOffer,
} from "./actions/getSupplierOffer.ts";
export {
  type GetSupplierStakeErrorType,
  type GetSupplierStakeParameters,
  type GetSupplierStakeReturnType,
  getSupplierStake,
} from "./actions/getSupplierStake.ts";
export {
  type GetTokenBalanceErrorType,
  type GetTokenBalanceParameters,
  type GetTokenBalanceReturnType,
  getTokenBalance,
} from "./actions/getTokenBalance.ts";
export {
  type GetTokenDecimalsErrorType,
  type GetTokenDecimalsParameters,
  type GetTokenDecimalsReturnType,
  getTokenDecimals,
} from "./actions/getTokenDecimals.ts";
export {
  type GetTotalHeldErrorType,
  type GetTotalHeldParameters,
  type GetTotalHeldReturnType,
  getTotalHeld,
} from "./actions/getTotalHeld.ts";
export type {
  AviaryWriteClients,
  AviaryWriteOptions,
  AviaryWriteReturnType,
} from "./actions/internal/clients.ts";
export {
  type IsDelegatedAtErrorType,
  type IsDelegatedAtParameters,
  type IsDelegatedAtReturnType,
  isDelegatedAt,
} from "./actions/isDelegatedAt.ts";
export {
  type AviaryClaimEntry,
  type ClaimStatus,
  type ListClaimsErrorType,
  type ListClaimsParameters,
  type ListClaimsReturnType,
  listClaims,
} from "./actions/listClaims.ts";
export {
  type AviaryModel,
  type ListModelsErrorType,
  type ListModelsParameters,
  type ListModelsReturnType,
  listModels,
} from "./actions/listModels.ts";
export {
  type ListSuppliersErrorType,
  type ListSuppliersParameters,
  type ListSuppliersReturnType,
  listSuppliers,
} from "./actions/listSuppliers.ts";
export {
  type LeafProof,
  type ProveErrorType,
  type ProveParameters,
  type ProveReturnType,
  prove,
} from "./actions/prove.ts";
export {
  type RecordSeedErrorType,
  type RecordSeedParameters,
  type RecordSeedReturnType,
  recordSeed,
} from "./actions/recordSeed.ts";
export {
  type ModelKind,
  modelKinds,
  type RegisterModelErrorType,
  type RegisterModelParameters,
  type RegisterModelReturnType,
  registerModel,
} from "./actions/registerModel.ts";
export {
  type RemoveOfferErrorType,
  type RemoveOfferParameters,
  type RemoveOfferReturnType,
  removeOffer,
} from "./actions/removeOffer.ts";
export {
  type SetOfferErrorType,
  type SetOfferParameters,
  type SetOfferReturnType,
  setOffer,
} from "./actions/setOffer.ts";
export {
  type SettleErrorType,
  type SettleParameters,
  type SettleReturnType,
  settle,
} from "./actions/settle.ts";
export {
  type StakeApplicationErrorType,
  type StakeApplicationParameters,
  type StakeApplicationReturnType,
  stakeApplication,
} from "./actions/stakeApplication.ts";
export {
  type StakeGatewayErrorType,
  type StakeGatewayParameters,
  type StakeGatewayReturnType,
  stakeGateway,
} from "./actions/stakeGateway.ts";
export {
  type StakeSupplierErrorType,
  type StakeSupplierParameters,
  type StakeSupplierReturnType,
  stakeSupplier,
} from "./actions/stakeSupplier.ts";
export {
  type UndelegateGatewayErrorType,
  type UndelegateGatewayParameters,
  type UndelegateGatewayReturnType,
  undelegateGateway,
} from "./actions/undelegateGateway.ts";
export {
  type UnstakeGatewayErrorType,
  type UnstakeGatewayParameters,
  type UnstakeGatewayReturnType,
  unstakeGateway,
} from "./actions/unstakeGateway.ts";
export {
  type WithdrawGatewayErrorType,
  type WithdrawGatewayParameters,
  type WithdrawGatewayReturnType,
  withdrawGateway,
} from "./actions/withdrawGateway.ts";
// Node configuration helpers shared by the supplier and the gateway
export { applyDeploymentFile } from "./config/applyDeploymentFile.ts";
// ───────────── the OpenAI-compatible fetch ─────────────
export { type CreateAviaryFetchParameters, createAviaryFetch } from "./createAviaryFetch.ts";
// ───────────── discovery ─────────────
export {
  type DiscoverSuppliersErrorType,
  type DiscoverSuppliersParameters,
  type DiscoverSuppliersReturnType,
  discoverSuppliers,
  type SupplierCandidateInfo,
} from "./discovery/discoverSuppliers.ts";
export {
  type FetchSupplierCapabilitiesErrorType,
  type FetchSupplierCapabilitiesParameters,
  type FetchSupplierCapabilitiesReturnType,
  fetchSupplierCapabilities,
  UNKNOWN_MODEL_CAPABILITIES,
} from "./discovery/fetchSupplierCapabilities.ts";
export { SupplierDirectory, type SupplierDirectoryParameters } from "./discovery/SupplierDirectory.ts";
// ───────────── errors ─────────────
export {
  AccountMissingError,
  BaseError,
  ChainReadError,
  ContractRevertedError,
  NoEligibleSupplierError,
  NoSupplierError,
  ReceiptInvalidError,
  type ReceiptInvalidReason,
  RelayAbortedError,
  RelayAttemptError,
  type RelayAttemptFailureKind,
  RelayBodyInvalidError,
  RelayFailedError,
  StreamBrokenError,
  type StreamBrokenReason,
  SupplierCapabilitiesError,
  TransactionEventMissingError,
  TransactionRevertedError,
  UnsupportedParameterError,
} from "./errors.ts";
export {
  type CreateModelListingParameters,
  type CreateModelListingReturnType,
  createModelListing,
  type ModelListing,
  type OfferedModel,
} from "./models/createModelListing.ts";
export { sha256File } from "./models/sha256File.ts";
export { buildRelayRequest } from "./relay/buildRelayRequest.ts";
// ───────────── relays: the pipeline (parse → prepare → plan → sign → send → report → encode) ─────────────
export {
  type CreateAccountRelaySignerParameters,
  type CreateAccountRelaySignerReturnType,
  createAccountRelaySigner,
} from "./relay/createAccountRelaySigner.ts";
// ───────────── relays: the pieces ─────────────
export { createSseParser, type SseItem, type SseParser } from "./relay/createSseParser.ts";
export {
  type EncodeRelayResponseParameters,
  type EncodeRelayResponseReturnType,
  encodeRelayResponse,
  type RelayStreamEnding,
} from "./relay/encodeRelayResponse.ts";
export {
  DEFAULT_MAX_TOKENS,
  type EstimateMaxCostParameters,
  type EstimateMaxCostReturnType,
  estimateMaxCost,
  MESSAGE_OVERHEAD_UNITS,
} from "./relay/estimateMaxCost.ts";
export {
  MAX_FALLBACK_MODELS,
  type ParsedRelayBody,
  type ParseRelayBodyErrorType,
  type ParseRelayBodyParameters,
  type ParseRelayBodyReturnType,
  parseRelayBody,
} from "./relay/parseRelayBody.ts";
export { type PlainRelayAnswer, plainRelayAnswer, rememberPlainAnswer } from "./relay/plainRelayAnswer.ts";
export {
  type PlannedCandidate,
  type PlanRelayErrorType,
  type PlanRelayParameters,
  type PlanRelayReturnType,
  planRelay,
} from "./relay/planRelay.ts";
export {
  type PreparedRelayBody,
  type PrepareRelayBodyParameters,
  type PrepareRelayBodyReturnType,
  prepareRelayBody,
  relayMaxCost,
} from "./relay/prepareRelayBody.ts";
export type { RelaySigner, RelaySignParameters, SignedRelay } from "./relay/RelaySigner.ts";
export { randomNonce } from "./relay/randomNonce.ts";
export { recordRelayAttempt } from "./relay/recordRelayAttempt.ts";
export {
  type RelayErrorAnswer,
  relayErrorAnswer,
  relayErrorResponse,
  streamErrorBody,
} from "./relay/relayErrorResponse.ts";
export {
  type RelayHedgedParameters,
  type RelayHedgedReturnType,
  relayHedged,
} from "./relay/relayHedged.ts";
export {
  type RelayAttemptOptions,
  type RelayAttemptOutcome,
  type RelayAttemptReport,
  type RelayCandidate,
  type RelayWithFailoverErrorType,
  type RelayWithFailoverParameters,
  type RelayWithFailoverReturnType,
  relayWithFailover,
  type SignedRelayAttempt,
} from "./relay/relayWithFailover.ts";
export {
  isModelFallbackError,
  type RelayWithModelFallbackParameters,
  type RelayWithModelFallbackReturnType,
  relayWithModelFallback,
} from "./relay/relayWithModelFallback.ts";
export { type ReportRelayAttemptParameters, reportRelayAttempt } from "./relay/reportRelayAttempt.ts";
export { SupplierDistrust, type SupplierDistrustParameters } from "./relay/SupplierDistrust.ts";
export {
  type SelectCapableSuppliersErrorType,
  type SelectCapableSuppliersParameters,
  selectCapableSuppliers,
} from "./relay/selectCapableSuppliers.ts";
export {
  type PlannedRelayResult,
  type SendPlannedRelayParameters,
  type SendPlannedRelayReturnType,
  sendPlannedRelay,
} from "./relay/sendPlannedRelay.ts";
export {
  type RelayJsonResult,
  type RelayStreamEvent,
  type RelayStreamResult,
  type SendRelayAttemptErrorType,
  type SendRelayAttemptParameters,
  type SendRelayAttemptReturnType,
  sendRelayAttempt,
} from "./relay/sendRelayAttempt.ts";
export { toAttemptOutcome } from "./relay/toAttemptOutcome.ts";
export {
  type CreateFetchRelayTransportReturnType,
  createFetchRelayTransport,
} from "./relay/transport/createFetchRelayTransport.ts";
export {
  type CreateUndiciRelayTransportParameters,
  type CreateUndiciRelayTransportReturnType,
  createUndiciRelayTransport,
  defaultRelayTransport,
} from "./relay/transport/createUndiciRelayTransport.ts";
export type {
  RelayTransport,
  RelayTransportRequest,
  RelayTransportResponse,
} from "./relay/transport/RelayTransport.ts";
export {
  type RecoverSigner,
  type VerifiedReceipt,
  type VerifyRelayReceiptErrorType,
  type VerifyRelayReceiptParameters,
  type VerifyRelayReceiptReturnType,
  verifyRelayReceipt,
} from "./relay/verifyRelayReceipt.ts";
// ───────────── routing (supplier stats, ranking, failover classification) ─────────────
// ───────────── the Responses API over chat/completions relays ─────────────

export { ResponsesUpstreamInvalidError } from "./responses/errors.ts";
export {
  RESPONSE_ITEM_MEMORY_MAX_BYTES,
  RESPONSE_ITEM_MEMORY_MAX_ITEMS,
  RESPONSE_ITEM_TTL_MS,
  type RememberedResponseItem,
  ResponseItemMemory,
  type ResponseItemMemoryParameters,
} from "./responses/ResponseItemMemory.ts";
export { type RelayResponsesParameters, relayResponses } from "./responses/relayResponses.ts";
export {
  type ResponsesFieldSupport,
  type ResponsesRequestField,
  responsesRequestField,
  responsesRequestFields,
} from "./responses/responsesRequestFields.ts";
export {
  type ResponsesRequest,
  toChatCompletionRequest,
} from "./responses/toChatCompletionRequest.ts";
export { toResponseEventStream } from "./responses/toResponseEventStream.ts";
export { toResponseObject } from "./responses/toResponseObject.ts";
export * from "./routing/index.ts";
