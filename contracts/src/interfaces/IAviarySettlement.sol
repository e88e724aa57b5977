// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {
    Claim,
    LeafProof,
    Parameter,
    ProofDraw,
    ProofVerdict,
    RelayField,
    RelayReceipt,
    RelayRequest,
    SettlementParams,
    TrieNode
} from "../types/AviaryTypes.sol";

/// @title Aviary settlement: claims, proofs, payment and difficulty (protocol.md §3, §5–§7).
/// @notice Windows for session s (L = sessionBlocks, E = (s+1)*L - 1 its last block, g/c/pf = grace/claim/proof
///   blocks): suppliers serve s while their head is < E + g; mining seed block M = E + g + 1; claim window
///   [M + 1, M + c]; proof seed block B = M + c; proof window [B + 1, B + pf]; settlement from B + pf + 1 on.
/// EIP-712 domain {name: "Aviary", version: "1", chainId, verifyingContract: this}.
///
/// Signatures (one rule on- and off-chain): 65 bytes r ‖ s ‖ v, v ∈ {27, 28}, s ≤ n/2, recovering to a non-zero
/// address; anything else recovers to zero (see recoverSigner).
///
/// Mining: relayKey = EIP-712 digest of the request; mined iff keccak256(abi.encode(relayKey, miningSeed[s]))
/// is below p(model, s) (see SettlementParams for "below"). miningSeed[s] = blockhash(M), stored by the first
/// claim of s. proofSeed[s] = blockhash(B), stored by the first prove or recordSeed of s.
///
/// Collateral: a claim locks collateral = max(missingProofPenalty, amount) of the supplier's unlocked stake
/// (InsufficientCollateral otherwise); settlement releases it, or slashes all of it when a required proof is missing.
///
/// A claim needs a proof when amount >= proofThreshold, or keccak256(abi.encode(proofSeed, claimKey, uint256(0)))
/// is below proofProbability, or when proofSeed[s] was never stored.
///
/// Weighted proofs: for a claim root (hash, S, N) two leaves are drawn, by sum
/// r = uint256(keccak256(abi.encode(proofSeed, claimKey, uint256(1)))) % S and by count
/// r' = uint256(keccak256(abi.encode(proofSeed, claimKey, uint256(2)))) % N. A leaf at depth D with side nodes
/// side[0..D-1] (root to leaf) is the one drawn by r iff its fold gives the root and
/// prefix <= r < prefix + weight, where prefix is the sum of side[d].sum over the depths d where the key's bit d
/// is 1 (the side node is the left sibling); by r' iff the prefix of counts equals r' (a leaf counts 1).
///
/// Payment: amount = root.sum * 1e18 / p (floor). total[app][s] adds a claim's amount when the claim is made if
/// amount < proofThreshold, else when it is proven. budget = applicationStakeAt(app, s) / pendingSessions,
/// pendingSessions = floor((g + 1 + c + pf) / L) + 2; pay = total <= budget ? amount : amount * budget / total
/// (floor), capped at the application's stake + unbonding; split: source gets pay*sourceShareBps/1e4, treasury
/// pay*protocolShareBps/1e4 (both floor), supplier owner the rest.
///
/// Difficulty, per model (wad; p_cur = the latest probability, target = targetMinedPerSession, α = alpha): the leaf
/// counts of all claims of one session are summed; once that session's claim window has closed (at the next claim
/// of a later session, or at updateDifficulty) they are folded:
///   k = initialized ? dataSession - lastFoldedSession - 1 : 0 (sessions without claims since the last fold);
///   prior = ema; if k > 0: p_cur = min(1e18, p_cur * 2^k) and prior = max(ema / 2^k, target * 1e36 / p_cur)
///   (k capped at 64); if prior is 0 (not initialized): prior = target * 1e36 / p_cur;
///   estimate = count * 1e36 / p(dataSession), clamped to [prior / 2, prior * 2];
///   ema' = (α * estimate + (1e18 - α) * prior) / 1e18;
///   p' = ema' == 0 ? 1e18 : target * 1e36 / ema', clamped to [p_cur / 2, p_cur * 2], then to [1, 1e18];
///   effective from currentSession() + 1.
interface IAviarySettlement {
    // ───────────────────────────── errors ─────────────────────────────
    /// @notice A deployment parameter is out of range.
    error InvalidParameter(Parameter parameter);
    /// @notice The call is outside its window [windowStart, windowEnd] for `session`.
    error OutsideWindow(uint64 session, uint256 blockNumber, uint256 windowStart, uint256 windowEnd);
    /// @notice A claim for this (supplier, application, model, session) exists already.
    error ClaimExists(bytes32 claimKey);
    /// @notice No claim has this key.
    error ClaimNotFound(bytes32 claimKey);
    /// @notice A claim root must have count >= 1 and sum >= 1.
    error EmptyClaim();
    /// @notice `caller` is neither the supplier nor its operator at the claim's session.
    error NotOperator(address supplier, address caller);
    /// @notice The supplier's unlocked stake cannot cover the claim's collateral.
    error InsufficientCollateral(address supplier, uint256 required, uint256 available);
    /// @notice The claim was proven already.
    error AlreadyProven(bytes32 claimKey);
    /// @notice The claim was settled already.
    error AlreadySettled(bytes32 claimKey);
    /// @notice Settlement opens at `firstBlock`.
    error SettlementTooEarly(bytes32 claimKey, uint256 blockNumber, uint256 firstBlock);
    /// @notice The seed block's hash is not readable (out of the 256-block reach, or not yet mined).
    error SeedUnavailable(uint64 session, uint256 seedBlock);
    /// @notice The request is not signed by the application or a gateway it delegated to at the session.
    error InvalidRequestSignature(address recovered, address application);
    /// @notice The receipt is not signed by the supplier's operator at the session.
    error InvalidReceiptSignature(address recovered, address operator);
    /// @notice The proven relay's request disagrees with the claim (or the offer) on `field`.
    error RequestMismatch(RelayField field);
    /// @notice The receipt names another request.
    error ReceiptMismatch(bytes32 expected, bytes32 actual);
    /// @notice The receipt's cost exceeds what the request allowed.
    error CostAboveMax(uint256 cost, uint128 maxCost);
    /// @notice The relay is not mined under the session's seed and difficulty.
    error RelayNotMined(bytes32 relayKey);
    /// @notice prove takes one leaf proof (both draws land on it) or two (sum-drawn, count-drawn).
    error InvalidProofCount(uint256 count);
    /// @notice The proof's depth is above 256 or its empty mask has bits at or above the depth.
    error InvalidProofDepth(uint256 depth);
    /// @notice The leaf and side nodes do not fold to the claimed root (or a sum or count overflows on the way).
    error RootMismatch(bytes32 expectedHash, bytes32 computedHash);
    /// @notice The drawn value `drawn` is outside the proven leaf's interval [start, end) of cumulative weights.
    error LeafNotDrawn(ProofDraw by, uint256 drawn, uint256 start, uint256 end);
    /// @notice The two receipts of an equivocation report are the same receipt.
    error ReceiptsNotConflicting();
    /// @notice This relay's equivocation was reported already.
    error AlreadyReported(bytes32 relayKey);
    /// @notice The model is not registered.
    error ModelNotRegistered(bytes32 model);

