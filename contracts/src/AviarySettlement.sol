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
import {SumTrie} from "./libraries/SumTrie.sol";
import {
    Claim,
    LeafValue,
    Model,
    RegistryParams,
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
        if (address(registry_) == address(0)) revert InvalidParams("registry is zero");
        RegistryParams memory windows_ = registry_.params();
        if (windows_.sessionBlocks == 0) revert InvalidParams("sessionBlocks is zero");
        if (windows_.claimBlocks == 0 || windows_.claimBlocks > 256) revert InvalidParams("claimBlocks");
        if (windows_.proofBlocks == 0 || windows_.proofBlocks > 256) revert InvalidParams("proofBlocks");
        if (windows_.treasury == address(0)) revert InvalidParams("treasury is zero");
        if (uint256(params_.protocolShareBps) + windows_.maxSourceShareBps > BPS) {
            revert InvalidParams("protocolShareBps + maxSourceShareBps > 10000");
        }
        if (params_.proofProbabilityWad > WAD) revert InvalidParams("proofProbabilityWad > 1e18");
        if (params_.initialMiningProbabilityWad == 0 || params_.initialMiningProbabilityWad > WAD) {
            revert InvalidParams("initialMiningProbabilityWad");
        }
        if (params_.difficultyAlphaWad == 0 || params_.difficultyAlphaWad > WAD) {
            revert InvalidParams("difficultyAlphaWad");
        }
        if (params_.reporterShareBps > BPS) revert InvalidParams("reporterShareBps > 10000");
        if (params_.targetMinedPerSession == 0) revert InvalidParams("targetMinedPerSession is zero");

        _registry = registry_;
        _treasury = windows_.treasury;
        _sessionBlocks = windows_.sessionBlocks;
        _graceBlocks = windows_.graceBlocks;
        _claimBlocks = windows_.claimBlocks;
        _proofBlocks = windows_.proofBlocks;
        _pendingSessions = Math.ceilDiv(
            uint256(windows_.graceBlocks) + windows_.claimBlocks + windows_.proofBlocks, windows_.sessionBlocks
        ) + 1;

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

        _recordMiningSeed(session, claimStart - 1);
        uint64 probability = miningProbabilityAt(model, session);
        uint256 amount = Math.mulDiv(root.sum, WAD, probability);

        stored.supplier = supplier;
        stored.session = session;
        stored.application = application;
        stored.rootCount = root.count;
        stored.model = model;
        stored.rootHash = root.hash;
        stored.rootSum = root.sum;
        stored.probabilityWad = probability;
        _sessionTotals[application][session] += amount;
        _addPendingCount(model, session, root.count);

        emit Claimed(claimKey, supplier, application, model, session, root.hash, root.sum, root.count, amount);
    }

    /// @inheritdoc IAviarySettlement
    /// @dev Checks in this order: window, not proven, request fields, prices, request signature, receipt's request,
    ///      receipt signature, cost, mining, closest proof. A proof is accepted whether or not it is required.
    function prove(bytes32 claimKey, LeafValue calldata leaf, TrieNode[] calldata sideNodes, uint256 emptyMask)
        external
    {
        StoredClaim storage stored = _claims[claimKey];
        if (stored.supplier == address(0)) revert ClaimNotFound(claimKey);
        uint64 session = stored.session;
        (,, uint256 proofStart, uint256 proofEnd,) = windows(session);
        _requireWithin(session, proofStart, proofEnd);
        if (stored.proven) revert AlreadyProven(claimKey);
        bytes32 target = Probability.proofTarget(_recordProofSeed(session, proofStart - 1), claimKey);

        (bytes32 key, uint256 depth) = _verifyLeaf(stored, target, leaf, sideNodes, emptyMask);

        stored.proven = true;

        emit Proven(claimKey, key, depth);
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

        stored.settled = true;

        address supplier = stored.supplier;
        uint256 amount = _amountOf(stored);
        if (!stored.proven && _isProofRequired(stored, claimKey, amount)) {
            uint256 slashed =
                _missingProofPenalty == 0 ? 0 : _registry.slashSupplier(supplier, _missingProofPenalty, _treasury);
            emit ProofMissing(claimKey, supplier, slashed);
            emit Settled(claimKey, 0, 0, 0, 0);
            return 0;
        }

        address application = stored.application;
        uint256 pay = _payable(application, stored.session, amount);
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
        result.proven = stored.proven;
        result.settled = stored.settled;
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
    /// @dev Before the proof seed is stored, previews it from blockhash(B) when that block is readable.
    function proofTarget(bytes32 claimKey) external view returns (bytes32) {
        StoredClaim storage stored = _claims[claimKey];
        if (stored.supplier == address(0)) revert ClaimNotFound(claimKey);
        uint64 session = stored.session;
        bytes32 seed = _proofSeeds[session];
        if (seed == bytes32(0)) {
            (,, uint256 proofStart,,) = windows(session);
            seed = blockhash(proofStart - 1);
            if (seed == bytes32(0)) revert SeedUnavailable(session, proofStart - 1);
        }
        return Probability.proofTarget(seed, claimKey);
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
        uint256 servedUntil = (uint256(session) + 1) * _sessionBlocks - 1 + _graceBlocks;
        claimStart = servedUntil + 1;
        claimEnd = servedUntil + _claimBlocks;
        proofStart = claimEnd + 1;
        proofEnd = claimEnd + _proofBlocks;
        settleFrom = proofEnd + 1;
    }

    /// @inheritdoc IAviarySettlement
    /// @dev False for any invalid proof; SumTrie.check tells which check failed.
    function verifyClosestProof(
        TrieNode calldata root,
        bytes32 target,
        bytes32 key,
        bytes32 valueHash,
        uint128 weight,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) external pure returns (bool) {
        (SumTrie.Verdict verdict,,) = SumTrie.check(root, target, key, valueHash, weight, sideNodes, emptyMask);
        return verdict == SumTrie.Verdict.Valid;
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

    /// @dev Checks one signed relay (request, receipt, cost, mining) and its closest proof.
    function _verifyLeaf(
        StoredClaim storage stored,
        bytes32 target,
        LeafValue calldata leaf,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) private view returns (bytes32 key, uint256 depth) {
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

        TrieNode memory root = TrieNode(stored.rootHash, stored.rootSum, stored.rootCount);
        // forge-lint: disable-next-line(unsafe-typecast) — cost <= maxCost, a uint128
        depth = SumTrie.verify(root, target, key, valueHash, uint128(cost), sideNodes, emptyMask);
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
        if (request.supplier != stored.supplier) revert RequestMismatch("supplier");
        if (request.application != application) revert RequestMismatch("application");
        if (request.model != stored.model) revert RequestMismatch("model");
        if (request.session != session) revert RequestMismatch("session");
        (bool active, uint128 inputPrice, uint128 outputPrice) =
            _registry.offerAt(request.supplier, request.model, session);
        if (!active || request.inputPrice != inputPrice || request.outputPrice != outputPrice) {
            revert RequestMismatch("price");
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

    /// @dev The signer, or zero for a malformed, malleable or invalid signature.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address signer) {
        (signer,,) = ECDSA.tryRecover(digest, signature);
    }

    function _amountOf(StoredClaim storage stored) private view returns (uint256) {
        return Math.mulDiv(stored.rootSum, WAD, stored.probabilityWad);
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

    /// @dev estimate = count * 1e36 / p(s); ema = first ? estimate : (alpha*estimate + (1e18-alpha)*ema) / 1e18;
    ///      p' = clamp(target * 1e36 / ema, 1, 1e18), effective from currentSession() + 1.
    function _fold(bytes32 model, Difficulty storage difficulty) private {
        uint64 dataSession = difficulty.pendingSession;
        uint256 estimate = uint256(difficulty.pendingCount) * 1e36 / miningProbabilityAt(model, dataSession);
        uint256 ema = difficulty.initialized
            ? (_difficultyAlphaWad * estimate + (WAD - _difficultyAlphaWad) * difficulty.emaWad) / WAD
            : estimate;
        uint256 probability = ema == 0 ? WAD : uint256(_targetMinedPerSession) * 1e36 / ema;
        if (probability > WAD) probability = WAD;
        if (probability == 0) probability = 1;
        uint64 effective = currentSession() + 1;

        difficulty.emaWad = ema;
        difficulty.initialized = true;
        difficulty.hasPending = false;
        difficulty.pendingCount = 0;
        // forge-lint: disable-next-line(unsafe-typecast) — probability <= 1e18
        _probabilities[model].push(SafeCast.toUint48(effective), uint208(probability));

        // forge-lint: disable-next-line(unsafe-typecast) — probability <= 1e18
        emit DifficultyUpdated(model, dataSession, effective, ema, uint64(probability));
    }
}
