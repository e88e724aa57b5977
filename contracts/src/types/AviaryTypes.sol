// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What a relay asks for. Signed (EIP-712) by the application or a gateway it delegated to in `session`.
/// @dev EIP-712 type string (protocol.md §4):
/// RelayRequest(address application,address supplier,bytes32 model,uint64 session,uint64 nonce,
///              bytes32 bodyHash,uint128 inputPrice,uint128 outputPrice,uint128 maxCost)
struct RelayRequest {
    address application;
    address supplier;
    bytes32 model;
    uint64 session;
    uint64 nonce;
    bytes32 bodyHash;
    uint128 inputPrice;
    uint128 outputPrice;
    uint128 maxCost;
}

/// @notice What the supplier served. Signed (EIP-712) by the supplier's operator.
/// @dev RelayReceipt(bytes32 request,bytes32 responseHash,uint64 inputUnits,uint64 outputUnits)
///      `request` is the EIP-712 struct hash of the RelayRequest (not the full digest).
struct RelayReceipt {
    bytes32 request;
    bytes32 responseHash;
    uint64 inputUnits;
    uint64 outputUnits;
}

/// @notice A node of the sparse Merkle sum trie (protocol.md §6). Empty is (0, 0, 0).
struct TrieNode {
    bytes32 hash;
    uint128 sum;
    uint64 count;
}

/// @notice The value stored at a trie leaf: the whole signed relay.
/// @dev valueHash = keccak256(abi.encode(request, requestSignature, receipt, receiptSignature)) (four
///      top-level parameters, not this struct); key = relayKey(request) (EIP-712 digest); weight = cost.
struct LeafValue {
    RelayRequest request;
    bytes requestSignature;
    RelayReceipt receipt;
    bytes receiptSignature;
}

enum ModelKind {
    Chat,
    Completion,
    Embedding,
    Image
}

struct Model {
    string name;
    bytes32 weightsDigest;
    string uri;
    ModelKind kind;
    address source;
    uint16 sourceShareBps;
    uint64 registeredAt; // block number; zero means not registered
}

/// @notice Registry parameters fixed at deployment (devnet defaults in script/Deploy and @aviary/devnet).
struct RegistryParams {
    uint64 sessionBlocks; // L
    uint64 graceBlocks;
    uint64 claimBlocks;
    uint64 proofBlocks;
    uint256 minSupplierStake;
    uint256 minApplicationStake;
    uint256 minGatewayStake;
    uint256 modelFee; // paid to the treasury on registerModel
    uint16 maxSourceShareBps; // 2000
    uint8 maxDelegates; // 8
    uint64 supplierUnbondingSessions;
    uint64 applicationUnbondingSessions;
    uint64 gatewayUnbondingSessions;
    address treasury;
}

/// @notice Settlement parameters fixed at deployment.
/// @dev Probabilities are 1e18 fixed point ("wad"): 1e18 means 1. A 32-byte hash `h` is "below" a
///      probability `w` iff w >= 1e18, or uint256(h) < w * floor((2**256 - 1) / 1e18).
struct SettlementParams {
    uint16 protocolShareBps; // 500
    uint256 proofThreshold; // a claim whose amount (sum / p) is >= this always needs a proof
    uint64 proofProbabilityWad; // 0.25e18
    uint256 missingProofPenalty; // 10 * proofThreshold
    uint256 equivocationPenalty;
    uint16 reporterShareBps; // of the equivocation penalty; the rest goes to the treasury
    uint64 initialMiningProbabilityWad; // 1e18: every relay mined
    uint64 targetMinedPerSession; // per model, network-wide
    uint64 difficultyAlphaWad; // 0.1e18
}

/// @notice One drawn leaf of a weighted proof (protocol.md §6): the whole signed relay and its side nodes.
/// @dev sideNodes: the non-Empty side nodes, root to leaf. emptyMask bit i set: the side node at depth i is Empty
///      and absent from sideNodes. Depth = sideNodes.length + popcount(emptyMask).
struct LeafProof {
    LeafValue leaf;
    TrieNode[] sideNodes;
    uint256 emptyMask;
}

/// @notice Which weight a proof draw follows: the leaf sums (cost) or the leaf counts (1 a leaf).
enum ProofDraw {
    Sum,
    Count
}

/// @notice Outcome of a weighted-proof check, in the order the checks apply.
enum ProofVerdict {
    Valid,
    InvalidDepth, // more than 256 levels, or emptyMask bits at or above the depth
    RootMismatch, // the fold does not give the root (hash, sum, count), or a sum or count overflows
    NotDrawn // the drawn value is outside the leaf's interval of cumulative sums (or counts)
}

struct Claim {
    address supplier;
    address application;
    bytes32 model;
    uint64 session;
    TrieNode root;
    uint256 amount; // root.sum / p(session), rounded down
    uint256 collateral; // max(missingProofPenalty, amount): locked from the supplier's stake until settlement
    bool proven;
    bool settled;
    bool slashed; // settled as required-but-unproven: collateral slashed, nothing paid
}

/// @notice The request field a proven relay disagrees with its claim on (RequestMismatch).
enum RelayField {
    Supplier,
    Application,
    Model,
    Session,
    Price
}

/// @notice The deployment parameter an InvalidParameter error names.
enum Parameter {
    Token,
    Registry,
    Treasury,
    SessionBlocks,
    ClaimBlocks,
    ProofBlocks,
    GraceAndClaimBlocks, // graceBlocks + 1 + claimBlocks must be <= sessionBlocks
    SeedReach, // claimBlocks + proofBlocks must be < 256 (blockhash reach from the mining seed block)
    MaxSourceShareBps,
    MaxDelegates,
    ApplicationUnbondingSessions, // must be >= pendingSessions + 1
    ProtocolShareBps,
    ProofProbabilityWad,
    InitialMiningProbabilityWad,
    DifficultyAlphaWad,
    ReporterShareBps,
    TargetMinedPerSession,
    MissingProofPenalty // missingProofPenalty * q must exceed (1 - q) * proofThreshold
}
