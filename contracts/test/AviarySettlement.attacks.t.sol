// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {SettlementFixture} from "./utils/SettlementFixture.sol";
import {TrieBuilder, TrieLeaf, TrieProof} from "./utils/TrieBuilder.sol";
import {AviaryRegistry} from "../src/AviaryRegistry.sol";
import {IAviaryRegistry} from "../src/interfaces/IAviaryRegistry.sol";
import {IAviarySettlement} from "../src/interfaces/IAviarySettlement.sol";
import {Probability} from "../src/libraries/Probability.sol";
import {SumTrie} from "../src/libraries/SumTrie.sol";
import {
    LeafProof,
    LeafValue,
    Parameter,
    ProofDraw,
    ProofVerdict,
    RegistryParams,
    RelayReceipt,
    RelayRequest,
    TrieNode
} from "../src/types/AviaryTypes.sol";

/// @dev One test per finding of issue 10: each replays the attack against the new contracts and shows it refused or
///      unprofitable. A comment in each says what the old contracts (closest proofs, no claim collateral, seed at
///      E + g, pendingSessions = ceil((g + c + pf) / L) + 1) did. Fixture: devnet windows (L 20, g 4, c 8, pf 8),
///      proofThreshold T = 10, missingProofPenalty 100 = 10 T, q = 0.25, supplier and application stakes 1,000
///      (tokens of 1e18 wei).
contract AviarySettlementAttacksTest is SettlementFixture {
    address internal constant HONEST = address(0x4045E57);
    uint256 internal constant HONEST_OPERATOR_KEY = 0x4045E58;

    // ───────────────────────────── helpers ─────────────────────────────

    function fakeRoot(uint128 sum, uint64 count) internal pure returns (TrieNode memory) {
        return TrieNode(keccak256(abi.encode("fabricated root", sum, count)), sum, count);
    }

    function claimAs(address operator, address supplier, address application, uint64 session, TrieNode memory root)
        internal
        returns (bytes32)
    {
        vm.prank(operator);
        return settlement.claim(supplier, application, MODEL, session, root);
    }

    function holdings(address supplier) internal view returns (uint256) {
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(supplier);
        return stake + unbonding;
    }

    /// @dev HONEST, staked now with an offer from SESSION + 1, claims `cost` in four real relays to APP for
    ///      `session` and proves them; returns its claim key. Call at the start of SESSION, before `session`'s
    ///      claim window; leaves the chain in `session`'s proof window.
    function honestProvenClaim(uint64 session, uint256 cost) internal returns (bytes32 claimKey) {
        LeafValue[] memory values = new LeafValue[](4);
        for (uint64 i; i < 4; ++i) {
            values[i] = pricedRelay(HONEST, HONEST_OPERATOR_KEY, APP, APP_KEY, session, 900 + i, cost / 4);
        }
        (, TrieNode memory root) = trieOf(values);
        vm.assertEq(root.sum, cost);
        rollToClaimWindow(session);
        claimKey = claimAs(vm.addr(HONEST_OPERATOR_KEY), HONEST, APP, session, root);
        rollToProofWindow(session);
        settlement.prove(claimKey, drawnProofs(claimKey, values));
    }

    /// @dev `count` relays of SUPPLIER to APP in `session` whose relay keys start with a 0 bit (so they all sit under
    ///      the root's left child and an attacker can hang anything on the right).
    function leftRelays(uint64 session, uint256 count) internal view returns (LeafValue[] memory values) {
        values = new LeafValue[](count);
        uint256 found;
        for (uint64 nonce = 1; found < count; ++nonce) {
            RelayRequest memory request = newRequest(SUPPLIER, APP, session, nonce);
            if (uint256(settlement.relayKey(request)) >> 255 == 0) {
                values[found++] = signedRelay(request, 100 + nonce % 50, 200 + nonce % 70);
            }
        }
    }

    /// @dev The proof of leaf `index` (in key order) of `leaves`, hung under the left child of a root whose right
    ///      child is `fake`.
    function proofUnderLeft(TrieLeaf[] memory leaves, uint256 position, TrieNode memory fake)
        internal
        pure
        returns (TrieProof memory)
    {
        return TrieBuilder.withTopSide(TrieBuilder.drawnProofFrom(leaves, 1, ProofDraw.Count, position), fake);
    }

    // ───────────────────────────── 1. claims carry no collateral ─────────────────────────────

    /// @dev Old: a claim locked nothing and the missing-proof penalty was slashed from whatever stake was left, so a
    ///      supplier that had unstaked and withdrawn everything claimed an invented root just under proofThreshold
    ///      for free: paid T - 1 with probability 1 - q = 0.75, and the penalty found nothing to slash.
    function test_attack_claimWithoutStake_revertsInsufficientCollateral() public {
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(SUPPLIER_STAKE); // release at SESSION + 3; the operator stays registered
        // While unbonding: nothing unlocked (unbonding stake backs no claim).
        rollToClaimWindow(SESSION);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.InsufficientCollateral.selector, SUPPLIER, MISSING_PROOF_PENALTY, 0)
        );
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        claimAs(OPERATOR, SUPPLIER, APP, SESSION, fakeRoot(uint128(PROOF_THRESHOLD - 1), 1));
        // After withdrawing everything.
        vm.roll(uint256(SESSION + 3) * L);
        vm.prank(SUPPLIER);
        registry.withdrawSupplier();
        vm.assertEq(holdings(SUPPLIER), 0);
        uint64 later = SESSION + 3;
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, later), OPERATOR);
        rollToClaimWindow(later);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.InsufficientCollateral.selector, SUPPLIER, MISSING_PROOF_PENALTY, 0)
        );
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        claimAs(OPERATOR, SUPPLIER, APP, later, fakeRoot(uint128(PROOF_THRESHOLD - 1), 1));
        vm.assertEq(settlement.sessionTotal(APP, later), 0);
    }

    /// @dev Old: one stake backed any number of claims, so a supplier staked 1,000 claimed T - 1 against every
    ///      application at once (50 apps: 50 × 9.99 = 499.5 claimed, 0.75 of it paid), while a missed proof could
    ///      slash at most the 1,000 once. Now each claim locks max(penalty, amount) = 100: ten claims, then nothing.
    function test_attack_claimsAgainstManyApplications_runOutOfUnlockedStake() public {
        uint256 backed = SUPPLIER_STAKE / MISSING_PROOF_PENALTY; // 10
        address[] memory apps = new address[](backed + 1);
        for (uint256 i; i < apps.length; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) — test addresses
            apps[i] = address(uint160(0xA9900 + i));
            stakeApplication(apps[i], 3 * PROOF_THRESHOLD); // budget 10: covers a claim of T - 1
        }
        rollToClaimWindow(SESSION);
        for (uint256 i; i < backed; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            claimAs(OPERATOR, SUPPLIER, apps[i], SESSION, fakeRoot(uint128(PROOF_THRESHOLD - 1), 1));
        }
        (uint256 locked, uint256 unlocked) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, SUPPLIER_STAKE);
        vm.assertEq(unlocked, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.InsufficientCollateral.selector, SUPPLIER, MISSING_PROOF_PENALTY, 0)
        );
        claimAs(OPERATOR, SUPPLIER, apps[backed], SESSION, fakeRoot(1, 1));
        // The locked stake cannot be pulled out from under the claims either.
        vm.prank(SUPPLIER);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.InsufficientUnlockedStake.selector, SUPPLIER, 1, 0));
        registry.unstakeSupplier(1);

        // In expectation the ten fabricated claims lose: 10 × (0.75 × 9.99 - 0.25 × 100) < 0. Settled for real:
        // each is paid T - 1 or slashed 100.
        rollToProofWindow(SESSION);
        settlement.recordSeed(SESSION);
        rollToSettlement(SESSION);
        for (uint256 i; i < backed; ++i) {
            bytes32 claimKey = settlement.claimKeyOf(SUPPLIER, apps[i], MODEL, SESSION);
            bool required = settlement.isProofRequired(claimKey);
            uint256 before = holdings(SUPPLIER);
            uint256 paid = settlement.settle(claimKey);
            if (required) {
                vm.assertEq(paid, 0);
                vm.assertEq(before - holdings(SUPPLIER), MISSING_PROOF_PENALTY);
            } else {
                vm.assertEq(paid, PROOF_THRESHOLD - 1);
            }
        }
        vm.assertEq(registry.unsettledClaimsOf(apps[0]), 0);
        uint256 q = settlement.params().proofProbabilityWad;
        vm.assertLt((1e18 - q) * (PROOF_THRESHOLD - 1) * backed, q * MISSING_PROOF_PENALTY * backed);
        assertBalanceInvariant();
    }

    // ───────────────────────────── 2. side-node sums never bound ─────────────────────────────

    /// @dev Old: the proof was the leaf closest to a uniform target in key space, and no check tied a side node's
    ///      sum to any leaf: an attacker with 16 real relays hung a fabricated sibling of sum 1e24 at a subtree the
    ///      target rarely reached, the claim (≈ 1e24) counted in the session total at once, and the honest supplier
    ///      who served 400 was paid 400 × budget / 1e24 ≈ 0. Now the sum draw lands in the fabricated subtree with
    ///      probability 1e24 / (1e24 + 0.016): no leaf can be shown, the claim is slashed, the honest one is paid.
    /// @dev The fabricated-sibling attack: 16 real relays under the root's left child, a fabricated right child.
    struct SiblingAttack {
        LeafValue[] values;
        TrieLeaf[] leaves;
        TrieNode left;
        TrieNode fake;
        TrieNode root;
        bytes32 claimKey;
        uint256 sumDraw;
        uint256 countDraw;
    }

    function test_attack_fabricatedSiblingSum_slashed_honestPaidInFull() public {
        deploy(settlementParams(), SOURCE_SHARE_BPS, 1_500e18, 2e24); // budget 500; the attacker (SUPPLIER) backs 1e24
        stakeSupplierWithOffer(HONEST, SUPPLIER_STAKE, vm.addr(HONEST_OPERATOR_KEY));
        uint64 session = SESSION + 1;

        SiblingAttack memory attack;
        attack.values = leftRelays(session, 16);
        (attack.leaves,) = trieOf(attack.values);
        attack.left = TrieBuilder.subtree(attack.leaves, 1);
        attack.fake = TrieNode(keccak256("fabricated subtree"), 1e24, 1);
        attack.root = SumTrie.inner(attack.left, attack.fake);
        vm.assertLt(uint256(attack.left.sum) * 1e6, attack.root.sum); // the real part is below a millionth

        bytes32 honestKey = honestProvenClaimAfter(session, 400e18, attack.root);
        attack.claimKey = settlement.claimKeyOf(SUPPLIER, APP, MODEL, session);
        vm.assertEq(settlement.getClaim(attack.claimKey).collateral, attack.root.sum);
        vm.assertEq(settlement.sessionTotal(APP, session), 400e18, "the unproven claim does not dilute");

        _drawLandsInFake(attack);
        _noRealLeafIsDrawn(attack);
        _bestProofsFail(attack);

        rollToSettlement(session);
        uint256 attackerBefore = holdings(SUPPLIER);
        vm.expectEmit(address(settlement));
        emit IAviarySettlement.ProofMissing(attack.claimKey, SUPPLIER, attack.root.sum);
        vm.assertEq(settlement.settle(attack.claimKey), 0);
        vm.assertEq(attackerBefore - holdings(SUPPLIER), attack.root.sum, "whole collateral slashed");
        vm.assertEq(settlement.settle(honestKey), 400e18, "honest claim paid in full");
        assertBalanceInvariant();
    }

    /// @dev The draw by sum falls in the fabricated subtree, here and for (practically) every seed.
    function _drawLandsInFake(SiblingAttack memory attack) internal view {
        (attack.sumDraw, attack.countDraw) = settlement.proofDraws(attack.claimKey);
        vm.assertGe(attack.sumDraw, attack.left.sum);
        uint256 inFake;
        for (uint256 i; i < 1000; ++i) {
            (uint256 r,) =
                Probability.proofDraws(keccak256(abi.encode(i)), attack.claimKey, attack.root.sum, attack.root.count);
            if (r >= attack.left.sum) ++inFake;
        }
        vm.assertEq(inFake, 1000);
    }

    /// @dev Every real leaf folds to the root but is not the one drawn.
    function _noRealLeafIsDrawn(SiblingAttack memory attack) internal view {
        for (uint256 i; i < attack.leaves.length; ++i) {
            TrieProof memory proof = proofUnderLeft(attack.leaves, i, attack.fake);
            TrieLeaf memory leaf = attack.leaves[proof.leafIndex];
            vm.assertTrue(
                settlement.checkWeightedProof(
                    attack.root,
                    ProofDraw.Sum,
                    attack.sumDraw,
                    leaf.key,
                    leaf.valueHash,
                    leaf.weight,
                    proof.sideNodes,
                    proof.emptyMask
                ) == ProofVerdict.NotDrawn
            );
        }
    }

    /// @dev The attacker's best tries: the real leaf next to the fake subtree, and a real relay moved into it.
    function _bestProofsFail(SiblingAttack memory attack) internal {
        uint256 last = attack.leaves.length - 1;
        TrieProof memory lastLeaf = proofUnderLeft(attack.leaves, last, attack.fake);
        TrieProof memory countLeaf = proofUnderLeft(attack.leaves, attack.countDraw <= last ? attack.countDraw : 0, attack.fake);
        LeafProof[] memory proofs = new LeafProof[](2);
        proofs[0] = leafProof(attack.values[lastLeaf.leafIndex], lastLeaf);
        proofs[1] = leafProof(attack.values[countLeaf.leafIndex], countLeaf);
        // The last leaf's interval by sum ends where the fabricated subtree begins.
        uint256 start = uint256(attack.left.sum) - attack.leaves[lastLeaf.leafIndex].weight;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.LeafNotDrawn.selector, ProofDraw.Sum, attack.sumDraw, start, attack.left.sum
            )
        );
        settlement.prove(attack.claimKey, proofs);

        TrieNode[] memory sides = new TrieNode[](1);
        sides[0] = attack.left;
        proofs = new LeafProof[](1);
        proofs[0] = LeafProof({leaf: attack.values[0], sideNodes: sides, emptyMask: 0});
        // The key's first bit is 0, so the fold puts the relay on the left: it cannot stand for the right subtree.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.RootMismatch.selector,
                attack.root.hash,
                SumTrie.innerHash(TrieBuilder.leafNode(trieLeafOf(attack.values[0])), attack.left)
            )
        );
        settlement.prove(attack.claimKey, proofs);
    }

    /// @dev The attacker claims `root` and HONEST claims and proves `cost` for `session`, in that session's windows.
    function honestProvenClaimAfter(uint64 session, uint256 cost, TrieNode memory root)
        internal
        returns (bytes32 honestKey)
    {
        rollToClaimWindow(session);
        claimAs(OPERATOR, SUPPLIER, APP, session, root);
        honestKey = honestProvenClaim(session, cost);
    }

    // ───────────────────────────── 3. v = 0 / 1 signatures ─────────────────────────────

    function _vMinus27(bytes memory signature) internal pure returns (bytes memory) {
        bytes memory copy = bytes.concat(signature);
        copy[64] = bytes1(uint8(copy[64]) - 27);
        return copy;
    }

    /// @dev Old: the contract's rule rested on the ecrecover precompile alone (which ignores v ∉ {27, 28}), while
    ///      off-chain verifiers normalised v 0 / 1 to 27 / 28 and accepted them: a node could accept, store and
    ///      report relays whose signatures the contract refused, so their claims could never be proven. Now the one
    ///      rule is explicit everywhere: recoverSigner returns zero, and prove and reportEquivocation reject them.
    function test_attack_signatureWithVZeroOrOne_rejectedEverywhere() public {
        RelayRequest memory request = newRequest(1);
        LeafValue memory canonical = signedRelay(request, 10, 10);
        bytes32 digest = settlement.relayKey(request);
        vm.assertEq(settlement.recoverSigner(digest, canonical.requestSignature), APP);
        bytes memory low = _vMinus27(canonical.requestSignature);
        vm.assertEq(uint8(low[64]) < 2, true);
        vm.assertEq(settlement.recoverSigner(digest, low), address(0));
        vm.assertEq(
            settlement.recoverSigner(settlement.hashRelayReceipt(canonical.receipt), _vMinus27(canonical.receiptSignature)),
            address(0)
        );

        // A request signature with v - 27.
        LeafValue memory value = canonical;
        value.requestSignature = low;
        bytes32 claimKey = _claimSingle(value, SESSION);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidRequestSignature.selector, address(0), APP));
        settlement.prove(claimKey, soleProof(value));

        // A receipt signature with v - 27 (next session).
        value = signedRelay(newRequest(SUPPLIER, APP, SESSION + 1, 2), 10, 10);
        value.receiptSignature = _vMinus27(value.receiptSignature);
        claimKey = _claimSingle(value, SESSION + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.InvalidReceiptSignature.selector, address(0), OPERATOR)
        );
        settlement.prove(claimKey, soleProof(value));

        // An equivocation report with one receipt signed v - 27 is refused; with both canonical it is accepted.
        RelayRequest memory reported = newRequest(3);
        RelayReceipt memory a = receiptFor(reported, 10, 20);
        RelayReceipt memory b = receiptFor(reported, 10, 21);
        bytes memory signatureA = signReceipt(OPERATOR_KEY, a);
        bytes memory signatureB = signReceipt(OPERATOR_KEY, b);
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.InvalidReceiptSignature.selector, address(0), OPERATOR)
        );
        settlement.reportEquivocation(reported, a, signatureA, b, _vMinus27(signatureB));
        vm.expectRevert(
            abi.encodeWithSelector(IAviarySettlement.InvalidReceiptSignature.selector, address(0), OPERATOR)
        );
        settlement.reportEquivocation(reported, a, _vMinus27(signatureA), b, signatureB);
        settlement.reportEquivocation(reported, a, signatureA, b, signatureB);
    }

    function _claimSingle(LeafValue memory value, uint64 session) internal returns (bytes32 claimKey) {
        LeafValue[] memory values = new LeafValue[](1);
        values[0] = value;
        (, TrieNode memory root) = trieOf(values);
        rollToClaimWindow(session);
        claimKey = claimAs(OPERATOR, SUPPLIER, APP, session, root);
        rollToProofWindow(session);
    }

    // ───────────────────────────── 4. a slashed claim still dilutes ─────────────────────────────

    /// @dev Old: every claim was added to the session total when made, so a sybil claim of sum 2^128 - 1 (no
    ///      collateral) made the total ≈ 3.4e38 and cut an honest proven claim of 400 (budget 400) to
    ///      400 × 400 / 3.4e38 ≈ 0, although the sybil was later slashed. Now: 2^128 - 1 needs that much collateral;
    ///      the largest the sybil's stake allows is at or above the threshold, so it counts only once proven (never),
    ///      and is slashed; sybils below the threshold cut the honest pay by less than T each.
    function test_attack_sybilClaims_dilutionBoundedByThreshold() public {
        deploy(settlementParams(), SOURCE_SHARE_BPS, 1_200e18, SUPPLIER_STAKE); // budget 400
        stakeSupplierWithOffer(HONEST, SUPPLIER_STAKE, vm.addr(HONEST_OPERATOR_KEY));
        address whale = address(0x5B1);
        address[2] memory small = [address(0x5B2), address(0x5B3)];
        stakeSupplier(whale, 1e24, whale);
        stakeSupplier(small[0], MISSING_PROOF_PENALTY, small[0]);
        stakeSupplier(small[1], MISSING_PROOF_PENALTY, small[1]);
        uint64 session = SESSION + 1;

        rollToClaimWindow(session);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.InsufficientCollateral.selector, whale, uint256(type(uint128).max), 1e24
            )
        );
        claimAs(whale, whale, APP, session, fakeRoot(type(uint128).max, 1));
        bytes32 whaleKey = claimAs(whale, whale, APP, session, fakeRoot(1e24, 1)); // all the collateral it has
        bytes32[2] memory smallKeys;
        for (uint256 i; i < 2; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            smallKeys[i] = claimAs(small[i], small[i], APP, session, fakeRoot(uint128(PROOF_THRESHOLD - 1), 1));
        }
        vm.assertEq(settlement.sessionTotal(APP, session), 2 * (PROOF_THRESHOLD - 1), "the whale is not counted");

        bytes32 honestKey = honestProvenClaim(session, 400e18);
        uint256 budget = settlement.sessionBudget(APP, session);
        vm.assertEq(budget, 400e18);
        uint256 total = settlement.sessionTotal(APP, session);
        vm.assertEq(total, 400e18 + 2 * (PROOF_THRESHOLD - 1));

        rollToSettlement(session);
        uint256 paid = settlement.settle(honestKey);
        vm.assertEq(paid, 400e18 * budget / total);
        // Without the sybils the honest claim gets min(400, budget) = 400: each counted sybil cuts at most T.
        vm.assertLe(400e18 - paid, 2 * PROOF_THRESHOLD);
        vm.assertEq(settlement.settle(whaleKey), 0);
        vm.assertTrue(settlement.getClaim(whaleKey).slashed);
        vm.assertEq(holdings(whale), 0, "the whale's whole stake was its collateral");
        assertBalanceInvariant();
    }

    // ───────────────────────────── 5. an inflated leaf count collapses difficulty ─────────────────────────────

    /// @dev Steady honest traffic `traffic` a session (mined = traffic * p) for `sessions` sessions from SESSION.
    function _steadyTraffic(uint256 traffic, uint64 sessions) internal returns (uint64 next) {
        for (next = SESSION; next < SESSION + sessions; ++next) {
            rollToClaimWindow(next);
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            uint64 mined = uint64(traffic * settlement.miningProbabilityAt(MODEL, next) / 1e18);
            claimAs(OPERATOR, SUPPLIER, APP, next, fakeRoot(uint128(mined) * 1000 + 1, mined));
        }
    }

    /// @dev Old: the observation entered the EMA unclamped and p was clamped only to [1, 1e18]: one claim with
    ///      count 2^64 - 1 made ema ≈ 0.1 × 1.8e19 / p and pushed p to 1e-18 in one fold, after which almost nothing
    ///      was mined and each mined relay paid 1e18 times its cost. Now the observation is clamped to twice the
    ///      prior: p moves by at most 1.1× (and never more than 2×), and recovers after sessions without claims.
    function test_attack_inflatedLeafCount_movesProbabilityByAtMostTenPercent() public {
        deploy(settlementParams(), SOURCE_SHARE_BPS, APP_STAKE, 1e24);
        address attacker = address(0xA77AC);
        stakeSupplier(attacker, 1e24, attacker);
        uint256 traffic = 20_000;
        uint64 attacked = _steadyTraffic(traffic, 120);
        uint256 p0 = settlement.miningProbabilityAt(MODEL, attacked);
        vm.assertApproxEqRel(p0, 100e18 / traffic, 0.05e18); // converged: p ≈ target / traffic

        rollToClaimWindow(attacked); // folds attacked - 1
        uint256 before = settlement.miningProbabilityAt(MODEL, attacked + 2);
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        uint64 mined = uint64(traffic * settlement.miningProbabilityAt(MODEL, attacked) / 1e18);
        claimAs(OPERATOR, SUPPLIER, APP, attacked, fakeRoot(uint128(mined) * 1000 + 1, mined));
        claimAs(attacker, attacker, APP, attacked, fakeRoot(1, type(uint64).max));
        (, uint256 claimEnd,,,) = settlement.windows(attacked);
        vm.roll(claimEnd + 1);
        (, uint256 emaBefore,,,) = settlement.difficultyOf(MODEL);
        settlement.updateDifficulty(MODEL);
        uint256 after_ = settlement.miningProbabilityAt(MODEL, attacked + 2);
        (, uint256 emaAfter,,,) = settlement.difficultyOf(MODEL);
        vm.assertLe(emaAfter, emaBefore * 11 / 10 + 1, "ema grows by at most 1 + alpha");
        vm.assertGe(after_ * 2, before, "never more than 2x");
        vm.assertGe(after_ * 11 / 10 + 1, before, "at most 1.1x");

        // Three sessions without claims, then honest traffic again: p is back above where it was.
        uint64 resumed = attacked + 4;
        uint256 pResumed = settlement.miningProbabilityAt(MODEL, resumed);
        rollToClaimWindow(resumed);
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        mined = uint64(traffic * pResumed / 1e18);
        claimAs(OPERATOR, SUPPLIER, APP, resumed, fakeRoot(uint128(mined) * 1000 + 1, mined));
        (, claimEnd,,,) = settlement.windows(resumed);
        vm.roll(claimEnd + 1);
        settlement.updateDifficulty(MODEL);
        vm.assertGe(settlement.miningProbabilityAt(MODEL, settlement.currentSession() + 1), before, "recovered");
    }

    // ───────────────────────────── 6. serving after the mining seed is public ─────────────────────────────

    /// @dev Old: miningSeed[s] = blockhash(E + g), the first block at which serving stopped (serving while the head
    ///      is < E + g): a supplier whose view lagged by a block was still serving s when the seed became readable,
    ///      so it (or a colluding app) could tell which relays would be mined. Now the seed block is M = E + g + 1,
    ///      one block after the last block at which s is served, and claims start at E + g + 2.
    function test_attack_servingAfterMiningSeed_seedIsOneBlockAfterServingEnds() public {
        uint256 lastBlock = (uint256(SESSION) + 1) * L - 1; // E
        uint256 servingEnd = lastBlock + GRACE - 1; // the last head at which s is served (head < E + g)
        uint256 seedBlock = lastBlock + GRACE + 1; // M
        (uint256 claimStart, uint256 claimEnd,,,) = settlement.windows(SESSION);
        vm.assertEq(claimStart, seedBlock + 1);
        vm.assertEq(claimStart, lastBlock + GRACE + 2);

        // At the last serving head, at the first head past serving and at M itself, blockhash(M) is not known.
        for (uint256 head = servingEnd; head <= seedBlock; ++head) {
            vm.roll(head);
            vm.assertEq(blockhash(seedBlock), bytes32(0));
            vm.expectRevert(
                abi.encodeWithSelector(IAviarySettlement.OutsideWindow.selector, SESSION, head, claimStart, claimEnd)
            );
            claimAs(OPERATOR, SUPPLIER, APP, SESSION, fakeRoot(1, 1));
        }
        vm.roll(claimStart);
        vm.setBlockhash(seedBlock, keccak256("the mining seed"));
        claimAs(OPERATOR, SUPPLIER, APP, SESSION, fakeRoot(1, 1));
        vm.assertEq(settlement.miningSeed(SESSION), blockhash(seedBlock));
        vm.assertEq(settlement.miningSeed(SESSION), keccak256("the mining seed"));
    }

    // ───────────────────────────── 7. pendingSessions one too small ─────────────────────────────

    /// @dev Old: pendingSessions = ceil((g + c + pf) / L) + 1 = 2, so each session's budget was stake / 2, while
    ///      claims of three sessions (s settles from E + 22, after session s + 2 has begun) draw on one stake at
    ///      once: three sessions at budget (3 × 500 = 1,500 against 1,000 staked) left the third paid nothing.
    ///      Now pendingSessions = floor((g + 1 + c + pf) / L) + 2 = 3: three budgets sum to at most the stake.
    function test_attack_threeSessionsAtBudget_allPaidInFull() public {
        deploy(settlementParams(), SOURCE_SHARE_BPS, APP_STAKE, 3 * APP_STAKE);
        vm.assertEq(settlement.pendingSessions(), 3);
        uint256 sumOfBudgets;
        for (uint64 i; i < 3; ++i) {
            sumOfBudgets += settlement.sessionBudget(APP, SESSION + i);
        }
        vm.assertLe(sumOfBudgets, APP_STAKE);
        // Settlement of SESSION opens only after SESSION + 2 has begun: its budget is read from the full stake.
        (,,,, uint256 settleFrom) = settlement.windows(SESSION);
        vm.assertGt(settleFrom, uint256(SESSION + 2) * L);

        bytes32[3] memory keys;
        uint256[3] memory amounts;
        for (uint64 i; i < 3; ++i) {
            uint64 session = SESSION + i;
            uint256 budget = settlement.sessionBudget(APP, session);
            amounts[i] = budget / INPUT_PRICE * INPUT_PRICE; // at budget, to the price unit
            LeafValue memory value = pricedRelay(SUPPLIER, OPERATOR_KEY, APP, APP_KEY, session, 1, amounts[i]);
            keys[i] = _claimSingle(value, session);
            settlement.prove(keys[i], soleProof(value));
        }
        rollToSettlement(SESSION + 2);
        vm.assertEq(registry.unsettledClaimsOf(APP), 3, "three sessions unsettled at once");
        uint256 paid;
        for (uint256 i; i < 3; ++i) {
            uint256 pay = settlement.settle(keys[i]);
            vm.assertEq(pay, amounts[i], "paid in full");
            paid += pay;
        }
        vm.assertLe(paid, APP_STAKE);
        assertBalanceInvariant();
    }

    // ───────────────────────────── 8. an application withdraws before settlement ─────────────────────────────

    /// @dev Old: nothing tied withdrawal to claims, and applicationUnbondingSessions (2 here, 3 on devnet) could be
    ///      shorter than the sessions its stake budgets for: an application could unstake while serving and
    ///      withdraw before its claims were settled, leaving them unpaid. Now withdrawal waits for every claim on it.
    function test_attack_applicationWithdrawsBeforeSettlement_revertsUnsettledClaims() public {
        LeafValue memory value = pricedRelay(SUPPLIER, OPERATOR_KEY, APP, APP_KEY, SESSION, 1, 300e18);
        bytes32 claimKey = _claimSingle(value, SESSION);
        settlement.prove(claimKey, soleProof(value));
        vm.prank(APP);
        registry.unstakeApplication(APP_STAKE); // in SESSION + 1: release at SESSION + 5
        (,, uint64 release) = registry.applicationStake(APP);
        vm.roll(uint256(release) * L);
        vm.prank(APP);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.UnsettledClaims.selector, APP, 1));
        registry.withdrawApplication();

        vm.assertEq(settlement.settle(claimKey), 300e18);
        vm.prank(APP);
        vm.assertEq(registry.withdrawApplication(), APP_STAKE - 300e18);
        assertBalanceInvariant();
    }

    function test_attack_shortApplicationUnbonding_revertsInvalidParameter() public {
        RegistryParams memory p = registryParams();
        p.applicationUnbondingSessions = uint64(settlement.pendingSessions()); // one short of pendingSessions + 1
        vm.expectRevert(
            abi.encodeWithSelector(IAviaryRegistry.InvalidParameter.selector, Parameter.ApplicationUnbondingSessions)
        );
        new AviaryRegistry(IERC20(address(token)), p);
        p.applicationUnbondingSessions = uint64(settlement.pendingSessions() + 1);
        new AviaryRegistry(IERC20(address(token)), p);
    }
}
