// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {IAviaryRegistry} from "./interfaces/IAviaryRegistry.sol";
import {IAviarySettlement} from "./interfaces/IAviarySettlement.sol";
import {Probability} from "./libraries/Probability.sol";
import {RelayHashing} from "./libraries/RelayHashing.sol";
import {SessionWindows} from "./libraries/SessionWindows.sol";
import {SumTrie} from "./libraries/SumTrie.sol";
import {
    Claim,
    LeafProof,
    LeafValue,
    Model,
    Parameter,
    ProofDraw,
    ProofVerdict,
    RegistryParams,
    RelayField,
    RelayReceipt,
    RelayRequest,
    SettlementParams,
    TrieNode
} from "./types/AviaryTypes.sol";

/// @title Aviary settlement: claims, proofs, payment and difficulty (protocol.md §3, §5–§7).
/// @notice The spec, formulas included, is {IAviarySettlement}. Tokens never sit here: payments and slashes are
///         transfers the registry makes from stakes on this contract's instruction.
/// @dev Every state change follows checks, effects, interactions, then the event. Registry window parameters are
///      read once, at construction (they are fixed there too).
contract AviarySettlement is IAviarySettlement, EIP712 {
    using Checkpoints for Checkpoints.Trace208;

    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;

    /// @dev A claim as stored (five slots); {getClaim} returns the full {Claim}. The amount is recomputed from the
    ///      sum and the probability the claim was made under, so it is exactly what claim() added to the total.
    struct StoredClaim {
        address supplier; // zero: no claim
        uint64 session;
        bool proven;
        bool settled;
        bool slashed;
        address application;
        uint64 rootCount;
        bytes32 model;
        bytes32 rootHash;
        uint128 rootSum;
        uint64 probabilityWad;
    }

    /// @dev Difficulty of one model. While `hasPending` is false, `pendingSession` keeps the last folded session.
    struct Difficulty {
        uint256 emaWad;
        bool initialized;
        bool hasPending;
        uint64 pendingSession;
        uint64 pendingCount;
        uint64 lastFoldedSession;
    }

    IAviaryRegistry private immutable _registry;
    address private immutable _treasury;
    uint256 private immutable _sessionBlocks;
    uint256 private immutable _graceBlocks;
    uint256 private immutable _claimBlocks;
    uint256 private immutable _proofBlocks;
    uint256 private immutable _pendingSessions;

    uint16 private immutable _protocolShareBps;
    uint256 private immutable _proofThreshold;
    uint64 private immutable _proofProbabilityWad;
    uint256 private immutable _missingProofPenalty;
    uint256 private immutable _equivocationPenalty;
    uint16 private immutable _reporterShareBps;
    uint64 private immutable _initialMiningProbabilityWad;
    uint64 private immutable _targetMinedPerSession;
    uint64 private immutable _difficultyAlphaWad;

    mapping(bytes32 claimKey => StoredClaim) private _claims;
    mapping(address application => mapping(uint64 session => uint256)) private _sessionTotals;
    mapping(uint64 session => bytes32) private _miningSeeds;
    mapping(uint64 session => bytes32) private _proofSeeds;
    mapping(bytes32 model => Difficulty) private _difficulties;
    mapping(bytes32 model => Checkpoints.Trace208) private _probabilities; // session => probabilityWad
    mapping(bytes32 relayKey => bool) private _reported;

    constructor(IAviaryRegistry registry_, SettlementParams memory params_) EIP712("Aviary", "1") {
        if (address(registry_) == address(0)) revert InvalidParameter(Parameter.Registry);
        RegistryParams memory windows_ = registry_.params();
        // The registry checked the windows; these guard a registry built with other rules.
        if (windows_.sessionBlocks == 0) revert InvalidParameter(Parameter.SessionBlocks);
        if (windows_.claimBlocks == 0) revert InvalidParameter(Parameter.ClaimBlocks);
        if (windows_.proofBlocks == 0) revert InvalidParameter(Parameter.ProofBlocks);
        if (uint256(windows_.claimBlocks) + windows_.proofBlocks >= 256) revert InvalidParameter(Parameter.SeedReach);
        if (windows_.treasury == address(0)) revert InvalidParameter(Parameter.Treasury);
        if (uint256(params_.protocolShareBps) + windows_.maxSourceShareBps > BPS) {
            revert InvalidParameter(Parameter.ProtocolShareBps);
        }
        if (params_.proofProbabilityWad > WAD) revert InvalidParameter(Parameter.ProofProbabilityWad);
        if (params_.initialMiningProbabilityWad == 0 || params_.initialMiningProbabilityWad > WAD) {
            revert InvalidParameter(Parameter.InitialMiningProbabilityWad);
        }
        if (params_.difficultyAlphaWad == 0 || params_.difficultyAlphaWad > WAD) {
            revert InvalidParameter(Parameter.DifficultyAlphaWad);
        }
        if (params_.reporterShareBps > BPS) revert InvalidParameter(Parameter.ReporterShareBps);
        if (params_.targetMinedPerSession == 0) revert InvalidParameter(Parameter.TargetMinedPerSession);
        // Fabricating a claim below the threshold must lose in expectation (protocol.md §7):
        // (1 - q) * amount < q * missingProofPenalty for every amount < proofThreshold.
        if (params_.proofThreshold != 0) {
            (bool penaltyFits, uint256 expectedLoss) =
                Math.tryMul(params_.proofProbabilityWad, params_.missingProofPenalty);
            (bool thresholdFits, uint256 expectedGain) =
                Math.tryMul(WAD - params_.proofProbabilityWad, params_.proofThreshold);
            // An overflowing loss exceeds any gain that fits; an overflowing gain cannot be outweighed.
            if (!thresholdFits || (penaltyFits && expectedLoss <= expectedGain)) {
                revert InvalidParameter(Parameter.MissingProofPenalty);
            }
        }

        _registry = registry_;
        _treasury = windows_.treasury;
        _sessionBlocks = windows_.sessionBlocks;
        _graceBlocks = windows_.graceBlocks;
        _claimBlocks = windows_.claimBlocks;
        _proofBlocks = windows_.proofBlocks;
        _pendingSessions = SessionWindows.pendingSessions(
            windows_.sessionBlocks, windows_.graceBlocks, windows_.claimBlocks, windows_.proofBlocks
        );

        _protocolShareBps = params_.protocolShareBps;
        _proofThreshold = params_.proofThreshold;
        _proofProbabilityWad = params_.proofProbabilityWad;
        _missingProofPenalty = params_.missingProofPenalty;
        _equivocationPenalty = params_.equivocationPenalty;
        _reporterShareBps = params_.reporterShareBps;
        _initialMiningProbabilityWad = params_.initialMiningProbabilityWad;
        _targetMinedPerSession = params_.targetMinedPerSession;
        _difficultyAlphaWad = params_.difficultyAlphaWad;
    }

    // ───────────────────────────── actions ─────────────────────────────

    /// @inheritdoc IAviarySettlement
    /// @dev The supplier must have an operator at `session` (be registered), whoever sends the claim.
    function claim(address supplier, address application, bytes32 model, uint64 session, TrieNode calldata root)
        external
        returns (bytes32 claimKey)
    {
        (uint256 claimStart, uint256 claimEnd,,,) = windows(session);
        _requireWithin(session, claimStart, claimEnd);
        address operator = _registry.supplierOperatorAt(supplier, session);
        if (operator == address(0) || (msg.sender != operator && msg.sender != supplier)) {
            revert NotOperator(supplier, msg.sender);
        }
        if (_registry.getModel(model).registeredAt == 0) revert ModelNotRegistered(model);
        if (root.count == 0 || root.sum == 0) revert EmptyClaim();
        claimKey = claimKeyOf(supplier, application, model, session);
        StoredClaim storage stored = _claims[claimKey];
        if (stored.supplier != address(0)) revert ClaimExists(claimKey);
        uint64 probability = miningProbabilityAt(model, session);
        uint256 amount = Math.mulDiv(root.sum, WAD, probability);
        _requireCollateral(supplier, amount);

        _recordMiningSeed(session, claimStart - 1);
        stored.supplier = supplier;
        stored.session = session;
        stored.application = application;
        stored.rootCount = root.count;
        stored.model = model;
        stored.rootHash = root.hash;
        stored.rootSum = root.sum;
        stored.probabilityWad = probability;
        // A claim that must be proven dilutes the others only once it is (protocol.md §7).
        if (amount < _proofThreshold) _sessionTotals[application][session] += amount;
        _addPendingCount(model, session, root.count);

        _lockAndEmit(claimKey, stored, amount);
    }

    function _requireCollateral(address supplier, uint256 amount) private view {
        uint256 collateral = _collateralOf(amount);
        (, uint256 unlocked) = _registry.supplierCollateral(supplier);
        if (unlocked < collateral) revert InsufficientCollateral(supplier, collateral, unlocked);
    }

    /// @dev The interaction and event of claim (a function of its own for the stack).
    function _lockAndEmit(bytes32 claimKey, StoredClaim storage stored, uint256 amount) private {
        uint256 collateral = _collateralOf(amount);
        _registry.lockClaimCollateral(stored.supplier, stored.application, collateral);
        emit Claimed(
            claimKey,
            stored.supplier,
            stored.application,
            stored.model,
            stored.session,
            stored.rootHash,
            stored.rootSum,
            stored.rootCount,
            amount,
            collateral
        );
    }

    /// @inheritdoc IAviarySettlement
    /// @dev Checks in this order: window, not proven, proof count, then per proof: request fields, prices, request
    ///      signature, receipt's request, receipt signature, cost, mining, fold to the root; then the two draws.
    ///      A proof is accepted whether or not it is required.
    function prove(bytes32 claimKey, LeafProof[] calldata proofs) external {
        StoredClaim storage stored = _claims[claimKey];
        if (stored.supplier == address(0)) revert ClaimNotFound(claimKey);
        uint64 session = stored.session;
        (,, uint256 proofStart, uint256 proofEnd,) = windows(session);
        _requireWithin(session, proofStart, proofEnd);
        if (stored.proven) revert AlreadyProven(claimKey);
        if (proofs.length == 0 || proofs.length > 2) revert InvalidProofCount(proofs.length);
        (uint256 sumDraw, uint256 countDraw) = Probability.proofDraws(
            _recordProofSeed(session, proofStart - 1), claimKey, stored.rootSum, stored.rootCount
        );

        bytes32 sumKey = _verifyLeaf(stored, proofs[0], ProofDraw.Sum, sumDraw);
        bytes32 countKey = proofs.length == 1 ? sumKey : _verifyLeaf(stored, proofs[1], ProofDraw.Count, countDraw);
        if (proofs.length == 1) _verifyDraw(stored, proofs[0], sumKey, ProofDraw.Count, countDraw);

        stored.proven = true;
        uint256 amount = _amountOf(stored);
        if (amount >= _proofThreshold) _sessionTotals[stored.application][session] += amount;

        emit Proven(claimKey, sumKey, countKey);
    }

    /// @inheritdoc IAviarySettlement
    /// @dev Pays at most what the application still holds (stake + unbonding), so the split is exact. A slashed
    ///      claim also emits Settled with zeros. Settled reports the amounts the registry actually paid.
    function settle(bytes32 claimKey) external returns (uint256 paid) {
        StoredClaim storage stored = _claims[claimKey];
        if (stored.supplier == address(0)) revert ClaimNotFound(claimKey);
        (,,,, uint256 settleFrom) = windows(stored.session);
        if (block.number < settleFrom) revert SettlementTooEarly(claimKey, block.number, settleFrom);
        if (stored.settled) revert AlreadySettled(claimKey);

        address supplier = stored.supplier;
        address application = stored.application;
        uint256 amount = _amountOf(stored);
        uint256 collateral = _collateralOf(amount);
        if (!stored.proven && _isProofRequired(stored, claimKey, amount)) {
            stored.settled = true;
            stored.slashed = true;
            uint256 slashed = _registry.releaseClaimCollateral(supplier, application, collateral, collateral, _treasury);
            emit ProofMissing(claimKey, supplier, slashed);
            emit Settled(claimKey, 0, 0, 0, 0);
            return 0;
        }

        uint256 pay = _payable(application, stored.session, amount);
        stored.settled = true;
        _registry.releaseClaimCollateral(supplier, application, collateral, 0, _treasury);
        emit CollateralReleased(claimKey, supplier, collateral);

        Model memory model = _registry.getModel(stored.model);
        uint256 toSource = pay * model.sourceShareBps / BPS;
        uint256 toTreasury = pay * _protocolShareBps / BPS;
        uint256 toSupplier = pay - toSource - toTreasury;
        toSource = _pay(application, model.source, toSource);
        toTreasury = _pay(application, _treasury, toTreasury);
        toSupplier = _pay(application, supplier, toSupplier);
        paid = toSource + toTreasury + toSupplier;

        emit Settled(claimKey, paid, toSource, toTreasury, toSupplier);
    }

    /// @inheritdoc IAviarySettlement
    /// @dev Reverts OutsideWindow outside the proof window; returns the stored seed when already stored.
    function recordSeed(uint64 session) external returns (bytes32 seed) {
        (,, uint256 proofStart, uint256 proofEnd,) = windows(session);
        _requireWithin(session, proofStart, proofEnd);
        return _recordProofSeed(session, proofStart - 1);
    }

    /// @inheritdoc IAviarySettlement
    /// @dev Receipts "differ" when their struct hashes differ. The request's own signature is not needed: the
    ///      operator signed both receipts over the same request hash.
    function reportEquivocation(
        RelayRequest calldata request,
        RelayReceipt calldata receiptA,
        bytes calldata signatureA,
        RelayReceipt calldata receiptB,
        bytes calldata signatureB
    ) external {
        bytes32 requestHash = RelayHashing.hashRequest(request);
        if (receiptA.request != requestHash) revert ReceiptMismatch(requestHash, receiptA.request);
        if (receiptB.request != requestHash) revert ReceiptMismatch(requestHash, receiptB.request);
        bytes32 receiptHashA = RelayHashing.hashReceipt(receiptA);
        bytes32 receiptHashB = RelayHashing.hashReceipt(receiptB);
        if (receiptHashA == receiptHashB) revert ReceiptsNotConflicting();
        address supplier = request.supplier;
        address operator = _registry.supplierOperatorAt(supplier, request.session);
        _requireReceiptSigner(receiptHashA, signatureA, operator);
        _requireReceiptSigner(receiptHashB, signatureB, operator);
        bytes32 key = _hashTypedDataV4(requestHash);
        if (_reported[key]) revert AlreadyReported(key);

        _reported[key] = true;

        uint256 reward = _equivocationPenalty * _reporterShareBps / BPS;
        uint256 rest = _equivocationPenalty - reward;
        if (reward != 0) reward = _registry.slashSupplier(supplier, reward, msg.sender);
        if (rest != 0) rest = _registry.slashSupplier(supplier, rest, _treasury);

        emit EquivocationReported(key, supplier, msg.sender, reward + rest, reward);
    }

    /// @inheritdoc IAviarySettlement
    /// @dev A no-op while nothing is pending or the pending session's claim window is open.
    function updateDifficulty(bytes32 model) external {
        Difficulty storage difficulty = _difficulties[model];
        if (!difficulty.hasPending) return;
        (, uint256 claimEnd,,,) = windows(difficulty.pendingSession);
        if (block.number > claimEnd) _fold(model, difficulty);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @inheritdoc IAviarySettlement
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IAviarySettlement
    function params() external view returns (SettlementParams memory) {
        return SettlementParams({
            protocolShareBps: _protocolShareBps,
            proofThreshold: _proofThreshold,
            proofProbabilityWad: _proofProbabilityWad,
            missingProofPenalty: _missingProofPenalty,
            equivocationPenalty: _equivocationPenalty,
            reporterShareBps: _reporterShareBps,
            initialMiningProbabilityWad: _initialMiningProbabilityWad,
            targetMinedPerSession: _targetMinedPerSession,
            difficultyAlphaWad: _difficultyAlphaWad
        });
    }

    /// @inheritdoc IAviarySettlement
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IAviarySettlement
    function hashRelayRequest(RelayRequest calldata request) external pure returns (bytes32 structHash) {
        return RelayHashing.hashRequest(request);
    }

    /// @inheritdoc IAviarySettlement
    function relayKey(RelayRequest calldata request) external view returns (bytes32 digest) {
        return _hashTypedDataV4(RelayHashing.hashRequest(request));
    }

    /// @inheritdoc IAviarySettlement
    function hashRelayReceipt(RelayReceipt calldata receipt) external view returns (bytes32 digest) {
        return _hashTypedDataV4(RelayHashing.hashReceipt(receipt));
    }

    /// @inheritdoc IAviarySettlement
    function claimKeyOf(address supplier, address application, bytes32 model, uint64 session)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(supplier, application, model, session));
    }

    /// @inheritdoc IAviarySettlement
    /// @dev All zero for an unknown claim.
    function getClaim(bytes32 claimKey) external view returns (Claim memory result) {
        StoredClaim storage stored = _claims[claimKey];
        if (stored.supplier == address(0)) return result;
        result.supplier = stored.supplier;
        result.application = stored.application;
        result.model = stored.model;
        result.session = stored.session;
        result.root = TrieNode(stored.rootHash, stored.rootSum, stored.rootCount);
        result.amount = _amountOf(stored);
        result.collateral = _collateralOf(result.amount);
        result.proven = stored.proven;
        result.settled = stored.settled;
        result.slashed = stored.slashed;
    }

    /// @inheritdoc IAviarySettlement
    function sessionTotal(address application, uint64 session) external view returns (uint256) {
        return _sessionTotals[application][session];
    }

    /// @inheritdoc IAviarySettlement
    function sessionBudget(address application, uint64 session) public view returns (uint256) {
        return _registry.applicationStakeAt(application, session) / _pendingSessions;
    }

    /// @inheritdoc IAviarySettlement
    function miningSeed(uint64 session) external view returns (bytes32) {
        return _miningSeeds[session];
    }

    /// @inheritdoc IAviarySettlement
    function proofSeed(uint64 session) external view returns (bytes32) {
        return _proofSeeds[session];
    }

    /// @inheritdoc IAviarySettlement
    function miningProbabilityAt(bytes32 model, uint64 session) public view returns (uint64 probabilityWad) {
        // forge-lint: disable-next-line(unsafe-typecast) — clamped: later sessions read the latest value
        uint48 key = session > type(uint48).max ? type(uint48).max : uint48(session);
        uint256 stored = _probabilities[model].upperLookupRecent(key);
        // Stored probabilities are >= 1, so zero means no checkpoint at or before `session`.
        // forge-lint: disable-next-line(unsafe-typecast) — pushed values are <= 1e18
        return stored == 0 ? _initialMiningProbabilityWad : uint64(stored);
    }

    /// @inheritdoc IAviarySettlement
    /// @dev Reads the stored proof seed: before one is stored, every claim counts as requiring a proof.
    function isProofRequired(bytes32 claimKey) external view returns (bool) {
        StoredClaim storage stored = _claims[claimKey];
        if (stored.supplier == address(0)) revert ClaimNotFound(claimKey);
        return _isProofRequired(stored, claimKey, _amountOf(stored));
    }

    /// @inheritdoc IAviarySettlement
    function proofDraws(bytes32 claimKey) external view returns (uint256 sumDraw, uint256 countDraw) {
        StoredClaim storage stored = _claims[claimKey];
        if (stored.supplier == address(0)) revert ClaimNotFound(claimKey);
        uint64 session = stored.session;
        bytes32 seed = _proofSeeds[session];
        if (seed == bytes32(0)) {
            (,, uint256 proofStart,,) = windows(session);
            seed = blockhash(proofStart - 1);
            if (seed == bytes32(0)) revert SeedUnavailable(session, proofStart - 1);
        }
        return Probability.proofDraws(seed, claimKey, stored.rootSum, stored.rootCount);
    }

    /// @inheritdoc IAviarySettlement
    function isMined(bytes32 relayKey_, bytes32 seed, uint64 probabilityWad) external pure returns (bool) {
        return Probability.isMined(relayKey_, seed, probabilityWad);
    }

    /// @inheritdoc IAviarySettlement
    function windows(uint64 session)
        public
        view
        returns (uint256 claimStart, uint256 claimEnd, uint256 proofStart, uint256 proofEnd, uint256 settleFrom)
    {
        uint256 miningSeedBlock = SessionWindows.miningSeedBlock(session, _sessionBlocks, _graceBlocks);
        claimStart = miningSeedBlock + 1;
        claimEnd = miningSeedBlock + _claimBlocks;
        proofStart = claimEnd + 1;
        proofEnd = claimEnd + _proofBlocks;
        settleFrom = proofEnd + 1;
    }

    /// @inheritdoc IAviarySettlement
    function checkWeightedProof(
        TrieNode calldata root,
        ProofDraw by,
        uint256 drawn,
        bytes32 key,
        bytes32 valueHash,
        uint128 weight,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) external pure returns (ProofVerdict verdict) {
        (verdict,,,) = SumTrie.check(root, by, drawn, key, valueHash, weight, sideNodes, emptyMask);
    }

    /// @inheritdoc IAviarySettlement
    function recoverSigner(bytes32 digest, bytes calldata signature) external pure returns (address) {
        return _recover(digest, signature);
    }

    /// @inheritdoc IAviarySettlement
    function pendingSessions() external view returns (uint256) {
        return _pendingSessions;
    }

    /// @inheritdoc IAviarySettlement
    function currentSession() public view returns (uint64) {
        return SafeCast.toUint64(block.number / _sessionBlocks);
    }

    /// @inheritdoc IAviarySettlement
    function difficultyOf(bytes32 model)
        external
        view
        returns (bool initialized, uint256 emaWad, uint64 pendingSession, uint64 pendingCount, bool hasPending)
    {
        Difficulty storage difficulty = _difficulties[model];
        return (
            difficulty.initialized,
            difficulty.emaWad,
            difficulty.pendingSession,
            difficulty.pendingCount,
            difficulty.hasPending
        );
    }

    /// @inheritdoc IAviarySettlement
    function isReported(bytes32 relayKey_) external view returns (bool) {
        return _reported[relayKey_];
    }

    // ───────────────────────────── internals ─────────────────────────────

    function _requireWithin(uint64 session, uint256 start, uint256 end) private view {
        if (block.number < start || block.number > end) revert OutsideWindow(session, block.number, start, end);
    }

    function _recordMiningSeed(uint64 session, uint256 seedBlock) private {
        if (_miningSeeds[session] != bytes32(0)) return;
        bytes32 seed = blockhash(seedBlock);
        if (seed == bytes32(0)) revert SeedUnavailable(session, seedBlock);
        _miningSeeds[session] = seed;
        emit MiningSeedRecorded(session, seed);
    }

    function _recordProofSeed(uint64 session, uint256 seedBlock) private returns (bytes32 seed) {
        seed = _proofSeeds[session];
        if (seed != bytes32(0)) return seed;
        seed = blockhash(seedBlock);
        if (seed == bytes32(0)) revert SeedUnavailable(session, seedBlock);
        _proofSeeds[session] = seed;
        emit ProofSeedRecorded(session, seed);
    }

    /// @dev Checks one signed relay (request, receipt, cost, mining), its fold to the claim's root and the draw
    ///      `by`. Returns its relayKey.
    function _verifyLeaf(StoredClaim storage stored, LeafProof calldata proof, ProofDraw by, uint256 drawn)
        private
        view
        returns (bytes32 key)
    {
        LeafValue calldata leaf = proof.leaf;
        bytes32 valueHash;
        uint256 cost;
        {
            RelayRequest memory request = leaf.request;
            RelayReceipt memory receipt = leaf.receipt;
            bytes32 requestHash;
            (requestHash, key) = _checkRequest(stored, request, leaf.requestSignature);
            cost = _checkReceipt(stored, request, receipt, requestHash, leaf.receiptSignature);
            valueHash = RelayHashing.valueHash(request, leaf.requestSignature, receipt, leaf.receiptSignature);
        }
        if (!Probability.isMined(key, _miningSeeds[stored.session], stored.probabilityWad)) revert RelayNotMined(key);
        // forge-lint: disable-next-line(unsafe-typecast) — cost <= maxCost, a uint128
        SumTrie.verify(_rootOf(stored), by, drawn, key, valueHash, uint128(cost), proof.sideNodes, proof.emptyMask);
    }

    /// @dev The second draw on a leaf that _verifyLeaf already checked in full: only the interval differs.
    function _verifyDraw(StoredClaim storage stored, LeafProof calldata proof, bytes32 key, ProofDraw by, uint256 drawn)
        private
        view
    {
        LeafValue calldata leaf = proof.leaf;
        bytes32 valueHash = RelayHashing.valueHash(leaf.request, leaf.requestSignature, leaf.receipt, leaf.receiptSignature);
        // forge-lint: disable-next-line(unsafe-typecast) — checked by _verifyLeaf: cost <= maxCost, a uint128
        uint128 weight = uint128(RelayHashing.cost(leaf.request, leaf.receipt));
        SumTrie.verify(_rootOf(stored), by, drawn, key, valueHash, weight, proof.sideNodes, proof.emptyMask);
    }

    function _rootOf(StoredClaim storage stored) private view returns (TrieNode memory) {
        return TrieNode(stored.rootHash, stored.rootSum, stored.rootCount);
    }

    /// @dev The receipt is for this request, signed by the supplier's operator at the session, and its cost is
    ///      within the request's maxCost. Returns the cost.
    function _checkReceipt(
        StoredClaim storage stored,
        RelayRequest memory request,
        RelayReceipt memory receipt,
        bytes32 requestHash,
        bytes calldata signature
    ) private view returns (uint256 cost) {
        if (receipt.request != requestHash) {
            revert ReceiptMismatch(requestHash, receipt.request);
        }
        address operator = _registry.supplierOperatorAt(stored.supplier, stored.session);
        _requireReceiptSigner(RelayHashing.hashReceipt(receipt), signature, operator);
        cost = RelayHashing.cost(request, receipt);
        if (cost > request.maxCost) revert CostAboveMax(cost, request.maxCost);
    }

    /// @dev The request names the claim's parties at the offer's prices and is signed by the application or a
    ///      gateway it delegated to at the session. Returns its struct hash and relayKey.
    function _checkRequest(StoredClaim storage stored, RelayRequest memory request, bytes calldata signature)
        private
        view
        returns (bytes32 requestHash, bytes32 key)
    {
        address application = stored.application;
        uint64 session = stored.session;
        if (request.supplier != stored.supplier) revert RequestMismatch(RelayField.Supplier);
        if (request.application != application) revert RequestMismatch(RelayField.Application);
        if (request.model != stored.model) revert RequestMismatch(RelayField.Model);
        if (request.session != session) revert RequestMismatch(RelayField.Session);
        (bool active, uint128 inputPrice, uint128 outputPrice) =
            _registry.offerAt(request.supplier, request.model, session);
        if (!active || request.inputPrice != inputPrice || request.outputPrice != outputPrice) {
            revert RequestMismatch(RelayField.Price);
        }

        requestHash = RelayHashing.hashRequest(request);
        key = _hashTypedDataV4(requestHash);
        address signer = _recover(key, signature);
        if (signer != application && (signer == address(0) || !_registry.isDelegatedAt(application, signer, session))) {
            revert InvalidRequestSignature(signer, application);
        }
    }

    function _requireReceiptSigner(bytes32 receiptHash, bytes calldata signature, address operator) private view {
        address signer = _recover(_hashTypedDataV4(receiptHash), signature);
        if (signer == address(0) || signer != operator) revert InvalidReceiptSignature(signer, operator);
    }

    /// @dev The one signature rule: exactly 65 bytes, v 27 or 28, low s, a non-zero signer; zero otherwise.
    ///      OpenZeppelin's tryRecover enforces the length, low s and the zero check; ecrecover returns zero for
    ///      any other v, and v is checked here too so that the rule does not rest on a precompile's behaviour.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address signer) {
        if (signature.length != 65) return address(0);
        uint8 v = uint8(signature[64]);
        if (v != 27 && v != 28) return address(0);
        (signer,,) = ECDSA.tryRecover(digest, signature);
    }

    function _amountOf(StoredClaim storage stored) private view returns (uint256) {
        return Math.mulDiv(stored.rootSum, WAD, stored.probabilityWad);
    }

    /// @dev max(missingProofPenalty, amount): what a claim puts at stake (protocol.md §7).
    function _collateralOf(uint256 amount) private view returns (uint256) {
        return amount > _missingProofPenalty ? amount : _missingProofPenalty;
    }

    function _isProofRequired(StoredClaim storage stored, bytes32 claimKey, uint256 amount)
        private
        view
        returns (bool)
    {
        return Probability.isProofRequired(
            amount, _proofThreshold, _proofSeeds[stored.session], claimKey, _proofProbabilityWad
        );
    }

    /// @dev amount * min(1, budget / total), capped at what the application still holds.
    function _payable(address application, uint64 session, uint256 amount) private view returns (uint256 pay) {
        uint256 budget = sessionBudget(application, session);
        uint256 total = _sessionTotals[application][session];
        pay = total <= budget ? amount : Math.mulDiv(amount, budget, total);
        (uint256 stake, uint256 unbonding,) = _registry.applicationStake(application);
        uint256 available = stake + unbonding;
        if (pay > available) pay = available;
    }

    function _pay(address application, address to, uint256 amount) private returns (uint256) {
        return amount == 0 ? 0 : _registry.payFromApplication(application, to, amount);
    }

    /// @dev Adds a claim's leaf count to the model's pending session, folding an older pending session first.
    ///      A claim of a session older than the pending one (possible only with overlapping claim windows) is
    ///      not counted: that session was already folded.
    function _addPendingCount(bytes32 model, uint64 session, uint64 count) private {
        Difficulty storage difficulty = _difficulties[model];
        if (difficulty.hasPending && difficulty.pendingSession < session) _fold(model, difficulty);
        if (difficulty.hasPending) {
            if (difficulty.pendingSession != session) return;
            uint256 sum = uint256(difficulty.pendingCount) + count;
            // Saturates: an absurd count must not block other suppliers' claims.
            // forge-lint: disable-next-line(unsafe-typecast) — clamped
            difficulty.pendingCount = sum > type(uint64).max ? type(uint64).max : uint64(sum);
        } else if (!difficulty.initialized || session > difficulty.pendingSession) {
            difficulty.hasPending = true;
            difficulty.pendingSession = session;
            difficulty.pendingCount = count;
        }
    }

    /// @dev The fold of {IAviarySettlement}: idle recovery, then an EMA whose observation is clamped to
    ///      [prior / 2, 2 * prior], then p' clamped to [p / 2, 2p]. Clamping the observation as well as p keeps
    ///      one inflated count from moving the EMA (and so every later p) by more than (1 + α) per fold.
    function _fold(bytes32 model, Difficulty storage difficulty) private {
        uint64 dataSession = difficulty.pendingSession;
        uint256 current = _latestProbability(model);
        uint256 prior;
        if (difficulty.initialized) {
            prior = difficulty.emaWad;
            uint256 idle = dataSession - difficulty.lastFoldedSession - 1;
            if (idle != 0) {
                if (idle > 64) idle = 64;
                current = current << idle;
                if (current > WAD) current = WAD;
                // Never below what the recovered p implies: after a long idle stretch the model starts over as new.
                prior = _max(prior >> idle, uint256(_targetMinedPerSession) * 1e36 / current);
            }
        }
        // A new model's prior is what its initial p implies (p = target / ema), so its first fold is clamped too.
        if (prior == 0) prior = uint256(_targetMinedPerSession) * 1e36 / current;
        uint256 estimate = uint256(difficulty.pendingCount) * 1e36 / miningProbabilityAt(model, dataSession);
        estimate = _clamp(estimate, prior / 2, prior * 2);
        uint256 ema = (_difficultyAlphaWad * estimate + (WAD - _difficultyAlphaWad) * prior) / WAD;
        uint256 probability = ema == 0 ? WAD : uint256(_targetMinedPerSession) * 1e36 / ema;
        probability = _clamp(probability, current / 2, current * 2);
        probability = _clamp(probability, 1, WAD);
        uint64 effective = currentSession() + 1;

        difficulty.emaWad = ema;
        difficulty.initialized = true;
        difficulty.hasPending = false;
        difficulty.pendingCount = 0;
        difficulty.lastFoldedSession = dataSession;
        // forge-lint: disable-next-line(unsafe-typecast) — probability <= 1e18
        _probabilities[model].push(SafeCast.toUint48(effective), uint208(probability));

        // forge-lint: disable-next-line(unsafe-typecast) — probability <= 1e18
        emit DifficultyUpdated(model, dataSession, effective, ema, uint64(probability));
    }

    /// @dev The probability pushed last (the one the newest sessions use), or the initial one.
    function _latestProbability(bytes32 model) private view returns (uint256) {
        uint256 stored = _probabilities[model].latest();
        return stored == 0 ? _initialMiningProbabilityWad : stored;
    }

    function _max(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a : b;
    }

    function _clamp(uint256 value, uint256 low, uint256 high) private pure returns (uint256) {
        if (value < low) return low;
        if (value > high) return high;
        return value;
    }
}