    // ───────────────────────────── events ─────────────────────────────
    /// @notice miningSeed[session] = blockhash(M) was stored (by the session's first claim).
    event MiningSeedRecorded(uint64 indexed session, bytes32 seed);
    /// @notice proofSeed[session] = blockhash(B) was stored (by the first prove or recordSeed).
    event ProofSeedRecorded(uint64 indexed session, bytes32 seed);
    /// @notice A claim was made; `collateral` of the supplier's stake is locked until it settles.
    event Claimed(
        bytes32 indexed claimKey,
        address indexed supplier,
        address indexed application,
        bytes32 model,
        uint64 session,
        bytes32 rootHash,
        uint128 rootSum,
        uint64 rootCount,
        uint256 amount,
        uint256 collateral
    );
    /// @notice Both draws of a claim were proven: `sumRelayKey` by sum, `countRelayKey` by count.
    event Proven(bytes32 indexed claimKey, bytes32 indexed sumRelayKey, bytes32 indexed countRelayKey);
    /// @notice A claim was settled; a slashed claim reports zeros (see ProofMissing).
    event Settled(bytes32 indexed claimKey, uint256 paid, uint256 toSource, uint256 toTreasury, uint256 toSupplier);
    /// @notice The claim's collateral was unlocked (the claim settled without a slash).
    event CollateralReleased(bytes32 indexed claimKey, address indexed supplier, uint256 amount);
    /// @notice Slash for a required proof that never came: `slashed` of the claim's collateral went to the treasury.
    event ProofMissing(bytes32 indexed claimKey, address indexed supplier, uint256 slashed);
    /// @notice Slash for two receipts of one request: `slashed` in all, `reward` of it to the reporter.
    event EquivocationReported(bytes32 indexed relayKey, address indexed supplier, address indexed reporter, uint256 slashed, uint256 reward);
    /// @notice A session's leaf counts were folded into the model's difficulty.
    event DifficultyUpdated(bytes32 indexed model, uint64 indexed dataSession, uint64 effectiveSession, uint256 emaWad, uint64 probabilityWad);

