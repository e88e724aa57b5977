// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {Test} from "./Test.sol";
import {TrieBuilder, TrieLeaf, TrieProof} from "./TrieBuilder.sol";
import {AviaryToken} from "../../src/AviaryToken.sol";
import {AviaryRegistry} from "../../src/AviaryRegistry.sol";
import {AviarySettlement} from "../../src/AviarySettlement.sol";
import {IAviaryRegistry} from "../../src/interfaces/IAviaryRegistry.sol";
import {RelayHashing} from "../../src/libraries/RelayHashing.sol";
import {Probability} from "../../src/libraries/Probability.sol";
import {
    LeafProof,
    LeafValue,
    ModelKind,
    ProofDraw,
    RegistryParams,
    RelayReceipt,
    RelayRequest,
    SettlementParams,
    TrieNode
} from "../../src/types/AviaryTypes.sol";

/// @dev A deployed registry + settlement with devnet windows (L 20, grace 4, claim 8, proof 8: pendingSessions 3,
///      application unbonding 4 sessions), one model, one supplier (owner + operator key), one application, two
///      gateways (the first delegated), all effective from session SESSION. Penalty / threshold / proof probability
///      have the devnet ratios (10x, 0.25) at a tenth of the devnet amounts. Helpers sign relays, build tries,
///      prove drawn leaves and move through windows.
abstract contract SettlementFixture is Test {
    uint64 internal constant L = 20;
    uint64 internal constant GRACE = 4;
    uint64 internal constant CLAIM = 8;
    uint64 internal constant PROOF = 8;
    uint256 internal constant START_BLOCK = 1000; // first block of session 50
    uint64 internal constant SESSION = 51; // the first session where stakes, offers and delegations apply

    uint256 internal constant MIN_SUPPLIER = 100e18;
    uint256 internal constant MIN_APP = 10e18;
    uint256 internal constant MIN_GATEWAY = 10e18;
    uint256 internal constant MODEL_FEE = 1e18;
    uint256 internal constant SUPPLIER_STAKE = 1_000e18;
    uint256 internal constant APP_STAKE = 1_000e18;

    uint16 internal constant SOURCE_SHARE_BPS = 1_000;
    uint16 internal constant PROTOCOL_SHARE_BPS = 500;
    uint128 internal constant INPUT_PRICE = 1e12;
    uint128 internal constant OUTPUT_PRICE = 3e12;
    uint128 internal constant MAX_COST = 1e18;
    uint256 internal constant PROOF_THRESHOLD = 10e18;
    uint256 internal constant MISSING_PROOF_PENALTY = 100e18;
    uint256 internal constant EQUIVOCATION_PENALTY = 50e18;
    uint16 internal constant REPORTER_SHARE_BPS = 2_000;

    uint256 internal constant APP_KEY = 0xA11CE;
    uint256 internal constant GATEWAY_KEY = 0x6A7E;
    uint256 internal constant GATEWAY2_KEY = 0x6A7E2;
    uint256 internal constant SUPPLIER_KEY = 0x5011;
    uint256 internal constant OPERATOR_KEY = 0x0B1;
    uint256 internal constant STRANGER_KEY = 0xBAD;

    address internal constant TREASURY = address(0x7EA5);
    address internal constant SOURCE = address(0x50CE);
    address internal constant REPORTER = address(0x4E90);

    address internal APP;
    address internal GATEWAY;
    address internal GATEWAY2;
    address internal SUPPLIER;
    address internal OPERATOR;
    address internal STRANGER;

    string internal constant MODEL_NAME = "llama-3.1-8b-instruct-q4_k_m";
    bytes32 internal MODEL;

    AviaryToken internal token;
    AviaryRegistry internal registry;
    AviarySettlement internal settlement;

    function registryParams() internal pure virtual returns (RegistryParams memory) {
        return RegistryParams({
            sessionBlocks: L,
            graceBlocks: GRACE,
            claimBlocks: CLAIM,
            proofBlocks: PROOF,
            minSupplierStake: MIN_SUPPLIER,
            minApplicationStake: MIN_APP,
            minGatewayStake: MIN_GATEWAY,
            modelFee: MODEL_FEE,
            maxSourceShareBps: 2_000,
            maxDelegates: 8,
            supplierUnbondingSessions: 3,
            applicationUnbondingSessions: 4, // >= pendingSessions (3) + 1
            gatewayUnbondingSessions: 1,
            treasury: TREASURY
        });
    }

    function settlementParams() internal pure virtual returns (SettlementParams memory) {
        return SettlementParams({
            protocolShareBps: PROTOCOL_SHARE_BPS,
            proofThreshold: PROOF_THRESHOLD,
            proofProbabilityWad: 0.25e18,
            missingProofPenalty: MISSING_PROOF_PENALTY,
            equivocationPenalty: EQUIVOCATION_PENALTY,
            reporterShareBps: REPORTER_SHARE_BPS,
            initialMiningProbabilityWad: 1e18,
            targetMinedPerSession: 100,
            difficultyAlphaWad: 0.1e18
        });
    }

    function setUp() public virtual {
        APP = vm.addr(APP_KEY);
        GATEWAY = vm.addr(GATEWAY_KEY);
        GATEWAY2 = vm.addr(GATEWAY2_KEY);
        SUPPLIER = vm.addr(SUPPLIER_KEY);
        OPERATOR = vm.addr(OPERATOR_KEY);
        STRANGER = vm.addr(STRANGER_KEY);
        deploy(settlementParams(), SOURCE_SHARE_BPS, APP_STAKE, SUPPLIER_STAKE);
    }

    /// @dev Fresh token, registry and settlement; stakes, offer and delegation made in session 50, effective in 51.
    function deploy(SettlementParams memory params_, uint16 sourceShareBps, uint256 appStake, uint256 supplierStake)
        internal
    {
        vm.roll(START_BLOCK);
        token = new AviaryToken(address(this));
        registry = new AviaryRegistry(IERC20(address(token)), registryParams());
        settlement = new AviarySettlement(IAviaryRegistry(address(registry)), params_);
        registry.setSettlement(address(settlement));

        fund(SOURCE, MODEL_FEE);
        vm.prank(SOURCE);
        MODEL = registry.registerModel(
            MODEL_NAME, keccak256("weights"), "ipfs://weights", ModelKind.Chat, SOURCE, sourceShareBps
        );

        stakeSupplier(SUPPLIER, supplierStake, OPERATOR);
        vm.prank(SUPPLIER);
        registry.setOffer(MODEL, INPUT_PRICE, OUTPUT_PRICE);

        stakeApplication(APP, appStake);
        uint256 gatewayStake = registryParams().minGatewayStake;
        fund(GATEWAY, gatewayStake);
        vm.prank(GATEWAY);
        registry.stakeGateway(gatewayStake, "https://gateway.example");
        fund(GATEWAY2, gatewayStake);
        vm.prank(GATEWAY2);
        registry.stakeGateway(gatewayStake, "https://gateway2.example");
        vm.prank(APP);
        registry.delegate(GATEWAY);

        vm.roll(uint256(SESSION) * L);
    }

    // ───────────────────────────── accounts ─────────────────────────────

    function fund(address account, uint256 amount) internal {
        token.mint(account, amount);
        vm.prank(account);
        token.approve(address(registry), type(uint256).max);
    }

    function stakeSupplier(address supplier, uint256 amount, address operator) internal {
        fund(supplier, amount);
        vm.prank(supplier);
        registry.stakeSupplier(amount, operator, "https://supplier.example");
    }

    function stakeApplication(address application, uint256 amount) internal {
        fund(application, amount);
        vm.prank(application);
        registry.stakeApplication(amount);
    }

    /// @dev Another supplier with `operator` (from now) and the fixture's offer (from the next session).
    function stakeSupplierWithOffer(address supplier, uint256 amount, address operator) internal {
        stakeSupplier(supplier, amount, operator);
        vm.prank(supplier);
        registry.setOffer(MODEL, INPUT_PRICE, OUTPUT_PRICE);
    }

    // ───────────────────────────── relays ─────────────────────────────

    function newRequest(uint64 nonce) internal view returns (RelayRequest memory) {
        return newRequest(SUPPLIER, APP, SESSION, nonce);
    }

    function newRequest(address supplier, address application, uint64 session, uint64 nonce)
        internal
        view
        returns (RelayRequest memory)
    {
        return RelayRequest({
            application: application,
            supplier: supplier,
            model: MODEL,
            session: session,
            nonce: nonce,
            bodyHash: keccak256(abi.encode("body", nonce)),
            inputPrice: INPUT_PRICE,
            outputPrice: OUTPUT_PRICE,
            maxCost: MAX_COST
        });
    }

    function signRequest(uint256 privateKey, RelayRequest memory request) internal view returns (bytes memory) {
        return signDigest(privateKey, settlement.relayKey(request));
    }

    function receiptFor(RelayRequest memory request, uint64 inputUnits, uint64 outputUnits)
        internal
        pure
        returns (RelayReceipt memory)
    {
        return RelayReceipt({
            request: RelayHashing.hashRequest(request),
            responseHash: keccak256(abi.encode("response", request.nonce, outputUnits)),
            inputUnits: inputUnits,
            outputUnits: outputUnits
        });
    }

    function signReceipt(uint256 privateKey, RelayReceipt memory receipt) internal view returns (bytes memory) {
        return signDigest(privateKey, settlement.hashRelayReceipt(receipt));
    }

    /// @dev A relay signed by the application and the operator.
    function signedRelay(RelayRequest memory request, uint64 inputUnits, uint64 outputUnits)
        internal
        view
        returns (LeafValue memory value)
    {
        return signedRelayBy(APP_KEY, OPERATOR_KEY, request, inputUnits, outputUnits);
    }

    /// @dev A relay whose request `requestKey` signed and whose receipt `operatorKey` signed.
    function signedRelayBy(
        uint256 requestKey,
        uint256 operatorKey,
        RelayRequest memory request,
        uint64 inputUnits,
        uint64 outputUnits
    ) internal view returns (LeafValue memory value) {
        value.request = request;
        value.requestSignature = signRequest(requestKey, request);
        value.receipt = receiptFor(request, inputUnits, outputUnits);
        value.receiptSignature = signReceipt(operatorKey, value.receipt);
    }

    /// @dev `count` relays of SUPPLIER to APP in `session`, nonces from `firstNonce`, units varying with the nonce.
    function signedRelays(uint64 session, uint64 firstNonce, uint256 count)
        internal
        view
        returns (LeafValue[] memory values)
    {
        values = new LeafValue[](count);
        for (uint256 i; i < count; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            uint64 nonce = firstNonce + uint64(i);
            values[i] = signedRelay(newRequest(SUPPLIER, APP, session, nonce), 100 + nonce % 50, 200 + nonce % 70);
        }
    }

    /// @dev One relay of `cost` (a multiple of INPUT_PRICE: input units only), signed by `appKey` and `operatorKey`.
    function pricedRelay(
        address supplier,
        uint256 operatorKey,
        address application,
        uint256 appKey,
        uint64 session,
        uint64 nonce,
        uint256 cost
    ) internal view returns (LeafValue memory) {
        RelayRequest memory request = newRequest(supplier, application, session, nonce);
        request.maxCost = type(uint128).max;
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        return signedRelayBy(appKey, operatorKey, request, uint64(cost / INPUT_PRICE), 0);
    }

    function trieLeafOf(LeafValue memory value) internal view returns (TrieLeaf memory) {
        return TrieLeaf({
            key: settlement.relayKey(value.request),
            valueHash: RelayHashing.valueHash(
                value.request, value.requestSignature, value.receipt, value.receiptSignature
            ),
            weight: uint128(RelayHashing.cost(value.request, value.receipt))
        });
    }

    function trieOf(LeafValue[] memory values) internal view returns (TrieLeaf[] memory leaves, TrieNode memory root) {
        leaves = new TrieLeaf[](values.length);
        for (uint256 i; i < values.length; ++i) {
            leaves[i] = trieLeafOf(values[i]);
        }
        root = TrieBuilder.root(leaves);
    }

    // ───────────────────────────── windows ─────────────────────────────

    function rollToClaimWindow(uint64 session) internal {
        (uint256 claimStart,,,,) = settlement.windows(session);
        vm.roll(claimStart);
    }

    function rollToProofWindow(uint64 session) internal {
        (,, uint256 proofStart,,) = settlement.windows(session);
        vm.roll(proofStart);
    }

    function rollToSettlement(uint64 session) internal {
        (,,,, uint256 settleFrom) = settlement.windows(session);
        vm.roll(settleFrom);
    }

    /// @dev Sets blockhash(M) (M = E + grace + 1, the mining seed block) of `session`; call inside its claim window
    ///      before the first claim.
    function setMiningSeed(uint64 session, bytes32 seed) internal {
        (uint256 claimStart,,,,) = settlement.windows(session);
        vm.setBlockhash(claimStart - 1, seed);
    }

    /// @dev Sets blockhash(B) of `session`; call inside its proof window before the seed is stored.
    function setProofSeed(uint64 session, bytes32 seed) internal {
        (,, uint256 proofStart,,) = settlement.windows(session);
        vm.setBlockhash(proofStart - 1, seed);
    }

    /// @dev In the proof window: stores a proof seed under which the claim does (or does not) need a proof.
    function storeProofSeedWhere(bytes32 claimKey, bool required) internal returns (bytes32 seed) {
        uint256 amount = settlement.getClaim(claimKey).amount;
        SettlementParams memory params_ = settlement.params();
        for (uint256 i; i < 256; ++i) {
            seed = keccak256(abi.encode("proof seed", claimKey, i));
            bool needs = Probability.isProofRequired(
                amount, params_.proofThreshold, seed, claimKey, params_.proofProbabilityWad
            );
            if (needs == required) break;
        }
        uint64 session = settlement.getClaim(claimKey).session;
        setProofSeed(session, seed);
        settlement.recordSeed(session);
        vm.assertTrue(settlement.isProofRequired(claimKey) == required, "no seed found");
    }

    // ───────────────────────────── claim / prove ─────────────────────────────

    function claimRoot(TrieNode memory root) internal returns (bytes32 claimKey) {
        vm.prank(OPERATOR);
        return settlement.claim(SUPPLIER, APP, MODEL, SESSION, root);
    }

    /// @dev The proofs prove() takes for the claim's draws over the claimed relays `values` (one when both draws
    ///      land on the same leaf, else [sum-drawn, count-drawn]); in the proof window (or once its seed block exists).
    function drawnProofs(bytes32 claimKey, LeafValue[] memory values) internal view returns (LeafProof[] memory) {
        (uint256 sumDraw, uint256 countDraw) = settlement.proofDraws(claimKey);
        return proofsFor(values, sumDraw, countDraw);
    }

    /// @dev The 1 or 2 proofs for given draws over `values`.
    function proofsFor(LeafValue[] memory values, uint256 sumDraw, uint256 countDraw)
        internal
        view
        returns (LeafProof[] memory proofs)
    {
        (TrieLeaf[] memory leaves,) = trieOf(values);
        TrieProof memory bySum = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, sumDraw);
        TrieProof memory byCount = TrieBuilder.drawnProof(leaves, ProofDraw.Count, countDraw);
        if (bySum.leafIndex == byCount.leafIndex) {
            proofs = new LeafProof[](1);
        } else {
            proofs = new LeafProof[](2);
            proofs[1] = leafProof(values[byCount.leafIndex], byCount);
        }
        proofs[0] = leafProof(values[bySum.leafIndex], bySum);
    }

    /// @dev Proves the claim's drawn leaves of `values` (the claimed trie); in the proof window.
    function proveDrawn(bytes32 claimKey, LeafValue[] memory values) internal returns (LeafProof[] memory proofs) {
        proofs = drawnProofs(claimKey, values);
        vm.prank(OPERATOR);
        settlement.prove(claimKey, proofs);
    }

    function leafProof(LeafValue memory value, TrieProof memory proof) internal pure returns (LeafProof memory) {
        return LeafProof({leaf: value, sideNodes: proof.sideNodes, emptyMask: proof.emptyMask});
    }

    /// @dev The single proof of a one-leaf trie (depth 0: both draws land on it).
    function soleProof(LeafValue memory value) internal pure returns (LeafProof[] memory proofs) {
        proofs = new LeafProof[](1);
        proofs[0] = LeafProof({leaf: value, sideNodes: new TrieNode[](0), emptyMask: 0});
    }

    function costOf(LeafValue memory value) internal pure returns (uint256) {
        return RelayHashing.cost(value.request, value.receipt);
    }

    function assertBalanceInvariant() internal view {
        vm.assertEq(token.balanceOf(address(registry)), registry.totalHeld(), "registry balance != totalHeld");
    }
}
