// @aviary/protocol: the off-chain mirror of the Aviary contracts. Pure functions, no I/O.
// Sections follow the folders: ABIs (generated), constants, difficulty, EIP-712 relays, errors, mining and
// proof draws, money, sessions, sparse Merkle sum trie.

export * from "./abis.generated.ts";
// Chain definition
export { type AviaryChainParameters, aviaryChain } from "./chain/aviaryChain.ts";
export * from "./constants.ts";
export * from "./deployment/deploymentFile.ts";
export * from "./difficulty/foldDifficulty.ts";
export * from "./eip712/hashRelayReceipt.ts";
export * from "./eip712/hashRelayRequest.ts";
export * from "./eip712/recoverRelayReceiptSigner.ts";
export * from "./eip712/recoverRelayRequestSigner.ts";
export * from "./eip712/relayDomainSeparator.ts";
export * from "./eip712/relayKey.ts";
export * from "./eip712/relayTypes.ts";
export * from "./eip712/relayValueHash.ts";
export * from "./eip712/schemas.ts";
export * from "./eip712/signRelayReceipt.ts";
export * from "./eip712/signRelayRequest.ts";
export * from "./errors/BaseError.ts";
export * from "./errors/sessions.ts";
export * from "./errors/signatures.ts";
export * from "./errors/trie.ts";
export * from "./errors/values.ts";
export * from "./hashing/keccak256Hex.ts";
export * from "./mining/claimKey.ts";
export * from "./mining/isBelow.ts";
export * from "./mining/isMined.ts";
export * from "./mining/isProofRequired.ts";
export * from "./mining/proofDraws.ts";
// OpenAI wire schemas
export * from "./openai/chatHistoryParameters.ts";
export * from "./openai/formatToolCallJson.ts";
export * from "./openai/parseOpenAiBody.ts";
export * from "./openai/renderToolInstructions.ts";
export * from "./openai/requestedImageUnits.ts";
export * from "./openai/requestFields.ts";
export * from "./openai/schemas.ts";
export * from "./openai/toChatHistory.ts";
export * from "./pricing/claimAmount.ts";
export * from "./pricing/claimCollateral.ts";
export * from "./pricing/isRelayCostValid.ts";
export * from "./pricing/relayCost.ts";
export * from "./pricing/sessionBudget.ts";
export * from "./pricing/settlementPayout.ts";
export * from "./pricing/splitPayment.ts";
// Deterministic randomness for reproducible draws (kept here: sdk and supplier tests share it with @aviary/audit)
export * from "./random/relaySamplingSeed.ts";
export * from "./random/seededRandom.ts";
export * from "./sessions/pendingSessions.ts";
export * from "./sessions/sessionChecks.ts";
export * from "./sessions/sessionOf.ts";
export * from "./sessions/sessionPhase.ts";
export * from "./sessions/sessionWindows.ts";
export type { SessionParams, SessionParamsProblem } from "./sessions/types.ts";
export { sessionParamsProblems } from "./sessions/types.ts";
// Fast secp256k1 over 32-byte digests (libsecp256k1 binding)
export {
  type RecoverDigestSignerErrorType,
  recoverDigestSigner,
  type SignDigestErrorType,
  signDigest,
} from "./signatures/digestSignatures.ts";
export {
  type IsValidSignatureEncodingErrorType,
  isValidSignatureEncoding,
} from "./signatures/isValidSignatureEncoding.ts";
// HTTP transport (protocol.md §4)
export * from "./transport/index.ts";
export * from "./trie/buildSumTrie.ts";
export * from "./trie/fromCompactProof.ts";
export * from "./trie/hashTrieInner.ts";
export * from "./trie/hashTrieLeaf.ts";
export * from "./trie/proveClaim.ts";
export * from "./trie/SumTrie.ts";
export * from "./trie/toCompactProof.ts";
export * from "./trie/types.ts";
export * from "./trie/verifyRelayProof.ts";
export * from "./trie/verifyWeightedProof.ts";