    // ───────────────────────────── actions ─────────────────────────────
    /// @notice Claims the root of the sum trie of mined relays served by `supplier` to `application` for `model`
    ///         in `session`. Only the supplier's operator at `session` (or the supplier itself), in the claim window,
    ///         once per (supplier, application, model, session). root.count and root.sum must be >= 1. Locks
    ///         max(missingProofPenalty, amount) of the supplier's unlocked stake (InsufficientCollateral).
    function claim(address supplier, address application, bytes32 model, uint64 session, TrieNode calldata root)
        external
        returns (bytes32 claimKey);

    /// @notice Proves a claim's two drawn leaves, in the proof window.
    /// @param proofs one proof when both draws land on the same leaf, else two: [sum-drawn, count-drawn]. Each is
    ///        checked in full (request and receipt signatures and fields, prices, cost, mining, fold to the root),
    ///        then proofs[0] against the sum draw and proofs[proofs.length - 1] against the count draw.
    function prove(bytes32 claimKey, LeafProof[] calldata proofs) external;

    /// @notice Settles a claim after its proof window; anyone may call. A required-but-unproven claim has its whole
    ///         collateral slashed (to the treasury) and is paid nothing; any other claim releases its collateral
    ///         and is paid amount * min(1, budget / total).
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
    /// @notice What settlement divides: amounts of claims below the threshold, and of proven claims at or above it.
    function sessionTotal(address application, uint64 session) external view returns (uint256);
    function sessionBudget(address application, uint64 session) external view returns (uint256);
    function miningSeed(uint64 session) external view returns (bytes32);
    function proofSeed(uint64 session) external view returns (bytes32);
    function miningProbabilityAt(bytes32 model, uint64 session) external view returns (uint64 probabilityWad);
    function isProofRequired(bytes32 claimKey) external view returns (bool);
    /// @notice The claim's two draws (r by sum, r' by count). Before the proof seed is stored, previews it from
    ///         blockhash(B) when that block is readable (SeedUnavailable otherwise).
    function proofDraws(bytes32 claimKey) external view returns (uint256 sumDraw, uint256 countDraw);
    function isMined(bytes32 relayKey_, bytes32 seed, uint64 probabilityWad) external pure returns (bool);
    /// @notice (claimStart, claimEnd, proofStart, proofEnd, settleFrom) block numbers of `session`.
    function windows(uint64 session)
        external
        view
        returns (uint256 claimStart, uint256 claimEnd, uint256 proofStart, uint256 proofEnd, uint256 settleFrom);
    /// @notice The pure weighted-proof verifier prove uses (exposed for cross-implementation tests).
    /// @return verdict Valid, or the first failed check (depth, root, then draw).
    function checkWeightedProof(
        TrieNode calldata root,
        ProofDraw by,
        uint256 drawn,
        bytes32 key,
        bytes32 valueHash,
        uint128 weight,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) external pure returns (ProofVerdict verdict);
    /// @notice The signer of a 32-byte digest under the one signature rule, or zero when the signature breaks it
    ///         (exposed so that off-chain verifiers can be tested against the contract's verdicts).
    function recoverSigner(bytes32 digest, bytes calldata signature) external pure returns (address);
    /// @notice floor((graceBlocks + 1 + claimBlocks + proofBlocks) / sessionBlocks) + 2: the sessions one stake budgets for.
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
