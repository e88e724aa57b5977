// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Claim, LeafValue, RelayReceipt, RelayRequest, SettlementParams, TrieNode} from "../types/AviaryTypes.sol";

/// @title Aviary settlement: claims, proofs, payment and difficulty (protocol.md §3, §5–§7).
/// @notice Windows for session s (L = sessionBlocks, E = (s+1)*L - 1 its last block, g/c/pf = grace/claim/proof blocks):
///   serving until E + g; claim window [E+g+1, E+g+c]; seed block B = E+g+c; proof window [B+1, B+pf];
///   settlement from B+pf+1 on.
/// EIP-712 domain {name: "Aviary", version: "1", chainId, verifyingContract: this}.
///
/// Mining: relayKey = EIP-712 digest of the request; mined iff keccak256(abi.encode(relayKey, miningSeed[s]))
/// is below p(model, s) (see SettlementParams for "below"). miningSeed[s] = blockhash(E + g), stored by the
/// first claim of s. proofSeed[s] = blockhash(B), stored by the first prove or recordSeed of s.
///
/// A claim needs a proof when amount >= proofThreshold, or keccak256(abi.encode(proofSeed, claimKey, uint256(0)))
/// is below proofProbability, or when proofSeed[s] was never stored. Target path of the proof:
/// keccak256(abi.encode(proofSeed, claimKey, uint256(1))).
///
/// Payment: amount = root.sum * 1e18 / p (floor); total[app][s] = sum of amounts of all claims;
/// budget = applicationStakeAt(app, s) / pendingSessions, pendingSessions = ceil((g+c+pf)/L) + 1;
/// pay = total <= budget ? amount : amount * budget / total (floor); split: source gets pay*sourceShareBps/1e4,
/// treasury pay*protocolShareBps/1e4 (both floor), supplier owner the rest.
///
/// Difficulty, per model: the leaf counts of all claims of one session are summed; once that session's claim
/// window has closed (at the next claim of a later session or at updateDifficulty) they are folded:
/// estimate = count * 1e36 / p(s) (relays, in wad: count / (p / 1e18) * 1e18); ema = first ? estimate : (alpha*estimate + (1e18-alpha)*ema)/1e18;
/// p' = clamp(targetMinedPerSession * 1e36 / ema, 1, 1e18), effective from currentSession() + 1.
interface IAviarySettlement {
    // ───────────────────────────── errors ─────────────────────────────
    error InvalidParams(string reason);
    error OutsideWindow(uint64 session, uint256 blockNumber, uint256 windowStart, uint256 windowEnd);
    error ClaimExists(bytes32 claimKey);
    error ClaimNotFound(bytes32 claimKey);
    error EmptyClaim();
    error NotOperator(address supplier, address caller);
    error AlreadyProven(bytes32 claimKey);
    error AlreadySettled(bytes32 claimKey);
    error SettlementTooEarly(bytes32 claimKey, uint256 blockNumber, uint256 firstBlock);
    error SeedUnavailable(uint64 session, uint256 seedBlock);
    error InvalidRequestSignature(address recovered, address application);
    error InvalidReceiptSignature(address recovered, address operator);
    error RequestMismatch(string field);
    error ReceiptMismatch(bytes32 expected, bytes32 actual);
    error CostAboveMax(uint256 cost, uint128 maxCost);
    error RelayNotMined(bytes32 relayKey);
    error InvalidProofDepth(uint256 depth);
    error NotClosestLeaf(uint256 depth);
    error RootMismatch(bytes32 expectedHash, bytes32 computedHash);
    error ReceiptsNotConflicting();
    error AlreadyReported(bytes32 relayKey);
    error ModelNotRegistered(bytes32 model);

    // ───────────────────────────── events ─────────────────────────────
    event MiningSeedRecorded(uint64 indexed session, bytes32 seed);
    event ProofSeedRecorded(uint64 indexed session, bytes32 seed);
    event Claimed(
        bytes32 indexed claimKey,
        address indexed supplier,
        address indexed application,
        bytes32 model,
        uint64 session,
        bytes32 rootHash,
        uint128 rootSum,
        uint64 rootCount,
        uint256 amount
    );
    event Proven(bytes32 indexed claimKey, bytes32 indexed relayKey, uint256 depth);
    event Settled(bytes32 indexed claimKey, uint256 paid, uint256 toSource, uint256 toTreasury, uint256 toSupplier);
    event ProofMissing(bytes32 indexed claimKey, address indexed supplier, uint256 slashed);
    event EquivocationReported(bytes32 indexed relayKey, address indexed supplier, address indexed reporter, uint256 slashed, uint256 reward);
    event DifficultyUpdated(bytes32 indexed model, uint64 indexed dataSession, uint64 effectiveSession, uint256 emaWad, uint64 probabilityWad);

