// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SettlementFixture} from "./utils/SettlementFixture.sol";
import {DifficultyModel} from "./utils/DifficultyModel.sol";
import {TrieBuilder, TrieLeaf, TrieProof} from "./utils/TrieBuilder.sol";
import {AviarySettlement} from "../src/AviarySettlement.sol";
import {IAviaryRegistry} from "../src/interfaces/IAviaryRegistry.sol";
import {IAviarySettlement} from "../src/interfaces/IAviarySettlement.sol";
import {Probability} from "../src/libraries/Probability.sol";
import {RelayHashing} from "../src/libraries/RelayHashing.sol";
import {SumTrie} from "../src/libraries/SumTrie.sol";
import {
    Claim,
    LeafProof,
    LeafValue,
    Parameter,
    ProofDraw,
    ProofVerdict,
    RelayField,
    RelayReceipt,
    RelayRequest,
    SettlementParams,
    TrieNode
} from "../src/types/AviaryTypes.sol";

contract AviarySettlementTest is SettlementFixture {
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ───────────────────────────── helpers ─────────────────────────────

    /// @dev `count` signed relays of SESSION, claimed in the claim window; returns the claim key and the relays.
    function claimRelays(uint256 count) internal returns (bytes32 claimKey, LeafValue[] memory values) {
        values = signedRelays(SESSION, 1, count);
        (, TrieNode memory root) = trieOf(values);
        rollToClaimWindow(SESSION);
        claimKey = claimRoot(root);
    }

    function fakeRoot(uint128 sum, uint64 count) internal pure returns (TrieNode memory) {
        return TrieNode(keccak256(abi.encode("root", sum, count)), sum, count);
    }

    function sel(bytes4 selector, bytes32 a) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, a);
    }

    function mismatch(RelayField field) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAviarySettlement.RequestMismatch.selector, field);
    }

    function balanceOf(address account) internal view returns (uint256) {
        return token.balanceOf(account);
    }

    /// @dev The builder's proof of the leaf of `values` that the claim's draw `by` selects.
    function drawnProofOf(bytes32 claimKey, LeafValue[] memory values, ProofDraw by)
        internal
        view
        returns (TrieProof memory)
    {
        (TrieLeaf[] memory leaves,) = trieOf(values);
        (uint256 sumDraw, uint256 countDraw) = settlement.proofDraws(claimKey);
        return TrieBuilder.drawnProof(leaves, by, by == ProofDraw.Sum ? sumDraw : countDraw);
    }

    function one(LeafValue memory value, TrieProof memory proof) internal pure returns (LeafProof[] memory proofs) {
        proofs = new LeafProof[](1);
        proofs[0] = leafProof(value, proof);
    }

    // ───────────────────────────── constructor ─────────────────────────────

    function test_constructor_storesParams() public view {
        SettlementParams memory stored = settlement.params();
        vm.assertEq(stored.protocolShareBps, PROTOCOL_SHARE_BPS);
        vm.assertEq(stored.proofThreshold, PROOF_THRESHOLD);
        vm.assertEq(stored.proofProbabilityWad, 0.25e18);
        vm.assertEq(stored.missingProofPenalty, MISSING_PROOF_PENALTY);
        vm.assertEq(stored.equivocationPenalty, EQUIVOCATION_PENALTY);
        vm.assertEq(stored.reporterShareBps, REPORTER_SHARE_BPS);
        vm.assertEq(stored.initialMiningProbabilityWad, 1e18);
        vm.assertEq(stored.targetMinedPerSession, 100);
        vm.assertEq(stored.difficultyAlphaWad, 0.1e18);
        vm.assertEq(settlement.registry(), address(registry));
        vm.assertEq(settlement.pendingSessions(), 3); // floor((4 + 1 + 8 + 8) / 20) + 2
        vm.assertEq(settlement.currentSession(), SESSION);
    }

    function _expectInvalidParameter(SettlementParams memory params_, Parameter parameter) internal {
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidParameter.selector, parameter));
        new AviarySettlement(IAviaryRegistry(address(registry)), params_);
    }

    function test_constructor_sharesAboveWhole_reverts() public {
        SettlementParams memory params_ = settlementParams();
        params_.protocolShareBps = 8_001; // + maxSourceShareBps 2000
        _expectInvalidParameter(params_, Parameter.ProtocolShareBps);
    }

    function test_constructor_probabilitiesOutOfRange_revert() public {
        SettlementParams memory params_ = settlementParams();
        params_.proofProbabilityWad = 1e18 + 1;
        _expectInvalidParameter(params_, Parameter.ProofProbabilityWad);
        params_ = settlementParams();
        params_.initialMiningProbabilityWad = 0;
        _expectInvalidParameter(params_, Parameter.InitialMiningProbabilityWad);
        params_.initialMiningProbabilityWad = 1e18 + 1;
        _expectInvalidParameter(params_, Parameter.InitialMiningProbabilityWad);
    }

    function test_constructor_alphaOutOfRange_reverts() public {
        SettlementParams memory params_ = settlementParams();
        params_.difficultyAlphaWad = 0;
        _expectInvalidParameter(params_, Parameter.DifficultyAlphaWad);
        params_.difficultyAlphaWad = 1e18 + 1;
        _expectInvalidParameter(params_, Parameter.DifficultyAlphaWad);
    }

    function test_constructor_reporterShareAboveWhole_reverts() public {
        SettlementParams memory params_ = settlementParams();
        params_.reporterShareBps = 10_001;
        _expectInvalidParameter(params_, Parameter.ReporterShareBps);
    }

    function test_constructor_zeroTarget_reverts() public {
        SettlementParams memory params_ = settlementParams();
        params_.targetMinedPerSession = 0;
        _expectInvalidParameter(params_, Parameter.TargetMinedPerSession);
    }

    function test_constructor_zeroRegistry_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidParameter.selector, Parameter.Registry));
        new AviarySettlement(IAviaryRegistry(address(0)), settlementParams());
    }

    /// @dev q * missingProofPenalty must exceed (1 - q) * proofThreshold (devnet: 0.25 * 10T > 0.75 * T).
    function test_constructor_penaltyTooSmallForThreshold_reverts() public {
        SettlementParams memory params_ = settlementParams();
        params_.missingProofPenalty = 3 * PROOF_THRESHOLD; // 0.25 * 3T == 0.75 * T: break-even is refused
        _expectInvalidParameter(params_, Parameter.MissingProofPenalty);
        params_.missingProofPenalty = 3 * PROOF_THRESHOLD + 1;
        new AviarySettlement(IAviaryRegistry(address(registry)), params_);
        params_.proofProbabilityWad = 0; // nothing below the threshold would ever be checked
        params_.missingProofPenalty = type(uint128).max;
        _expectInvalidParameter(params_, Parameter.MissingProofPenalty);
        params_.proofThreshold = 0; // every claim needs a proof: no constraint
        new AviarySettlement(IAviaryRegistry(address(registry)), params_);
    }

    function test_fuzz_constructor_penaltyConstraint(uint64 q, uint128 threshold, uint128 penalty) public {
        SettlementParams memory params_ = settlementParams();
        params_.proofProbabilityWad = uint64(bound(q, 0, 1e18));
        params_.proofThreshold = threshold;
        params_.missingProofPenalty = penalty;
        bool ok = threshold == 0
            || uint256(params_.proofProbabilityWad) * penalty > (1e18 - uint256(params_.proofProbabilityWad)) * threshold;
        if (!ok) vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidParameter.selector, Parameter.MissingProofPenalty));
        new AviarySettlement(IAviaryRegistry(address(registry)), params_);
    }

    // ───────────────────────────── views ─────────────────────────────

    function test_windows_matchSpec() public view {
        (uint256 claimStart, uint256 claimEnd, uint256 proofStart, uint256 proofEnd, uint256 settleFrom) =
            settlement.windows(SESSION);
        uint256 lastBlock = (uint256(SESSION) + 1) * L - 1; // E
        uint256 miningSeedBlock = lastBlock + GRACE + 1; // M: one block after serving ended (head < E + g)
        vm.assertEq(claimStart, miningSeedBlock + 1);
        vm.assertEq(claimEnd, miningSeedBlock + CLAIM); // B, the proof seed block
        vm.assertEq(proofStart, claimEnd + 1);
        vm.assertEq(proofEnd, claimEnd + PROOF);
        vm.assertEq(settleFrom, proofEnd + 1);
        vm.assertEq(settleFrom, lastBlock + GRACE + 1 + CLAIM + PROOF + 1); // D = g + 1 + c + pf after E
    }

    function test_domainSeparator_isEip712Domain() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Aviary"),
                keccak256("1"),
                block.chainid,
                address(settlement)
            )
        );
        vm.assertEq(settlement.domainSeparator(), expected);
    }

    function test_relayKey_isTypedDataDigestOfStructHash() public view {
        RelayRequest memory request = newRequest(7);
        bytes32 structHash = settlement.hashRelayRequest(request);
        vm.assertEq(structHash, RelayHashing.hashRequest(request));
        bytes32 expected = keccak256(abi.encodePacked("\x19\x01", settlement.domainSeparator(), structHash));
        vm.assertEq(settlement.relayKey(request), expected);
    }

    function test_hashRelayReceipt_isTypedDataDigest() public view {
        RelayReceipt memory receipt = receiptFor(newRequest(7), 10, 20);
        bytes32 expected =
            keccak256(abi.encodePacked("\x19\x01", settlement.domainSeparator(), RelayHashing.hashReceipt(receipt)));
        vm.assertEq(settlement.hashRelayReceipt(receipt), expected);
    }

    function test_claimKeyOf_encodesFourWords() public view {
        vm.assertEq(
            settlement.claimKeyOf(SUPPLIER, APP, MODEL, SESSION), keccak256(abi.encode(SUPPLIER, APP, MODEL, SESSION))
        );
    }

    function test_isMined_matchesLibrary() public view {
        vm.assertTrue(settlement.isMined(keccak256("k"), keccak256("s"), 1e18));
        vm.assertEq(
            settlement.isMined(keccak256("k"), keccak256("s"), 0.3e18),
            Probability.isMined(keccak256("k"), keccak256("s"), 0.3e18)
        );
    }

    function test_checkWeightedProof_verdicts() public view {
        LeafValue[] memory values = signedRelays(SESSION, 1, 6);
        (TrieLeaf[] memory leaves, TrieNode memory root) = trieOf(values);
        uint256 drawn = root.sum / 3;
        TrieProof memory proof = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, drawn);
        TrieLeaf memory leaf = leaves[proof.leafIndex];
        vm.assertTrue(
            settlement.checkWeightedProof(
                root, ProofDraw.Sum, drawn, leaf.key, leaf.valueHash, leaf.weight, proof.sideNodes, proof.emptyMask
            ) == ProofVerdict.Valid
        );
        vm.assertTrue(
            settlement.checkWeightedProof(
                root, ProofDraw.Sum, drawn, leaf.key, leaf.valueHash, leaf.weight + 1, proof.sideNodes, proof.emptyMask
            ) == ProofVerdict.RootMismatch
        );
        vm.assertTrue(
            settlement.checkWeightedProof(
                root,
                ProofDraw.Sum,
                drawn,
                leaf.key,
                leaf.valueHash,
                leaf.weight,
                proof.sideNodes,
                proof.emptyMask | (1 << 255)
            ) == ProofVerdict.InvalidDepth
        );
        vm.assertTrue(
            settlement.checkWeightedProof(
                root, ProofDraw.Sum, proof.end, leaf.key, leaf.valueHash, leaf.weight, proof.sideNodes, proof.emptyMask
            ) == ProofVerdict.NotDrawn
        );
        TrieProof memory byCount = TrieBuilder.drawnProof(leaves, ProofDraw.Count, 5);
        TrieLeaf memory last = leaves[byCount.leafIndex];
        vm.assertTrue(
            settlement.checkWeightedProof(
                root, ProofDraw.Count, 5, last.key, last.valueHash, last.weight, byCount.sideNodes, byCount.emptyMask
            ) == ProofVerdict.Valid
        );
        vm.assertTrue(
            settlement.checkWeightedProof(
                root, ProofDraw.Count, 4, last.key, last.valueHash, last.weight, byCount.sideNodes, byCount.emptyMask
            ) == ProofVerdict.NotDrawn
        );
    }

    function test_recoverSigner_oneSignatureRule() public view {
        bytes32 digest = keccak256("digest");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(APP_KEY, digest);
        vm.assertEq(settlement.recoverSigner(digest, abi.encodePacked(r, s, v)), APP);
        // v 0 / 1, any other v, high s, wrong lengths: zero.
        vm.assertEq(settlement.recoverSigner(digest, abi.encodePacked(r, s, v - 27)), address(0));
        vm.assertEq(settlement.recoverSigner(digest, abi.encodePacked(r, s, uint8(29))), address(0));
        vm.assertEq(
            settlement.recoverSigner(
                digest, abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27))
            ),
            address(0)
        );
        vm.assertEq(settlement.recoverSigner(digest, abi.encodePacked(r, s)), address(0));
        vm.assertEq(settlement.recoverSigner(digest, abi.encodePacked(r, s, v, uint8(0))), address(0));
        vm.assertEq(settlement.recoverSigner(digest, new bytes(65)), address(0));
    }

    function test_getClaim_unknown_returnsZero() public view {
        Claim memory stored = settlement.getClaim(keccak256("nothing"));
        vm.assertEq(stored.supplier, address(0));
        vm.assertEq(stored.amount, 0);
    }

    function test_sessionBudget_isStakeAtSessionOverPendingSessions() public view {
        vm.assertEq(settlement.sessionBudget(APP, SESSION), APP_STAKE / 3);
        vm.assertEq(settlement.sessionBudget(APP, SESSION - 2), 0); // before the stake
    }

    // ───────────────────────────── claim ─────────────────────────────

    function test_claim_byOperator_storesClaim() public {
        LeafValue[] memory values = signedRelays(SESSION, 1, 8);
        (, TrieNode memory root) = trieOf(values);
        rollToClaimWindow(SESSION);
        bytes32 expectedKey = settlement.claimKeyOf(SUPPLIER, APP, MODEL, SESSION);
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.Claimed(
            expectedKey, SUPPLIER, APP, MODEL, SESSION, root.hash, root.sum, root.count, root.sum, MISSING_PROOF_PENALTY
        );
        bytes32 claimKey = claimRoot(root);

        vm.assertEq(claimKey, expectedKey);
        Claim memory stored = settlement.getClaim(claimKey);
        vm.assertEq(stored.supplier, SUPPLIER);
        vm.assertEq(stored.application, APP);
        vm.assertEq(stored.model, MODEL);
        vm.assertEq(uint256(stored.session), SESSION);
        vm.assertEq(stored.root.hash, root.hash);
        vm.assertEq(stored.root.sum, root.sum);
        vm.assertEq(stored.root.count, 8);
        vm.assertEq(stored.amount, root.sum); // p = 1
        vm.assertEq(stored.collateral, MISSING_PROOF_PENALTY); // max(penalty, amount)
        vm.assertFalse(stored.proven);
        vm.assertFalse(stored.settled);
        vm.assertFalse(stored.slashed);
        vm.assertEq(settlement.sessionTotal(APP, SESSION), root.sum); // below the threshold: counted now
        (uint256 locked, uint256 unlocked) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, MISSING_PROOF_PENALTY);
        vm.assertEq(unlocked, SUPPLIER_STAKE - MISSING_PROOF_PENALTY);
        vm.assertEq(registry.unsettledClaimsOf(APP), 1);
    }

    function test_claim_aboveThreshold_locksAmountAndCountsOnlyWhenProven() public {
        rollToClaimWindow(SESSION);
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        uint128 sum = uint128(MISSING_PROOF_PENALTY) + 7; // amount above the penalty: collateral = amount
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.Claimed(
            settlement.claimKeyOf(SUPPLIER, APP, MODEL, SESSION),
            SUPPLIER,
            APP,
            MODEL,
            SESSION,
            fakeRoot(sum, 1).hash,
            sum,
            1,
            sum,
            sum
        );
        bytes32 claimKey = claimRoot(fakeRoot(sum, 1));
        vm.assertEq(settlement.getClaim(claimKey).collateral, sum);
        vm.assertEq(settlement.sessionTotal(APP, SESSION), 0);
        (uint256 locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, sum);
    }

    function test_claim_collateralAboveUnlocked_revertsInsufficientCollateral() public {
        rollToClaimWindow(SESSION);
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        uint128 sum = uint128(SUPPLIER_STAKE) + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.InsufficientCollateral.selector, SUPPLIER, uint256(sum), SUPPLIER_STAKE
            )
        );
        claimRoot(fakeRoot(sum, 1));
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        claimRoot(fakeRoot(uint128(SUPPLIER_STAKE), 1)); // exactly the whole stake is fine
        (, uint256 unlocked) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(unlocked, 0);
        stakeApplication(STRANGER, MIN_APP);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.InsufficientCollateral.selector, SUPPLIER, MISSING_PROOF_PENALTY, 0)
        );
        vm.prank(OPERATOR);
        settlement.claim(SUPPLIER, STRANGER, MODEL, SESSION, fakeRoot(1, 1));
    }

    function test_claim_bySupplierItself_succeeds() public {
        rollToClaimWindow(SESSION);
        vm.prank(SUPPLIER);
        bytes32 claimKey = settlement.claim(SUPPLIER, APP, MODEL, SESSION, fakeRoot(100, 1));
        vm.assertEq(settlement.getClaim(claimKey).supplier, SUPPLIER);
    }

    function test_claim_first_recordsMiningSeed() public {
        rollToClaimWindow(SESSION);
        bytes32 seed = keccak256("mining seed");
        setMiningSeed(SESSION, seed);
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.MiningSeedRecorded(SESSION, seed);
        claimRoot(fakeRoot(100, 1));
        vm.assertEq(settlement.miningSeed(SESSION), seed);

        // A later claim of the same session keeps the first seed.
        stakeApplication(STRANGER, MIN_APP);
        vm.roll(block.number + 1);
        vm.prank(OPERATOR);
        settlement.claim(SUPPLIER, STRANGER, MODEL, SESSION, fakeRoot(100, 1));
        vm.assertEq(settlement.miningSeed(SESSION), seed);
    }

    function test_claim_seedBlockHashZero_revertsSeedUnavailable() public {
        rollToClaimWindow(SESSION);
        (uint256 claimStart,,,,) = settlement.windows(SESSION);
        setMiningSeed(SESSION, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.SeedUnavailable.selector, SESSION, claimStart - 1));
        claimRoot(fakeRoot(100, 1));
    }

    function test_claim_byStranger_revertsNotOperator() public {
        rollToClaimWindow(SESSION);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.NotOperator.selector, SUPPLIER, STRANGER));
        vm.prank(STRANGER);
        settlement.claim(SUPPLIER, APP, MODEL, SESSION, fakeRoot(100, 1));
    }

    function test_claim_unregisteredSupplier_revertsNotOperator() public {
        rollToClaimWindow(SESSION);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.NotOperator.selector, STRANGER, STRANGER));
        vm.prank(STRANGER);
        settlement.claim(STRANGER, APP, MODEL, SESSION, fakeRoot(100, 1));
    }

    function test_claim_beforeWindow_revertsOutsideWindow() public {
        (uint256 claimStart, uint256 claimEnd,,,) = settlement.windows(SESSION);
        vm.roll(claimStart - 1); // the mining seed block M: its hash is not readable yet
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.OutsideWindow.selector, SESSION, claimStart - 1, claimStart, claimEnd
            )
        );
        claimRoot(fakeRoot(100, 1));
    }

    function test_claim_afterWindow_revertsOutsideWindow() public {
        (uint256 claimStart, uint256 claimEnd,,,) = settlement.windows(SESSION);
        vm.roll(claimEnd + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.OutsideWindow.selector, SESSION, claimEnd + 1, claimStart, claimEnd
            )
        );
        claimRoot(fakeRoot(100, 1));
    }

    function test_claim_lastBlockOfWindow_succeeds() public {
        (, uint256 claimEnd,,,) = settlement.windows(SESSION);
        vm.roll(claimEnd);
        claimRoot(fakeRoot(100, 1));
    }

    function test_claim_second_revertsClaimExists() public {
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(100, 1));
        vm.expectRevert(sel(IAviarySettlement.ClaimExists.selector, claimKey));
        claimRoot(fakeRoot(200, 2));
    }

    function test_claim_emptyRoot_revertsEmptyClaim() public {
        rollToClaimWindow(SESSION);
        vm.expectRevert(IAviarySettlement.EmptyClaim.selector);
        claimRoot(fakeRoot(100, 0));
        vm.expectRevert(IAviarySettlement.EmptyClaim.selector);
        claimRoot(fakeRoot(0, 1));
    }

    function test_claim_unknownModel_revertsModelNotRegistered() public {
        rollToClaimWindow(SESSION);
        vm.expectRevert(sel(IAviarySettlement.ModelNotRegistered.selector, keccak256("other")));
        vm.prank(OPERATOR);
        settlement.claim(SUPPLIER, APP, keccak256("other"), SESSION, fakeRoot(100, 1));
    }

    function test_claim_twoClaimsOneApp_addToSessionTotal() public {
        address supplier2 = address(0x5012);
        stakeSupplier(supplier2, MIN_SUPPLIER, address(0x0B2)); // operator from SESSION
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(100, 1));
        vm.prank(supplier2);
        settlement.claim(supplier2, APP, MODEL, SESSION, fakeRoot(250, 3));
        vm.assertEq(settlement.sessionTotal(APP, SESSION), 350);
    }

    // ───────────────────────────── prove ─────────────────────────────

    function test_prove_drawnLeaves_marksProven() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(8);
        rollToProofWindow(SESSION);
        (,, uint256 proofStart,,) = settlement.windows(SESSION);
        bytes32 seed = blockhash(proofStart - 1);
        (bytes32 sumKey, bytes32 countKey) = _drawnKeys(claimKey, values, seed);
        LeafProof[] memory proofs = drawnProofs(claimKey, values);
        vm.assertEq(proofs.length, sumKey == countKey ? 1 : 2);

        vm.expectEmit(address(settlement));
        emit IAviarySettlement.ProofSeedRecorded(SESSION, seed);
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.Proven(claimKey, sumKey, countKey);
        settlement.prove(claimKey, proofs);

        vm.assertTrue(settlement.getClaim(claimKey).proven);
        vm.assertEq(settlement.proofSeed(SESSION), seed);
    }

    /// @dev The relay keys the claim's draws select under `seed` (and the preview agrees with the library).
    function _drawnKeys(bytes32 claimKey, LeafValue[] memory values, bytes32 seed)
        internal
        view
        returns (bytes32 sumKey, bytes32 countKey)
    {
        TrieNode memory root = settlement.getClaim(claimKey).root;
        (uint256 sumDraw, uint256 countDraw) = Probability.proofDraws(seed, claimKey, root.sum, root.count);
        (uint256 previewSum, uint256 previewCount) = settlement.proofDraws(claimKey);
        vm.assertEq(previewSum, sumDraw);
        vm.assertEq(previewCount, countDraw);
        (TrieLeaf[] memory leaves,) = trieOf(values);
        sumKey = leaves[TrieBuilder.drawnProof(leaves, ProofDraw.Sum, sumDraw).leafIndex].key;
        countKey = leaves[TrieBuilder.drawnProof(leaves, ProofDraw.Count, countDraw).leafIndex].key;
    }

    /// @dev Finds a proof seed under which both draws land on one leaf, or on two different leaves.
    function _seedWhereDrawsCoincide(bytes32 claimKey, LeafValue[] memory values, bool same)
        internal
        view
        returns (bytes32 seed, TrieProof memory bySum, TrieProof memory byCount)
    {
        (TrieLeaf[] memory leaves, TrieNode memory root) = trieOf(values);
        for (uint256 i; i < 256; ++i) {
            seed = keccak256(abi.encode("coincide", i));
            (uint256 sumDraw, uint256 countDraw) = Probability.proofDraws(seed, claimKey, root.sum, root.count);
            bySum = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, sumDraw);
            byCount = TrieBuilder.drawnProof(leaves, ProofDraw.Count, countDraw);
            if ((bySum.leafIndex == byCount.leafIndex) == same) return (seed, bySum, byCount);
        }
        revert("no seed");
    }

    function test_prove_sameLeafDrawnTwice_oneProof() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(3);
        rollToProofWindow(SESSION);
        (bytes32 seed, TrieProof memory bySum,) = _seedWhereDrawsCoincide(claimKey, values, true);
        setProofSeed(SESSION, seed);
        bytes32 key = settlement.relayKey(values[bySum.leafIndex].request);
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.Proven(claimKey, key, key);
        settlement.prove(claimKey, one(values[bySum.leafIndex], bySum));
        vm.assertTrue(settlement.getClaim(claimKey).proven);
    }

    function test_prove_differentLeaves_oneProof_revertsLeafNotDrawnByCount() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(6);
        rollToProofWindow(SESSION);
        (bytes32 seed, TrieProof memory bySum, TrieProof memory byCount) =
            _seedWhereDrawsCoincide(claimKey, values, false);
        setProofSeed(SESSION, seed);
        (, uint256 countDraw) = settlement.proofDraws(claimKey);
        vm.assertEq(countDraw, byCount.start);
        (TrieLeaf[] memory leaves,) = trieOf(values);
        // The sum-drawn leaf's position by count (its count prefix).
        uint256 position;
        for (uint256 i; i < leaves.length; ++i) {
            if (TrieBuilder.drawnProof(leaves, ProofDraw.Count, i).leafIndex == bySum.leafIndex) position = i;
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.LeafNotDrawn.selector, ProofDraw.Count, countDraw, position, position + 1
            )
        );
        settlement.prove(claimKey, one(values[bySum.leafIndex], bySum));
    }

    function test_prove_twoProofsSwapped_revertsLeafNotDrawn() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(6);
        rollToProofWindow(SESSION);
        (bytes32 seed, TrieProof memory bySum, TrieProof memory byCount) =
            _seedWhereDrawsCoincide(claimKey, values, false);
        setProofSeed(SESSION, seed);
        (uint256 sumDraw,) = settlement.proofDraws(claimKey);
        LeafProof[] memory swapped = new LeafProof[](2);
        swapped[0] = leafProof(values[byCount.leafIndex], byCount);
        swapped[1] = leafProof(values[bySum.leafIndex], bySum);
        (TrieLeaf[] memory leaves,) = trieOf(values);
        TrieProof memory countLeafBySum = TrieBuilder.proofOf(leaves, byCount.leafIndex);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.LeafNotDrawn.selector, ProofDraw.Sum, sumDraw, countLeafBySum.start, countLeafBySum.end
            )
        );
        settlement.prove(claimKey, swapped);
    }

    function test_prove_twoProofsOfSameLeaf_accepted() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(3);
        rollToProofWindow(SESSION);
        (bytes32 seed, TrieProof memory bySum,) = _seedWhereDrawsCoincide(claimKey, values, true);
        setProofSeed(SESSION, seed);
        LeafProof[] memory twice = new LeafProof[](2);
        twice[0] = leafProof(values[bySum.leafIndex], bySum);
        twice[1] = twice[0];
        settlement.prove(claimKey, twice);
        vm.assertTrue(settlement.getClaim(claimKey).proven);
    }

    function test_prove_noProofOrThree_revertsInvalidProofCount() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(2);
        rollToProofWindow(SESSION);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidProofCount.selector, 0));
        settlement.prove(claimKey, new LeafProof[](0));
        LeafProof[] memory proofs = drawnProofs(claimKey, values);
        LeafProof[] memory three = new LeafProof[](3);
        three[0] = proofs[0];
        three[1] = proofs[0];
        three[2] = proofs[proofs.length - 1];
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidProofCount.selector, 3));
        settlement.prove(claimKey, three);
    }

    function test_prove_singleLeafTrie_depthZero() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(1);
        rollToProofWindow(SESSION);
        LeafProof[] memory proofs = proveDrawn(claimKey, values);
        vm.assertEq(proofs.length, 1);
        vm.assertEq(proofs[0].sideNodes.length, 0);
        vm.assertTrue(settlement.getClaim(claimKey).proven);
    }

    function test_prove_byDelegatedGateway_succeeds() public {
        LeafValue[] memory values = signedRelays(SESSION, 1, 4);
        for (uint256 i; i < values.length; ++i) {
            values[i].requestSignature = signRequest(GATEWAY_KEY, values[i].request);
        }
        (, TrieNode memory root) = trieOf(values);
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(root);
        rollToProofWindow(SESSION);
        proveDrawn(claimKey, values);
        vm.assertTrue(settlement.getClaim(claimKey).proven);
    }

    function test_prove_byAnyone_succeeds() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(3);
        rollToProofWindow(SESSION);
        LeafProof[] memory proofs = drawnProofs(claimKey, values);
        vm.prank(STRANGER);
        settlement.prove(claimKey, proofs);
        vm.assertTrue(settlement.getClaim(claimKey).proven);
    }

    function test_prove_lastBlockOfWindow_succeeds() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(3);
        (,,, uint256 proofEnd,) = settlement.windows(SESSION);
        vm.roll(proofEnd);
        proveDrawn(claimKey, values);
    }

    function test_prove_twice_revertsAlreadyProven() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(4);
        rollToProofWindow(SESSION);
        LeafProof[] memory proofs = proveDrawn(claimKey, values);
        vm.expectRevert(sel(IAviarySettlement.AlreadyProven.selector, claimKey));
        settlement.prove(claimKey, proofs);
    }

    function test_prove_unknownClaim_revertsClaimNotFound() public {
        LeafValue[] memory values = signedRelays(SESSION, 1, 1);
        vm.expectRevert(sel(IAviarySettlement.ClaimNotFound.selector, keccak256("none")));
        settlement.prove(keccak256("none"), soleProof(values[0]));
    }

    function test_prove_beforeWindow_revertsOutsideWindow() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(2);
        (,, uint256 proofStart, uint256 proofEnd,) = settlement.windows(SESSION);
        vm.roll(proofStart - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.OutsideWindow.selector, SESSION, proofStart - 1, proofStart, proofEnd
            )
        );
        settlement.prove(claimKey, soleProof(values[0]));
    }

    function test_prove_afterWindow_revertsOutsideWindow() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(2);
        (,, uint256 proofStart, uint256 proofEnd,) = settlement.windows(SESSION);
        vm.roll(proofEnd + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.OutsideWindow.selector, SESSION, proofEnd + 1, proofStart, proofEnd
            )
        );
        settlement.prove(claimKey, soleProof(values[0]));
    }

    function test_prove_aboveThreshold_addsToSessionTotal() public {
        // One relay worth the threshold: counted in the total only once proven.
        RelayRequest memory request = newRequest(1);
        request.maxCost = type(uint128).max;
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        LeafValue memory value = signedRelay(request, uint64(PROOF_THRESHOLD / INPUT_PRICE), 0);
        vm.assertEq(costOf(value), PROOF_THRESHOLD);
        bytes32 claimKey = _claimOne(value);
        vm.assertEq(settlement.sessionTotal(APP, SESSION), 0);
        _proveOne(claimKey, value);
        vm.assertEq(settlement.sessionTotal(APP, SESSION), PROOF_THRESHOLD);
    }

    function test_prove_belowThreshold_totalUnchanged() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(3);
        uint256 total = settlement.sessionTotal(APP, SESSION);
        vm.assertEq(total, settlement.getClaim(claimKey).amount);
        rollToProofWindow(SESSION);
        proveDrawn(claimKey, values);
        vm.assertEq(settlement.sessionTotal(APP, SESSION), total);
    }

    // ── attacks on the request ──

    function _claimOne(LeafValue memory value) internal returns (bytes32 claimKey) {
        LeafValue[] memory values = new LeafValue[](1);
        values[0] = value;
        (, TrieNode memory root) = trieOf(values);
        rollToClaimWindow(value.request.session);
        vm.prank(OPERATOR);
        claimKey = settlement.claim(
            value.request.supplier, value.request.application, value.request.model, value.request.session, root
        );
        rollToProofWindow(value.request.session);
    }

    function _proveOne(bytes32 claimKey, LeafValue memory value) internal {
        settlement.prove(claimKey, soleProof(value));
    }

    function test_prove_forgedRequestSignature_revertsInvalidRequestSignature() public {
        LeafValue memory value = signedRelay(newRequest(1), 10, 10);
        value.requestSignature = signRequest(STRANGER_KEY, value.request);
        bytes32 claimKey = _claimOne(value);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidRequestSignature.selector, STRANGER, APP));
        _proveOne(claimKey, value);
    }

    function test_prove_signatureOfOtherRequest_revertsInvalidRequestSignature() public {
        // The app's signature of nonce 1, replayed on a request with nonce 2.
        LeafValue memory value = signedRelay(newRequest(2), 10, 10);
        bytes memory replayed = signRequest(APP_KEY, newRequest(1));
        value.requestSignature = replayed;
        bytes32 claimKey = _claimOne(value);
        address recovered = settlement.recoverSigner(settlement.relayKey(value.request), replayed);
        vm.assertNotEq(uint256(uint160(recovered)), uint256(uint160(APP)));
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidRequestSignature.selector, recovered, APP));
        _proveOne(claimKey, value);
    }

    function test_prove_signatureForOtherChain_revertsInvalidRequestSignature() public {
        LeafValue memory value = signedRelay(newRequest(1), 10, 10);
        bytes32 otherDomain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Aviary"),
                keccak256("1"),
                block.chainid + 1,
                address(settlement)
            )
        );
        bytes32 otherDigest =
            keccak256(abi.encodePacked("\x19\x01", otherDomain, RelayHashing.hashRequest(value.request)));
        value.requestSignature = signDigest(APP_KEY, otherDigest);
        bytes32 claimKey = _claimOne(value);
        address recovered = settlement.recoverSigner(settlement.relayKey(value.request), value.requestSignature);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidRequestSignature.selector, recovered, APP));
        _proveOne(claimKey, value);
    }

    function test_prove_malleableSignature_revertsInvalidRequestSignature() public {
        LeafValue memory value = signedRelay(newRequest(1), 10, 10);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(APP_KEY, settlement.relayKey(value.request));
        value.requestSignature = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        bytes32 claimKey = _claimOne(value);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidRequestSignature.selector, address(0), APP));
        _proveOne(claimKey, value);
    }

    function test_prove_gatewayDelegatedFromNextSession_revertsInvalidRequestSignature() public {
        vm.prank(APP);
        registry.delegate(GATEWAY2); // during SESSION: effective from SESSION + 1
        LeafValue memory value = signedRelay(newRequest(1), 10, 10);
        value.requestSignature = signRequest(GATEWAY2_KEY, value.request);
        bytes32 claimKey = _claimOne(value);
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY2, SESSION + 1));
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidRequestSignature.selector, GATEWAY2, APP));
        _proveOne(claimKey, value);
    }

    function test_prove_gatewayUndelegated_revertsInvalidRequestSignature() public {
        vm.prank(APP);
        registry.undelegate(GATEWAY); // during SESSION: no longer delegated from SESSION + 1
        uint64 session = SESSION + 1;
        vm.roll(uint256(session) * L);
        LeafValue memory value = signedRelay(newRequest(SUPPLIER, APP, session, 1), 10, 10);
        value.requestSignature = signRequest(GATEWAY_KEY, value.request);
        bytes32 claimKey = _claimOne(value);
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY, SESSION));
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidRequestSignature.selector, GATEWAY, APP));
        _proveOne(claimKey, value);
    }

    function test_prove_wrongPrices_revertsRequestMismatch() public {
        RelayRequest memory request = newRequest(1);
        request.outputPrice = OUTPUT_PRICE + 1;
        LeafValue memory value = signedRelay(request, 10, 10);
        bytes32 claimKey = _claimOne(value);
        vm.expectRevert(mismatch(RelayField.Price));
        _proveOne(claimKey, value);
    }

    function test_prove_noActiveOffer_revertsRequestMismatch() public {
        vm.prank(SUPPLIER);
        registry.removeOffer(MODEL); // from SESSION + 1
        uint64 session = SESSION + 1;
        vm.roll(uint256(session) * L);
        LeafValue memory value = signedRelay(newRequest(SUPPLIER, APP, session, 1), 10, 10);
        bytes32 claimKey = _claimOne(value);
        vm.expectRevert(mismatch(RelayField.Price));
        _proveOne(claimKey, value);
    }

    function test_prove_requestForOtherParties_revertsRequestMismatch() public {
        // The claim's relays are genuine; the proven leaf names someone else.
        (bytes32 claimKey,) = claimRelays(2);
        rollToProofWindow(SESSION);

        LeafValue memory value = signedRelay(newRequest(STRANGER, APP, SESSION, 1), 10, 10);
        vm.expectRevert(mismatch(RelayField.Supplier));
        _proveOne(claimKey, value);

        value = signedRelay(newRequest(SUPPLIER, STRANGER, SESSION, 1), 10, 10);
        vm.expectRevert(mismatch(RelayField.Application));
        _proveOne(claimKey, value);

        RelayRequest memory request = newRequest(1);
        request.model = keccak256("other model");
        value = signedRelay(request, 10, 10);
        vm.expectRevert(mismatch(RelayField.Model));
        _proveOne(claimKey, value);

        value = signedRelay(newRequest(SUPPLIER, APP, SESSION - 1, 1), 10, 10);
        vm.expectRevert(mismatch(RelayField.Session));
        _proveOne(claimKey, value);
    }

    function test_prove_secondProofForOtherParties_revertsRequestMismatch() public {
        // The sum-drawn leaf is genuine; the count-drawn one names another application.
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(6);
        rollToProofWindow(SESSION);
        (bytes32 seed, TrieProof memory bySum, TrieProof memory byCount) =
            _seedWhereDrawsCoincide(claimKey, values, false);
        setProofSeed(SESSION, seed);
        LeafProof[] memory proofs = new LeafProof[](2);
        proofs[0] = leafProof(values[bySum.leafIndex], bySum);
        proofs[1] = leafProof(signedRelay(newRequest(SUPPLIER, STRANGER, SESSION, 9), 10, 10), byCount);
        vm.expectRevert(mismatch(RelayField.Application));
        settlement.prove(claimKey, proofs);
    }

    // ── attacks on the receipt ──

    function test_prove_receiptForOtherRequest_revertsReceiptMismatch() public {
        LeafValue memory value = signedRelay(newRequest(1), 10, 10);
        RelayReceipt memory other = receiptFor(newRequest(2), 10, 10);
        value.receipt = other;
        value.receiptSignature = signReceipt(OPERATOR_KEY, other);
        bytes32 claimKey = _claimOne(value);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.ReceiptMismatch.selector, RelayHashing.hashRequest(value.request), other.request
            )
        );
        _proveOne(claimKey, value);
    }

    function test_prove_receiptNotByOperator_revertsInvalidReceiptSignature() public {
        LeafValue memory value = signedRelay(newRequest(1), 10, 10);
        value.receiptSignature = signReceipt(SUPPLIER_KEY, value.receipt); // the owner is not the operator
        bytes32 claimKey = _claimOne(value);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidReceiptSignature.selector, SUPPLIER, OPERATOR));
        _proveOne(claimKey, value);
    }

    function test_prove_costAboveMax_revertsCostAboveMax() public {
        RelayRequest memory request = newRequest(1);
        request.maxCost = 1e15;
        LeafValue memory value = signedRelay(request, 100, 1000); // 1e14 + 3e15
        bytes32 claimKey = _claimOne(value);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.CostAboveMax.selector, 31e14, uint128(1e15)));
        _proveOne(claimKey, value);
    }

    // ── attacks on the trie ──

    function test_prove_undrawnLeaf_revertsLeafNotDrawn() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(8);
        rollToProofWindow(SESSION);
        (uint256 sumDraw,) = settlement.proofDraws(claimKey);
        (TrieLeaf[] memory leaves, TrieNode memory root) = trieOf(values);
        uint256 drawn = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, sumDraw).leafIndex;
        uint256 other = (drawn + 1) % values.length;
        TrieProof memory membership = TrieBuilder.proofOf(leaves, other);
        TrieLeaf memory leaf = leaves[other];
        vm.assertTrue(
            settlement.checkWeightedProof(
                root, ProofDraw.Sum, sumDraw, leaf.key, leaf.valueHash, leaf.weight, membership.sideNodes, membership.emptyMask
            ) == ProofVerdict.NotDrawn
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.LeafNotDrawn.selector, ProofDraw.Sum, sumDraw, membership.start, membership.end
            )
        );
        settlement.prove(claimKey, one(values[other], membership));
    }

    function _foldedHash(bytes32 claimKey, TrieLeaf memory leaf, LeafProof memory proof)
        internal
        view
        returns (bytes32 computed)
    {
        (,, computed,,) = this.foldExternal(settlement.getClaim(claimKey).root, leaf, proof.sideNodes, proof.emptyMask);
    }

    function foldExternal(TrieNode memory root, TrieLeaf memory leaf, TrieNode[] calldata sideNodes, uint256 emptyMask)
        external
        pure
        returns (ProofVerdict, uint256, bytes32, uint256, uint256)
    {
        return SumTrie.fold(root, leaf.key, leaf.valueHash, leaf.weight, sideNodes, emptyMask);
    }

    function test_prove_extraSideNode_revertsRootMismatch() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(6);
        rollToProofWindow(SESSION);
        TrieProof memory proof = drawnProofOf(claimKey, values, ProofDraw.Sum);
        TrieNode[] memory sides = new TrieNode[](proof.sideNodes.length + 1);
        for (uint256 i; i < proof.sideNodes.length; ++i) {
            sides[i] = proof.sideNodes[i];
        }
        proof.sideNodes = sides; // an Empty extra node at the bottom: the fold itself must fail
        LeafProof[] memory proofs = one(values[proof.leafIndex], proof);
        bytes32 computed = _foldedHash(claimKey, trieLeafOf(values[proof.leafIndex]), proofs[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, settlement.getClaim(claimKey).root.hash, computed)
        );
        settlement.prove(claimKey, proofs);
    }

    function test_prove_missingSideNode_revertsRootMismatch() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(8);
        rollToProofWindow(SESSION);
        TrieProof memory proof = drawnProofOf(claimKey, values, ProofDraw.Sum);
        vm.assertGt(proof.sideNodes.length, 0);
        TrieNode[] memory sides = new TrieNode[](proof.sideNodes.length - 1);
        for (uint256 i; i < sides.length; ++i) {
            sides[i] = proof.sideNodes[i];
        }
        proof.sideNodes = sides;
        LeafProof[] memory proofs = one(values[proof.leafIndex], proof);
        bytes32 computed = _foldedHash(claimKey, trieLeafOf(values[proof.leafIndex]), proofs[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, settlement.getClaim(claimKey).root.hash, computed)
        );
        settlement.prove(claimKey, proofs);
    }

    function test_prove_maskBitsAboveDepth_revertsInvalidProofDepth() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(4);
        rollToProofWindow(SESSION);
        TrieProof memory proof = drawnProofOf(claimKey, values, ProofDraw.Sum);
        proof.emptyMask |= 1 << 200;
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidProofDepth.selector, proof.depth + 1));
        settlement.prove(claimKey, one(values[proof.leafIndex], proof));
    }

    function test_prove_keyNotDerivedFromValue_revertsRootMismatch() public {
        // The trie commits to this relay under another key (here: its struct hash instead of its digest).
        LeafValue memory value = signedRelay(newRequest(1), 10, 10);
        TrieLeaf memory honest = trieLeafOf(value);
        TrieLeaf[] memory forged = new TrieLeaf[](1);
        forged[0] = TrieLeaf(RelayHashing.hashRequest(value.request), honest.valueHash, honest.weight);
        TrieNode memory root = TrieBuilder.root(forged);
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(root);
        rollToProofWindow(SESSION);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.RootMismatch.selector,
                root.hash,
                SumTrie.leafHash(honest.key, honest.valueHash, honest.weight)
            )
        );
        _proveOne(claimKey, value);
    }

    function test_prove_leafFromOtherTrie_revertsRootMismatch() public {
        (bytes32 claimKey,) = claimRelays(4);
        rollToProofWindow(SESSION);
        LeafValue[] memory others = signedRelays(SESSION, 100, 4);
        (TrieLeaf[] memory leaves, TrieNode memory otherRoot) = trieOf(others);
        TrieProof memory proof = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.RootMismatch.selector, settlement.getClaim(claimKey).root.hash, otherRoot.hash
            )
        );
        settlement.prove(claimKey, one(others[proof.leafIndex], proof));
    }

    // ───────────────────────────── settle ─────────────────────────────

    function test_settle_proven_paysSplit() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(8);
        uint256 amount = settlement.getClaim(claimKey).amount;
        rollToProofWindow(SESSION);
        proveDrawn(claimKey, values);
        rollToSettlement(SESSION);

        uint256 toSource = amount * SOURCE_SHARE_BPS / 10_000;
        uint256 toTreasury = amount * PROTOCOL_SHARE_BPS / 10_000;
        uint256 toSupplier = amount - toSource - toTreasury;
        uint256 treasuryBefore = balanceOf(TREASURY);
        (uint256 appStakeBefore,,) = registry.applicationStake(APP);

        vm.expectEmit(address(settlement));
        emit IAviarySettlement.CollateralReleased(claimKey, SUPPLIER, MISSING_PROOF_PENALTY);
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.Settled(claimKey, amount, toSource, toTreasury, toSupplier);
        uint256 paid = settlement.settle(claimKey);

        vm.assertEq(paid, amount);
        (uint256 locked, uint256 unlocked) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, 0);
        vm.assertEq(unlocked, SUPPLIER_STAKE);
        vm.assertEq(registry.unsettledClaimsOf(APP), 0);
        vm.assertFalse(settlement.getClaim(claimKey).slashed);
        vm.assertEq(balanceOf(SOURCE), toSource);
        vm.assertEq(balanceOf(TREASURY) - treasuryBefore, toTreasury);
        vm.assertEq(balanceOf(SUPPLIER), toSupplier);
        (uint256 appStakeAfter,,) = registry.applicationStake(APP);
        vm.assertEq(appStakeBefore - appStakeAfter, amount);
        vm.assertTrue(settlement.getClaim(claimKey).settled);
        assertBalanceInvariant();
    }

    function test_settle_notRequired_paysWithoutProof() public {
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(1e18, 4));
        rollToProofWindow(SESSION);
        storeProofSeedWhere(claimKey, false);
        rollToSettlement(SESSION);
        vm.assertEq(settlement.settle(claimKey), 1e18);
        vm.assertEq(balanceOf(SUPPLIER), 1e18 - 1e17 - 5e16);
        assertBalanceInvariant();
    }

    function test_settle_requiredUnproven_slashesAndPaysNothing() public {
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(1e18, 4));
        rollToProofWindow(SESSION);
        storeProofSeedWhere(claimKey, true);
        rollToSettlement(SESSION);
        uint256 treasuryBefore = balanceOf(TREASURY);
        (uint256 appStakeBefore,,) = registry.applicationStake(APP);

        vm.expectEmit(address(settlement));
        emit IAviarySettlement.ProofMissing(claimKey, SUPPLIER, MISSING_PROOF_PENALTY);
        uint256 paid = settlement.settle(claimKey);

        vm.assertEq(paid, 0);
        vm.assertEq(balanceOf(TREASURY) - treasuryBefore, MISSING_PROOF_PENALTY);
        (uint256 supplierStake,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(supplierStake, SUPPLIER_STAKE - MISSING_PROOF_PENALTY);
        (uint256 locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, 0);
        (uint256 appStakeAfter,,) = registry.applicationStake(APP);
        vm.assertEq(appStakeAfter, appStakeBefore);
        Claim memory stored = settlement.getClaim(claimKey);
        vm.assertTrue(stored.settled);
        vm.assertTrue(stored.slashed);
        vm.assertEq(registry.unsettledClaimsOf(APP), 0);
        assertBalanceInvariant();
    }

    function test_settle_requiredUnprovenAbovePenalty_slashesWholeCollateral() public {
        rollToClaimWindow(SESSION);
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        uint128 sum = uint128(3 * MISSING_PROOF_PENALTY);
        bytes32 claimKey = claimRoot(fakeRoot(sum, 4));
        rollToSettlement(SESSION);
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.ProofMissing(claimKey, SUPPLIER, sum);
        vm.assertEq(settlement.settle(claimKey), 0);
        (uint256 supplierStake,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(supplierStake, SUPPLIER_STAKE - sum);
        assertBalanceInvariant();
    }

    function test_settle_afterEquivocationTookLockedStake_slashesWhatIsLeft() public {
        // A supplier whose whole stake is locked by one claim is slashed for equivocation: the claim's
        // collateral shrinks, and the missing-proof slash takes what is left.
        deploy(settlementParams(), SOURCE_SHARE_BPS, APP_STAKE, MISSING_PROOF_PENALTY);
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(1, 1));
        (RelayReceipt memory a, bytes memory sigA, RelayReceipt memory b, bytes memory sigB) =
            _conflictingReceipts(newRequest(1));
        settlement.reportEquivocation(newRequest(1), a, sigA, b, sigB);
        (uint256 locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, MISSING_PROOF_PENALTY - EQUIVOCATION_PENALTY);
        rollToSettlement(SESSION);
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.ProofMissing(claimKey, SUPPLIER, MISSING_PROOF_PENALTY - EQUIVOCATION_PENALTY);
        settlement.settle(claimKey);
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake + unbonding, 0);
        (locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, 0);
        assertBalanceInvariant();
    }

    function test_settle_aboveThreshold_requiresProof() public {
        rollToClaimWindow(SESSION);
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        bytes32 claimKey = claimRoot(fakeRoot(uint128(PROOF_THRESHOLD), 4));
        rollToProofWindow(SESSION);
        settlement.recordSeed(SESSION);
        vm.assertTrue(settlement.isProofRequired(claimKey));
        rollToSettlement(SESSION);
        vm.assertEq(settlement.settle(claimKey), 0);
        (uint256 supplierStake,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(supplierStake, SUPPLIER_STAKE - MISSING_PROOF_PENALTY);
    }

    function test_settle_proofSeedNeverStored_slashes() public {
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(1, 1));
        rollToSettlement(SESSION);
        vm.assertEq(settlement.proofSeed(SESSION), bytes32(0));
        vm.assertTrue(settlement.isProofRequired(claimKey));
        vm.assertEq(settlement.settle(claimKey), 0);
        (uint256 supplierStake,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(supplierStake, SUPPLIER_STAKE - MISSING_PROOF_PENALTY);
    }

    function test_settle_duringProofWindow_revertsSettlementTooEarly() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(2);
        rollToProofWindow(SESSION);
        proveDrawn(claimKey, values);
        (,,,, uint256 settleFrom) = settlement.windows(SESSION);
        vm.roll(settleFrom - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.SettlementTooEarly.selector, claimKey, settleFrom - 1, settleFrom)
        );
        settlement.settle(claimKey);
    }

    function test_settle_twice_revertsAlreadySettled() public {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(2);
        rollToProofWindow(SESSION);
        proveDrawn(claimKey, values);
        rollToSettlement(SESSION);
        settlement.settle(claimKey);
        vm.expectRevert(sel(IAviarySettlement.AlreadySettled.selector, claimKey));
        settlement.settle(claimKey);
    }

    function test_settle_slashedClaim_secondSettleReverts() public {
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(1, 1));
        rollToSettlement(SESSION);
        settlement.settle(claimKey);
        vm.expectRevert(sel(IAviarySettlement.AlreadySettled.selector, claimKey));
        settlement.settle(claimKey);
    }

    function test_settle_unknownClaim_revertsClaimNotFound() public {
        vm.expectRevert(sel(IAviarySettlement.ClaimNotFound.selector, keccak256("none")));
        settlement.settle(keccak256("none"));
    }

    function test_settle_overBudget_provenClaimPaidProRata() public {
        // A small application (budget 10e18 / 3) and a proven claim worth 8e18 next to a fake one of 2e18.
        address supplier2 = address(0x5012);
        stakeSupplier(supplier2, MIN_SUPPLIER, address(0x0B2));
        stakeApplication(STRANGER, MIN_APP);
        vm.roll(block.number + L); // STRANGER's stake counts from the next session
        uint64 session = SESSION + 1;
        LeafValue[] memory values = new LeafValue[](2);
        RelayRequest memory request = newRequest(SUPPLIER, STRANGER, session, 1);
        request.maxCost = type(uint128).max;
        values[0] = _signedBy(STRANGER_KEY, request, 1_000_000, 2_000_000); // 1e18 + 6e18
        request = newRequest(SUPPLIER, STRANGER, session, 2);
        request.maxCost = type(uint128).max;
        values[1] = _signedBy(STRANGER_KEY, request, 1_000_000, 0); // 1e18
        (, TrieNode memory root) = trieOf(values);
        vm.assertEq(root.sum, 8e18);
        rollToClaimWindow(session);
        vm.prank(OPERATOR);
        bytes32 claimKey = settlement.claim(SUPPLIER, STRANGER, MODEL, session, root);
        vm.prank(supplier2);
        bytes32 other = settlement.claim(supplier2, STRANGER, MODEL, session, fakeRoot(2e18, 1));
        vm.assertEq(settlement.sessionTotal(STRANGER, session), 10e18); // both below the threshold

        rollToProofWindow(session);
        storeProofSeedWhere(other, false);
        settlement.prove(claimKey, drawnProofs(claimKey, values));
        rollToSettlement(session);

        uint256 budget = settlement.sessionBudget(STRANGER, session);
        vm.assertEq(budget, MIN_APP / 3);
        uint256 paid = settlement.settle(claimKey);
        vm.assertEq(paid, 8e18 * budget / 10e18);
        uint256 paidOther = settlement.settle(other);
        vm.assertEq(paidOther, 2e18 * budget / 10e18);
        vm.assertLe(paid + paidOther, budget);
        vm.assertGe(paid + paidOther + 1, budget);
        assertBalanceInvariant();
    }

    function _signedBy(uint256 appKey, RelayRequest memory request, uint64 inputUnits, uint64 outputUnits)
        internal
        view
        returns (LeafValue memory value)
    {
        value.request = request;
        value.requestSignature = signRequest(appKey, request);
        value.receipt = receiptFor(request, inputUnits, outputUnits);
        value.receiptSignature = signReceipt(OPERATOR_KEY, value.receipt);
    }

    function test_settle_sourceReadAtSettlement() public {
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(1e18, 1));
        rollToProofWindow(SESSION);
        storeProofSeedWhere(claimKey, false);
        address newSource = address(0x50CE2);
        vm.prank(SOURCE);
        registry.updateModel(MODEL, "ipfs://moved", newSource);
        rollToSettlement(SESSION);
        settlement.settle(claimKey);
        vm.assertEq(balanceOf(newSource), 1e17);
        vm.assertEq(balanceOf(SOURCE), 0);
    }

    // ───────────────────────────── recordSeed ─────────────────────────────

    function test_recordSeed_inProofWindow_storesBlockhash() public {
        rollToProofWindow(SESSION);
        setProofSeed(SESSION, keccak256("proof seed"));
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.ProofSeedRecorded(SESSION, keccak256("proof seed"));
        vm.assertEq(settlement.recordSeed(SESSION), keccak256("proof seed"));
        vm.assertEq(settlement.proofSeed(SESSION), keccak256("proof seed"));
        // Idempotent: a second call returns the stored seed.
        setProofSeed(SESSION, keccak256("changed"));
        vm.assertEq(settlement.recordSeed(SESSION), keccak256("proof seed"));
    }

    function test_recordSeed_outsideWindow_revertsOutsideWindow() public {
        (,, uint256 proofStart, uint256 proofEnd,) = settlement.windows(SESSION);
        vm.roll(proofStart - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.OutsideWindow.selector, SESSION, proofStart - 1, proofStart, proofEnd
            )
        );
        settlement.recordSeed(SESSION);
        vm.roll(proofEnd + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.OutsideWindow.selector, SESSION, proofEnd + 1, proofStart, proofEnd
            )
        );
        settlement.recordSeed(SESSION);
    }

    function test_proofDraws_previewEqualsStoredSeedDraws() public {
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(1_000_003, 17));
        rollToProofWindow(SESSION);
        (uint256 previewSum, uint256 previewCount) = settlement.proofDraws(claimKey);
        bytes32 seed = settlement.recordSeed(SESSION);
        (uint256 sumDraw, uint256 countDraw) = settlement.proofDraws(claimKey);
        vm.assertEq(sumDraw, previewSum);
        vm.assertEq(countDraw, previewCount);
        (uint256 expectedSum, uint256 expectedCount) = Probability.proofDraws(seed, claimKey, 1_000_003, 17);
        vm.assertEq(sumDraw, expectedSum);
        vm.assertEq(countDraw, expectedCount);
        vm.assertLt(sumDraw, 1_000_003);
        vm.assertLt(countDraw, 17);
    }

    function test_proofDraws_beforeSeedBlock_revertsSeedUnavailable() public {
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(10, 1));
        (,, uint256 proofStart,,) = settlement.windows(SESSION);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.SeedUnavailable.selector, SESSION, proofStart - 1));
        settlement.proofDraws(claimKey);
        vm.expectRevert(sel(IAviarySettlement.ClaimNotFound.selector, keccak256("none")));
        settlement.proofDraws(keccak256("none"));
    }

    // ───────────────────────────── equivocation ─────────────────────────────

    function _conflictingReceipts(RelayRequest memory request)
        internal
        view
        returns (RelayReceipt memory a, bytes memory signatureA, RelayReceipt memory b, bytes memory signatureB)
    {
        a = receiptFor(request, 10, 20);
        b = receiptFor(request, 10, 21);
        signatureA = signReceipt(OPERATOR_KEY, a);
        signatureB = signReceipt(OPERATOR_KEY, b);
    }

    function test_reportEquivocation_conflictingReceipts_slashesAndRewards() public {
        RelayRequest memory request = newRequest(1);
        (RelayReceipt memory a, bytes memory sigA, RelayReceipt memory b, bytes memory sigB) =
            _conflictingReceipts(request);
        uint256 reward = EQUIVOCATION_PENALTY * REPORTER_SHARE_BPS / 10_000;
        uint256 treasuryBefore = balanceOf(TREASURY);
        bytes32 key = settlement.relayKey(request);

        vm.expectEmit(address(settlement));
        emit IAviarySettlement.EquivocationReported(key, SUPPLIER, REPORTER, EQUIVOCATION_PENALTY, reward);
        vm.prank(REPORTER);
        settlement.reportEquivocation(request, a, sigA, b, sigB);

        vm.assertEq(balanceOf(REPORTER), reward);
        vm.assertEq(balanceOf(TREASURY) - treasuryBefore, EQUIVOCATION_PENALTY - reward);
        (uint256 supplierStake,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(supplierStake, SUPPLIER_STAKE - EQUIVOCATION_PENALTY);
        vm.assertTrue(settlement.isReported(key));
        assertBalanceInvariant();
    }

    function test_reportEquivocation_identicalReceipts_revertsReceiptsNotConflicting() public {
        RelayRequest memory request = newRequest(1);
        RelayReceipt memory a = receiptFor(request, 10, 20);
        bytes memory sigA = signReceipt(OPERATOR_KEY, a);
        vm.expectRevert(IAviarySettlement.ReceiptsNotConflicting.selector);
        settlement.reportEquivocation(request, a, sigA, a, sigA);
    }

    function test_reportEquivocation_twice_revertsAlreadyReported() public {
        RelayRequest memory request = newRequest(1);
        (RelayReceipt memory a, bytes memory sigA, RelayReceipt memory b, bytes memory sigB) =
            _conflictingReceipts(request);
        settlement.reportEquivocation(request, a, sigA, b, sigB);
        vm.expectRevert(sel(IAviarySettlement.AlreadyReported.selector, settlement.relayKey(request)));
        settlement.reportEquivocation(request, b, sigB, a, sigA);
    }

    function test_reportEquivocation_receiptNotByOperator_revertsInvalidReceiptSignature() public {
        RelayRequest memory request = newRequest(1);
        (RelayReceipt memory a, bytes memory sigA, RelayReceipt memory b,) = _conflictingReceipts(request);
        bytes memory forged = signReceipt(STRANGER_KEY, b);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidReceiptSignature.selector, STRANGER, OPERATOR));
        settlement.reportEquivocation(request, a, sigA, b, forged);
    }

    function test_reportEquivocation_receiptForOtherRequest_revertsReceiptMismatch() public {
        RelayRequest memory request = newRequest(1);
        (RelayReceipt memory a, bytes memory sigA,,) = _conflictingReceipts(request);
        RelayReceipt memory other = receiptFor(newRequest(2), 10, 20);
        bytes memory sigOther = signReceipt(OPERATOR_KEY, other);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.ReceiptMismatch.selector, RelayHashing.hashRequest(request), other.request
            )
        );
        settlement.reportEquivocation(request, a, sigA, other, sigOther);
    }

    function test_reportEquivocation_unregisteredSupplier_revertsInvalidReceiptSignature() public {
        // No operator (zero) and invalid signatures must not match each other.
        RelayRequest memory request = newRequest(STRANGER, APP, SESSION, 1);
        RelayReceipt memory a = receiptFor(request, 10, 20);
        RelayReceipt memory b = receiptFor(request, 10, 21);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.InvalidReceiptSignature.selector, address(0), address(0))
        );
        settlement.reportEquivocation(request, a, new bytes(65), b, new bytes(65));
    }

    // ───────────────────────────── difficulty ─────────────────────────────

    uint256 internal constant TARGET = 100;
    uint256 internal constant ALPHA = 0.1e18;

    /// @dev The model's state before any fold, at initial probability `initial`.
    function _initialState(uint256 initial) internal pure returns (DifficultyModel.State memory state) {
        state.current = initial;
    }

    function _deployWithInitialProbability(uint64 probability, uint256 supplierStake) internal {
        SettlementParams memory params_ = settlementParams();
        params_.initialMiningProbabilityWad = probability;
        deploy(params_, SOURCE_SHARE_BPS, APP_STAKE, supplierStake);
    }

    function test_miningProbabilityAt_noCheckpoint_isInitial() public view {
        vm.assertEq(settlement.miningProbabilityAt(MODEL, SESSION), 1e18);
    }

    function test_updateDifficulty_duringClaimWindow_isNoop() public {
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(1000, 400));
        settlement.updateDifficulty(MODEL);
        (bool initialized,,, uint64 pendingCount, bool hasPending) = settlement.difficultyOf(MODEL);
        vm.assertFalse(initialized);
        vm.assertTrue(hasPending);
        vm.assertEq(pendingCount, 400);
    }

    function test_updateDifficulty_nothingPending_isNoop() public {
        settlement.updateDifficulty(MODEL);
        (bool initialized,,,, bool hasPending) = settlement.difficultyOf(MODEL);
        vm.assertFalse(initialized);
        vm.assertFalse(hasPending);
    }

    function test_updateDifficulty_afterClaimWindow_pushesClampedProbability() public {
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(1000, 400));
        (, uint256 claimEnd,,,) = settlement.windows(SESSION);
        vm.roll(claimEnd + 1);
        uint64 effective = settlement.currentSession() + 1;
        // prior = target / p = 100; the estimate 400 is clamped to 2 * prior = 200; ema = 0.1 * 200 + 0.9 * 100.
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.DifficultyUpdated(MODEL, SESSION, effective, 110e18, uint64(uint256(100e36) / 110e18));
        settlement.updateDifficulty(MODEL);
        vm.assertEq(settlement.miningProbabilityAt(MODEL, effective - 1), 1e18);
        vm.assertEq(settlement.miningProbabilityAt(MODEL, effective), uint256(100e36) / 110e18);
        vm.assertEq(settlement.miningProbabilityAt(MODEL, effective + 50), uint256(100e36) / 110e18);
        (bool initialized, uint256 ema,,, bool hasPending) = settlement.difficultyOf(MODEL);
        vm.assertTrue(initialized);
        vm.assertFalse(hasPending);
        vm.assertEq(ema, 110e18);
    }

    function test_updateDifficulty_fewRelays_capsAtOne() public {
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(1000, 10)); // 10 < target 100
        (, uint256 claimEnd,,,) = settlement.windows(SESSION);
        vm.roll(claimEnd + 1);
        settlement.updateDifficulty(MODEL);
        vm.assertEq(settlement.miningProbabilityAt(MODEL, settlement.currentSession() + 1), 1e18);
        (, uint256 ema,,,) = settlement.difficultyOf(MODEL);
        vm.assertEq(ema, 95e18); // estimate 10 clamped to prior / 2 = 50: 0.1 * 50 + 0.9 * 100
    }

    function test_claim_laterSession_foldsPendingSession() public {
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(1000, 200));
        uint64 next = SESSION + 1;
        rollToClaimWindow(next);
        vm.prank(OPERATOR);
        settlement.claim(SUPPLIER, APP, MODEL, next, fakeRoot(1000, 7));
        (bool initialized, uint256 ema, uint64 pendingSession, uint64 pendingCount, bool hasPending) =
            settlement.difficultyOf(MODEL);
        vm.assertTrue(initialized);
        vm.assertEq(ema, 110e18); // 0.1 * 200 + 0.9 * 100
        vm.assertEq(uint256(pendingSession), next);
        vm.assertEq(pendingCount, 7);
        vm.assertTrue(hasPending);
        vm.assertEq(settlement.miningProbabilityAt(MODEL, settlement.currentSession() + 1), uint256(100e36) / 110e18);
    }

    function test_claim_sameSession_sumsCounts() public {
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(1000, 200));
        stakeApplication(STRANGER, MIN_APP);
        vm.prank(OPERATOR);
        settlement.claim(SUPPLIER, STRANGER, MODEL, SESSION, fakeRoot(1000, 50));
        (,,, uint64 pendingCount,) = settlement.difficultyOf(MODEL);
        vm.assertEq(pendingCount, 250);
    }

    function test_claim_sameSession_countSaturates() public {
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(1000, type(uint64).max));
        stakeApplication(STRANGER, MIN_APP);
        vm.prank(OPERATOR);
        settlement.claim(SUPPLIER, STRANGER, MODEL, SESSION, fakeRoot(1000, 50)); // does not revert
        (,,, uint64 pendingCount,) = settlement.difficultyOf(MODEL);
        vm.assertEq(pendingCount, type(uint64).max);
    }

    /// @dev Claims 400 relays for SESSION and folds them right after its claim window: p from SESSION + 2.
    function _foldFirstSession() internal returns (uint64 effective) {
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(1000, 400));
        (, uint256 claimEnd,,,) = settlement.windows(SESSION);
        vm.roll(claimEnd + 1);
        settlement.updateDifficulty(MODEL);
        effective = settlement.currentSession() + 1;
        vm.assertEq(uint256(effective), SESSION + 2);
    }

    function test_difficulty_secondFold_usesEma() public {
        uint64 later = _foldFirstSession();
        DifficultyModel.State memory state =
            DifficultyModel.fold(_initialState(1e18), TARGET, ALPHA, SESSION, 400, 1e18);
        rollToClaimWindow(later);
        vm.prank(OPERATOR);
        settlement.claim(SUPPLIER, APP, MODEL, later, fakeRoot(1000, 50));
        vm.assertEq(settlement.miningProbabilityAt(MODEL, later), state.current);
        (, uint256 claimEnd,,,) = settlement.windows(later);
        vm.roll(claimEnd + 1);
        settlement.updateDifficulty(MODEL);
        // SESSION + 1 had no claims: one idle session before `later` (p doubles, ema halves, then the fold).
        state = DifficultyModel.fold(state, TARGET, ALPHA, later, 50, state.current);
        (, uint256 ema,,,) = settlement.difficultyOf(MODEL);
        vm.assertEq(ema, state.emaWad);
        vm.assertEq(settlement.miningProbabilityAt(MODEL, settlement.currentSession() + 1), state.current);
    }

    function test_difficulty_idleSessions_recoverProbability() public {
        // From a small p, k sessions without claims let p recover by 2^k (capped at 1) before the next fold.
        _deployWithInitialProbability(0.01e18, SUPPLIER_STAKE);
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(1000, 1000));
        (, uint256 claimEnd,,,) = settlement.windows(SESSION);
        vm.roll(claimEnd + 1);
        settlement.updateDifficulty(MODEL); // effective from SESSION + 2
        DifficultyModel.State memory state =
            DifficultyModel.fold(_initialState(0.01e18), TARGET, ALPHA, SESSION, 1000, 0.01e18);
        uint64 idle = 3;
        uint64 later = SESSION + 1 + idle;
        uint256 pLater = settlement.miningProbabilityAt(MODEL, later);
        vm.assertEq(pLater, state.current);
        rollToClaimWindow(later);
        vm.prank(OPERATOR);
        settlement.claim(SUPPLIER, APP, MODEL, later, fakeRoot(1000, 1));
        (, claimEnd,,,) = settlement.windows(later);
        vm.roll(claimEnd + 1);
        settlement.updateDifficulty(MODEL);
        DifficultyModel.State memory next = DifficultyModel.fold(state, TARGET, ALPHA, later, 1, pLater);
        uint256 p = settlement.miningProbabilityAt(MODEL, settlement.currentSession() + 1);
        vm.assertEq(p, next.current);
        (, uint256 ema,,,) = settlement.difficultyOf(MODEL);
        vm.assertEq(ema, next.emaWad);
        // The recovered p_cur is state.current * 2^idle; the fold moves it by at most 2x either way.
        vm.assertGe(p, state.current * 2 ** idle / 2);
        vm.assertGt(p, state.current);
    }

    function test_claim_underProbability_amountIsSumOverP() public {
        _deployWithInitialProbability(0.25e18, SUPPLIER_STAKE);
        rollToClaimWindow(SESSION);
        bytes32 claimKey = claimRoot(fakeRoot(1001, 1));
        vm.assertEq(settlement.getClaim(claimKey).amount, 4004);
        vm.assertEq(settlement.sessionTotal(APP, SESSION), 4004);
    }

    /// @dev Closed loop: steady traffic of A relays a session; each session mines floor(A * p) of them. Mined
    ///      relays must settle at the target (not at sqrt(target * A)).
    function test_difficulty_steadyTraffic_convergesToTarget() public {
        deploy(settlementParams(), SOURCE_SHARE_BPS, APP_STAKE, 1e24); // collateral for 200 unsettled claims
        uint256 traffic = 20_000;
        uint64 mined;
        for (uint64 session = SESSION; session < SESSION + 200; ++session) {
            rollToClaimWindow(session);
            uint64 probability = settlement.miningProbabilityAt(MODEL, session);
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            mined = uint64(traffic * probability / 1e18);
            vm.prank(OPERATOR);
            settlement.claim(SUPPLIER, APP, MODEL, session, fakeRoot(uint128(mined) * 1000 + 1, mined));
        }
        vm.assertApproxEqAbs(mined, 100, 3);
        (, uint256 ema,,,) = settlement.difficultyOf(MODEL);
        vm.assertApproxEqRel(ema, traffic * 1e18, 0.03e18);
    }

    // ───────────────────────────── mining ─────────────────────────────

    /// @dev Relays of `session` (nonces from 1) split by whether they are mined under `seed` at `probability`.
    function _relaysByMining(uint64 session, bytes32 seed, uint64 probability, bool wantMined, uint256 count)
        internal
        view
        returns (LeafValue[] memory values)
    {
        values = new LeafValue[](count);
        uint256 found;
        for (uint64 nonce = 1; found < count; ++nonce) {
            RelayRequest memory request = newRequest(SUPPLIER, APP, session, nonce);
            if (Probability.isMined(settlement.relayKey(request), seed, probability) == wantMined) {
                values[found++] = signedRelay(request, 100, 200);
            }
        }
    }

    function test_prove_relayNotMined_revertsRelayNotMined() public {
        _deployWithInitialProbability(0.25e18, SUPPLIER_STAKE);
        rollToClaimWindow(SESSION);
        bytes32 seed = keccak256("mining seed");
        setMiningSeed(SESSION, seed);
        LeafValue[] memory values = _relaysByMining(SESSION, seed, 0.25e18, false, 1);
        (, TrieNode memory root) = trieOf(values);
        bytes32 claimKey = claimRoot(root);
        rollToProofWindow(SESSION);
        vm.expectRevert(sel(IAviarySettlement.RelayNotMined.selector, settlement.relayKey(values[0].request)));
        settlement.prove(claimKey, soleProof(values[0]));
    }

    function test_prove_minedUnderProbability_succeeds() public {
        _deployWithInitialProbability(0.25e18, SUPPLIER_STAKE);
        rollToClaimWindow(SESSION);
        bytes32 seed = keccak256("mining seed");
        setMiningSeed(SESSION, seed);
        LeafValue[] memory values = _relaysByMining(SESSION, seed, 0.25e18, true, 5);
        (, TrieNode memory root) = trieOf(values);
        bytes32 claimKey = claimRoot(root);
        vm.assertEq(settlement.getClaim(claimKey).amount, uint256(root.sum) * 4);
        rollToProofWindow(SESSION);
        settlement.prove(claimKey, drawnProofs(claimKey, values));
        vm.assertTrue(settlement.getClaim(claimKey).proven);
    }

    // ───────────────────────────── gas at depths ─────────────────────────────

    event ProveGas(uint256 leaves, uint256 proofs, uint256 gasUsed);

    function _proveGas(uint256 count) internal returns (uint256 gasUsed) {
        (bytes32 claimKey, LeafValue[] memory values) = claimRelays(count);
        rollToProofWindow(SESSION);
        settlement.recordSeed(SESSION); // the seed's first store is not part of the measured proof
        LeafProof[] memory proofs = drawnProofs(claimKey, values);
        uint256 before = gasleft();
        settlement.prove(claimKey, proofs);
        gasUsed = before - gasleft();
        emit ProveGas(count, proofs.length, gasUsed);
    }

    function test_prove_gas_2leaves() public {
        _proveGas(2);
    }

    function test_prove_gas_16leaves() public {
        _proveGas(16);
    }

    function test_prove_gas_128leaves() public {
        _proveGas(128);
    }

    // ───────────────────────────── fuzz: money paths ─────────────────────────────

    uint256 internal constant BIG_THRESHOLD = 1e30;
    uint256 internal constant BIG_PENALTY = 4e30; // 0.25 * 4e30 > 0.75 * 1e30
    uint256 internal constant BIG_STAKE = 5e30; // covers one claim's collateral

    /// @dev A threshold above every amount the fuzz tests claim: with a proof seed chosen for it (see
    ///      _storeSeedWhereNoneRequired) no claim needs a proof.
    function _noProofParams() internal pure returns (SettlementParams memory params_) {
        params_ = settlementParams();
        params_.proofThreshold = BIG_THRESHOLD;
        params_.missingProofPenalty = BIG_PENALTY;
    }

    /// @dev In the proof window: stores a proof seed under which none of `keys` needs a proof.
    function _storeSeedWhereNoneRequired(uint64 session, bytes32[] memory keys) internal {
        SettlementParams memory params_ = settlement.params();
        for (uint256 i; i < 1024; ++i) {
            bytes32 seed = keccak256(abi.encode("no proofs", session, i));
            bool any;
            for (uint256 k; k < keys.length && !any; ++k) {
                any = Probability.isProofRequired(
                    settlement.getClaim(keys[k]).amount, params_.proofThreshold, seed, keys[k], params_.proofProbabilityWad
                );
            }
            if (any) continue;
            setProofSeed(session, seed);
            settlement.recordSeed(session);
            return;
        }
        revert("no seed");
    }

    function _settleFake(uint128 sum) internal returns (bytes32 claimKey, uint256 paid) {
        rollToClaimWindow(SESSION);
        claimKey = claimRoot(fakeRoot(sum, 1));
        rollToProofWindow(SESSION);
        storeProofSeedWhere(claimKey, false);
        rollToSettlement(SESSION);
        paid = settlement.settle(claimKey);
    }

    function test_fuzz_settle_splitConservesExactly(
        uint16 protocolShare,
        uint16 sourceShare,
        uint256 appStake,
        uint128 sum
    ) public {
        SettlementParams memory params_ = _noProofParams();
        params_.protocolShareBps = uint16(bound(protocolShare, 0, 8_000));
        sourceShare = uint16(bound(sourceShare, 0, 2_000));
        appStake = bound(appStake, MIN_APP, 1e30);
        sum = uint128(bound(sum, 1, BIG_THRESHOLD - 1));
        deploy(params_, sourceShare, appStake, BIG_STAKE);
        uint256 treasuryBefore = balanceOf(TREASURY);
        uint256 heldBefore = registry.totalHeld();

        (, uint256 paid) = _settleFake(sum);

        uint256 budget = appStake / 3;
        uint256 pay = sum <= budget ? sum : budget;
        uint256 toSource = pay * sourceShare / 10_000;
        uint256 toTreasury = pay * params_.protocolShareBps / 10_000;
        vm.assertEq(paid, pay, "pay");
        vm.assertEq(balanceOf(SOURCE), toSource, "source");
        vm.assertEq(balanceOf(TREASURY) - treasuryBefore, toTreasury, "treasury");
        vm.assertEq(balanceOf(SUPPLIER), pay - toSource - toTreasury, "supplier");
        vm.assertEq(
            balanceOf(SOURCE) + balanceOf(TREASURY) - treasuryBefore + balanceOf(SUPPLIER), paid, "conservation"
        );
        vm.assertEq(heldBefore - registry.totalHeld(), paid, "held");
        (uint256 locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, 0, "collateral released");
        assertBalanceInvariant();
    }

    function test_fuzz_settle_proRataWithinBudget(uint256 appStake, uint128[4] memory sums, uint8 suppliers) public {
        deploy(_noProofParams(), SOURCE_SHARE_BPS, bound(appStake, MIN_APP, 1e27), SUPPLIER_STAKE);
        uint256 n = bound(suppliers, 1, 4);
        address[] memory owners = new address[](n);
        for (uint256 i; i < n; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            owners[i] = address(uint160(0x5100 + i));
            // forge-lint: disable-next-line(unsafe-typecast) — test addresses
            stakeSupplier(owners[i], BIG_STAKE, address(uint160(0x0B00 + i)));
        }
        rollToClaimWindow(SESSION);
        bytes32[] memory keys = new bytes32[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            sums[i] = uint128(bound(sums[i], 1, 1e27));
            total += sums[i];
            vm.prank(owners[i]);
            keys[i] = settlement.claim(owners[i], APP, MODEL, SESSION, fakeRoot(sums[i], 1));
        }
        vm.assertEq(settlement.sessionTotal(APP, SESSION), total);
        rollToProofWindow(SESSION);
        _storeSeedWhereNoneRequired(SESSION, keys);
        rollToSettlement(SESSION);

        uint256 budget = settlement.sessionBudget(APP, SESSION);
        uint256 paidTotal;
        for (uint256 i; i < n; ++i) {
            uint256 paid = settlement.settle(keys[i]);
            uint256 expected = total <= budget ? sums[i] : uint256(sums[i]) * budget / total;
            vm.assertEq(paid, expected, "pro rata");
            paidTotal += paid;
        }
        vm.assertLe(paidTotal, budget, "over budget");
        if (total > budget) vm.assertGe(paidTotal + n, budget, "budget not used");
        assertBalanceInvariant();
    }

    function test_fuzz_settle_requiredUnproven_slashesWholeCollateral(
        uint256 supplierStake,
        uint256 penalty,
        uint128 sum
    ) public {
        SettlementParams memory params_ = settlementParams();
        params_.proofThreshold = 0; // every claim needs a proof
        params_.missingProofPenalty = bound(penalty, 0, 1e27);
        supplierStake = bound(supplierStake, MIN_SUPPLIER, 1e27);
        sum = uint128(bound(sum, 1, 1e27));
        deploy(params_, SOURCE_SHARE_BPS, APP_STAKE, supplierStake);
        uint256 treasuryBefore = balanceOf(TREASURY);
        (uint256 appStakeBefore,,) = registry.applicationStake(APP);
        uint256 collateral = sum > params_.missingProofPenalty ? sum : params_.missingProofPenalty;

        rollToClaimWindow(SESSION);
        if (collateral > supplierStake) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAviarySettlement.InsufficientCollateral.selector, SUPPLIER, collateral, supplierStake
                )
            );
            claimRoot(fakeRoot(sum, 1));
            return;
        }
        bytes32 claimKey = claimRoot(fakeRoot(sum, 1));
        rollToProofWindow(SESSION);
        settlement.recordSeed(SESSION);
        rollToSettlement(SESSION);
        uint256 paid = settlement.settle(claimKey);

        vm.assertEq(paid, 0);
        vm.assertEq(balanceOf(TREASURY) - treasuryBefore, collateral, "treasury");
        (uint256 stakeAfter,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stakeAfter, supplierStake - collateral, "supplier stake");
        (uint256 appStakeAfter,,) = registry.applicationStake(APP);
        vm.assertEq(appStakeAfter, appStakeBefore, "app untouched");
        vm.assertTrue(settlement.getClaim(claimKey).slashed);
        assertBalanceInvariant();
    }

    function test_fuzz_reportEquivocation_splitConserves(uint256 penalty, uint16 share, uint256 supplierStake) public {
        SettlementParams memory params_ = settlementParams();
        params_.equivocationPenalty = bound(penalty, 0, 1e27);
        params_.reporterShareBps = uint16(bound(share, 0, 10_000));
        supplierStake = bound(supplierStake, MIN_SUPPLIER, 1e27);
        deploy(params_, SOURCE_SHARE_BPS, APP_STAKE, supplierStake);
        uint256 treasuryBefore = balanceOf(TREASURY);
        RelayRequest memory request = newRequest(1);
        (RelayReceipt memory a, bytes memory sigA, RelayReceipt memory b, bytes memory sigB) =
            _conflictingReceipts(request);

        vm.prank(REPORTER);
        settlement.reportEquivocation(request, a, sigA, b, sigB);

        uint256 nominalReward = params_.equivocationPenalty * params_.reporterShareBps / 10_000;
        uint256 reward = nominalReward < supplierStake ? nominalReward : supplierStake;
        uint256 rest = params_.equivocationPenalty - nominalReward;
        if (rest > supplierStake - reward) rest = supplierStake - reward;
        vm.assertEq(balanceOf(REPORTER), reward, "reporter");
        vm.assertEq(balanceOf(TREASURY) - treasuryBefore, rest, "treasury");
        (uint256 stakeAfter,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(supplierStake - stakeAfter, reward + rest, "conservation");
        assertBalanceInvariant();
    }

    /// @dev Real signed relays with random units and prices, proven and settled: cost, amount and split agree.
    function test_fuzz_proveAndSettle_randomUnitsAndPrices(
        uint64 inputUnits,
        uint64 outputUnits,
        uint128 inputPrice,
        uint128 outputPrice,
        uint16 sourceShare
    ) public {
        deploy(settlementParams(), uint16(bound(sourceShare, 0, 2_000)), 1e30, 1e30);
        // Three relays of at most 1e9 + 2 units per side at 5e19 each stay under the 3.33e29 budget (3e29).
        inputPrice = uint128(bound(inputPrice, 0, 5e19));
        outputPrice = uint128(bound(outputPrice, 1, 5e19)); // a claim needs sum >= 1
        inputUnits = uint64(bound(inputUnits, 0, 1e9));
        outputUnits = uint64(bound(outputUnits, 1, 1e9));
        vm.prank(SUPPLIER);
        registry.setOffer(MODEL, inputPrice, outputPrice); // from SESSION + 1
        uint64 session = SESSION + 1;
        LeafValue[] memory values = new LeafValue[](3);
        uint256 sum;
        for (uint64 i; i < 3; ++i) {
            RelayRequest memory request = newRequest(SUPPLIER, APP, session, i + 1);
            request.inputPrice = inputPrice;
            request.outputPrice = outputPrice;
            request.maxCost = type(uint128).max;
            values[i] = signedRelay(request, inputUnits, outputUnits + i);
            sum += costOf(values[i]);
        }
        (, TrieNode memory root) = trieOf(values);
        vm.assertEq(root.sum, sum);
        rollToClaimWindow(session);
        vm.prank(OPERATOR);
        bytes32 claimKey = settlement.claim(SUPPLIER, APP, MODEL, session, root);
        rollToProofWindow(session);
        settlement.prove(claimKey, drawnProofs(claimKey, values));
        rollToSettlement(session);
        uint256 treasuryBefore = balanceOf(TREASURY);
        uint256 paid = settlement.settle(claimKey);
        vm.assertEq(paid, sum); // the budget covers any sum here
        vm.assertEq(balanceOf(SOURCE) + balanceOf(TREASURY) - treasuryBefore + balanceOf(SUPPLIER), paid);
        assertBalanceInvariant();
    }

    function test_fuzz_prove_costAboveMax_reverts(uint64 inputUnits, uint64 outputUnits, uint128 maxCost) public {
        // At most 4e20: the claim's collateral stays within the supplier's stake.
        inputUnits = uint64(bound(inputUnits, 0, 1e8));
        outputUnits = uint64(bound(outputUnits, 1, 1e8)); // a claim needs sum >= 1
        RelayRequest memory request = newRequest(1);
        uint256 cost = uint256(inputUnits) * INPUT_PRICE + uint256(outputUnits) * OUTPUT_PRICE;
        vm.assume(cost <= type(uint128).max);
        request.maxCost = uint128(bound(maxCost, 0, cost * 2 + 1));
        LeafValue memory value = signedRelay(request, inputUnits, outputUnits);
        bytes32 claimKey = _claimOne(value);
        if (cost > request.maxCost) {
            vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.CostAboveMax.selector, cost, request.maxCost));
        }
        _proveOne(claimKey, value);
    }

    function test_fuzz_claim_amountAndCollateral(uint64 probability, uint128 sum) public {
        probability = uint64(bound(probability, 1, 1e18));
        uint256 supplierStake = 1e40;
        _deployWithInitialProbability(probability, supplierStake);
        sum = uint128(bound(sum, 1, type(uint128).max));
        uint256 amount = uint256(sum) * 1e18 / probability; // no overflow: 2^128 * 1e18 < 2^256
        uint256 collateral = amount > MISSING_PROOF_PENALTY ? amount : MISSING_PROOF_PENALTY;
        rollToClaimWindow(SESSION);
        if (collateral > supplierStake) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAviarySettlement.InsufficientCollateral.selector, SUPPLIER, collateral, supplierStake
                )
            );
            claimRoot(fakeRoot(sum, 1));
            return;
        }
        bytes32 claimKey = claimRoot(fakeRoot(sum, 1));
        Claim memory stored = settlement.getClaim(claimKey);
        vm.assertEq(stored.amount, amount);
        vm.assertEq(stored.collateral, collateral);
        vm.assertEq(settlement.sessionTotal(APP, SESSION), amount < PROOF_THRESHOLD ? amount : 0);
        (uint256 locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, collateral);
    }

    /// @dev Two folds (with idle sessions between) against the formulas of the spec.
    function test_fuzz_difficulty_foldsMatchSpec(uint64 initial, uint64 firstCount, uint64 secondCount, uint8 idle)
        public
    {
        initial = uint64(bound(initial, 1, 1e18));
        firstCount = uint64(bound(firstCount, 1, type(uint64).max));
        secondCount = uint64(bound(secondCount, 1, type(uint64).max));
        uint64 gap = uint64(bound(idle, 0, 70));
        _deployWithInitialProbability(initial, 1e40);
        rollToClaimWindow(SESSION);
        claimRoot(fakeRoot(1, firstCount));
        (, uint256 claimEnd,,,) = settlement.windows(SESSION);
        vm.roll(claimEnd + 1);
        settlement.updateDifficulty(MODEL);
        DifficultyModel.State memory state =
            DifficultyModel.fold(_initialState(initial), TARGET, ALPHA, SESSION, firstCount, initial);
        uint64 effective = settlement.currentSession() + 1;
        vm.assertEq(settlement.miningProbabilityAt(MODEL, effective), state.current, "first fold");
        vm.assertLe(state.current, uint256(initial) * 2);
        vm.assertGe(state.current, uint256(initial) / 2);

        uint64 later = effective + gap;
        rollToClaimWindow(later);
        uint256 pLater = settlement.miningProbabilityAt(MODEL, later);
        vm.prank(OPERATOR);
        settlement.claim(SUPPLIER, APP, MODEL, later, fakeRoot(1, secondCount));
        (, claimEnd,,,) = settlement.windows(later);
        vm.roll(claimEnd + 1);
        settlement.updateDifficulty(MODEL);
        state = DifficultyModel.fold(state, TARGET, ALPHA, later, secondCount, pLater);
        (, uint256 ema,,,) = settlement.difficultyOf(MODEL);
        vm.assertEq(ema, state.emaWad, "ema");
        vm.assertEq(settlement.miningProbabilityAt(MODEL, settlement.currentSession() + 1), state.current, "second fold");
    }
}
