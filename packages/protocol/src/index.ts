// @aviary/protocol: the off-chain mirror of the Aviary contracts. Pure functions, no I/O.

// ABIs (generated from the forge output by the lead).
export * from "./abis.generated.ts";

export { BPS, HASH_UNIT_PER_WAD, WAD } from "./constants.ts";

// Errors
export { BaseError, type BaseErrorParameters } from "./errors/BaseError.ts";
export { SessionParamsInvalidError } from "./errors/sessions.ts";
export { SignatureInvalidError } from "./errors/signatures.ts";
export {
  ProofInvalidError,
  type ProofInvalidReason,
  TrieDuplicateKeyError,
  TrieEmptyError,
  TrieInputError,
  TrieSumOverflowError,
} from "./errors/trie.ts";
export { HexInvalidError, ProbabilityInvalidError, ValueOutOfRangeError } from "./errors/values.ts";

// EIP-712 relays
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

// Sparse Merkle sum trie
export * from "./trie/buildSumTrie.ts";
export { fromCompactProof, type FromCompactProofErrorType, type FromCompactProofParameters, type FromCompactProofReturnType, MAX_PROOF_DEPTH } from "./trie/fromCompactProof.ts";
export * from "./trie/hashTrieInner.ts";
export * from "./trie/hashTrieLeaf.ts";
export * from "./trie/SumTrie.ts";
export * from "./trie/toCompactProof.ts";
export * from "./trie/types.ts";
export * from "./trie/verifyClosestProof.ts";
export * from "./trie/verifyRelayProof.ts";

// Mining and proofs
export * from "./mining/claimKey.ts";
export * from "./mining/isBelow.ts";
export * from "./mining/isMined.ts";
export * from "./mining/isProofRequired.ts";
export * from "./mining/proofTarget.ts";

// Sessions
export * from "./sessions/pendingSessions.ts";
export * from "./sessions/sessionChecks.ts";
export * from "./sessions/sessionOf.ts";
export * from "./sessions/sessionPhase.ts";
export * from "./sessions/sessionWindows.ts";
export type { SessionParams } from "./sessions/types.ts";

// Money
export * from "./pricing/claimAmount.ts";
export * from "./pricing/isRelayCostValid.ts";
export * from "./pricing/relayCost.ts";
export * from "./pricing/sessionBudget.ts";
export * from "./pricing/settlementPayout.ts";
export * from "./pricing/splitPayment.ts";

// Difficulty
export * from "./difficulty/foldDifficulty.ts";