    // ───────────────────────────── actions ─────────────────────────────
    /// @notice Claims the root of the sum trie of mined relays served by `supplier` to `application` for `model`
    ///         in `session`. Only the supplier's operator at `session` (or the supplier itself), in the claim window,
    ///         once per (supplier, application, model, session). root.count must be >= 1.
    function claim(address supplier, address application, bytes32 model, uint64 session, TrieNode calldata root)
        external
        returns (bytes32 claimKey);

    /// @notice Proves the closest leaf to the target path, in the proof window.
    /// @param sideNodes the non-empty side nodes, root to leaf.
    /// @param emptyMask bit i set: the side node at depth i (0 = child of the root) is Empty and not in sideNodes.
    ///        Depth = sideNodes.length + popcount(emptyMask); bits at or above the depth must be zero.
    function prove(bytes32 claimKey, LeafValue calldata leaf, TrieNode[] calldata sideNodes, uint256 emptyMask) external;

    /// @notice Settles a claim after its proof window; anyone may call. Required-but-unproven claims are slashed
    ///         missingProofPenalty (to the treasury) and paid nothing.
    function settle(bytes32 claimKey) external returns (uint256 paid);

    /// @notice Stores proofSeed[session] (callable in the proof window).
    function recordSeed(uint64 session) external returns (bytes32 seed);

    /// @notice Two different receipts for one request, both signed by the supplier's operator at request.session:
    ///         slashes equivocationPenalty, pays the reporter reporterShareBps of it. Once per relayKey.
    function reportEquivocation(
        RelayRequest calldata request,
        RelayReceipt calldata receiptA,
        bytes calldata signatureA,
        RelayReceipt calldata receiptB,
        bytes calldata signatureB
    ) external;

    /// @notice Folds the pending session's leaf counts into the model's difficulty if its claim window closed.
    function updateDifficulty(bytes32 model) external;

    // ───────────────────────────── views ─────────────────────────────
    function registry() external view returns (address);
    function params() external view returns (SettlementParams memory);
    function domainSeparator() external view returns (bytes32);
    function hashRelayRequest(RelayRequest calldata request) external view returns (bytes32 structHash);
    function relayKey(RelayRequest calldata request) external view returns (bytes32 digest);
    function hashRelayReceipt(RelayReceipt calldata receipt) external view returns (bytes32 digest);
    function claimKeyOf(address supplier, address application, bytes32 model, uint64 session) external pure returns (bytes32);
    function getClaim(bytes32 claimKey) external view returns (Claim memory);
    function sessionTotal(address application, uint64 session) external view returns (uint256);
    function sessionBudget(address application, uint64 session) external view returns (uint256);
    function miningSeed(uint64 session) external view returns (bytes32);
    function proofSeed(uint64 session) external view returns (bytes32);
    function miningProbabilityAt(bytes32 model, uint64 session) external view returns (uint64 probabilityWad);
    function isProofRequired(bytes32 claimKey) external view returns (bool);
    function proofTarget(bytes32 claimKey) external view returns (bytes32);
    function isMined(bytes32 relayKey_, bytes32 seed, uint64 probabilityWad) external pure returns (bool);
    /// @notice (claimStart, claimEnd, proofStart, proofEnd, settleFrom) block numbers of `session`.
    function windows(uint64 session)
        external
        view
        returns (uint256 claimStart, uint256 claimEnd, uint256 proofStart, uint256 proofEnd, uint256 settleFrom);
    /// @notice The pure closest-proof verifier used by prove (exposed for cross-implementation tests).
    function verifyClosestProof(
        TrieNode calldata root,
        bytes32 target,
        bytes32 key,
        bytes32 valueHash,
        uint128 weight,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) external pure returns (bool);
    /// @notice ceil((graceBlocks + claimBlocks + proofBlocks) / sessionBlocks) + 1: the sessions one stake budgets for.
    function pendingSessions() external view returns (uint256);
    /// @notice block.number / sessionBlocks.
    function currentSession() external view returns (uint64);
    /// @notice A model's difficulty state. While hasPending is false, pendingSession is the last folded session.
    function difficultyOf(bytes32 model)
        external
        view
        returns (bool initialized, uint256 emaWad, uint64 pendingSession, uint64 pendingCount, bool hasPending);
    /// @notice Whether an equivocation was already reported for this relayKey.
    function isReported(bytes32 relayKey_) external view returns (bool);
}
