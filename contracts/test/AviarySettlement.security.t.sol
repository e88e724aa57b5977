// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SettlementFixture} from "./utils/SettlementFixture.sol";
import {TrieBuilder, TrieLeaf, TrieProof} from "./utils/TrieBuilder.sol";
import {IAviaryRegistry} from "../src/interfaces/IAviaryRegistry.sol";
import {IAviarySettlement} from "../src/interfaces/IAviarySettlement.sol";
import {Probability} from "../src/libraries/Probability.sol";
import {SumTrie} from "../src/libraries/SumTrie.sol";
import {
    LeafProof,
    LeafValue,
    ProofDraw,
    RegistryParams,
    SettlementParams,
    TrieNode
} from "../src/types/AviaryTypes.sol";

/// @dev The security inequalities of protocol.md §7 as fuzz tests, with the devnet parameters of
///      packages/devnet (devnetParameters.ts): T = proofThreshold = 100, missingProofPenalty = 1,000, q = 0.25,
///      minimum supplier stake 1,000, application unbonding 4 sessions (pendingSessions 3). Each inequality is
///      computed from the deployed contract's parameters, and checked against what the contract actually does.
contract AviarySettlementSecurityTest is SettlementFixture {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant DEVNET_THRESHOLD = 100e18;
    uint256 internal constant DEVNET_PENALTY = 1_000e18;

    function registryParams() internal pure override returns (RegistryParams memory p) {
        p = super.registryParams();
        p.minSupplierStake = 1_000e18;
        p.minApplicationStake = 100e18;
        p.minGatewayStake = 100e18;
        p.modelFee = 1e18;
        p.supplierUnbondingSessions = 3;
        p.applicationUnbondingSessions = 4;
        p.gatewayUnbondingSessions = 1;
    }

    function settlementParams() internal pure override returns (SettlementParams memory) {
        return SettlementParams({
            protocolShareBps: 500,
            proofThreshold: DEVNET_THRESHOLD,
            proofProbabilityWad: 0.25e18,
            missingProofPenalty: DEVNET_PENALTY,
            equivocationPenalty: 100e18,
            reporterShareBps: 5_000,
            initialMiningProbabilityWad: 1e18,
            targetMinedPerSession: 1_000,
            difficultyAlphaWad: 0.1e18
        });
    }

    function fakeRoot(uint128 sum, uint64 count) internal pure returns (TrieNode memory) {
        return TrieNode(keccak256(abi.encode("fabricated", sum, count)), sum, count);
    }

    function holdings(address supplier) internal view returns (uint256) {
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(supplier);
        return stake + unbonding;
    }

    function collateralOf(uint256 amount) internal view returns (uint256) {
        uint256 penalty = settlement.params().missingProofPenalty;
        return amount > penalty ? amount : penalty;
    }

    // ───────────────────────────── fabricating below the threshold ─────────────────────────────

    /// @dev A fabricated claim below the threshold (no leaf can ever be shown) pays `amount` when not drawn for a
    ///      proof and loses its collateral when drawn: EV = (1 − q)·amount − q·max(penalty, amount) < 0. Checked
    ///      from the parameters, on one settlement under a fuzzed seed, and as an average over 400 seeds.
    function test_fuzz_fabricatedBelowThreshold_expectedValueNegative(uint256 amount, bytes32 proofSeed) public {
        SettlementParams memory params_ = settlement.params();
        amount = bound(amount, 1, params_.proofThreshold - 1);
        vm.assume(proofSeed != bytes32(0));
        uint256 q = params_.proofProbabilityWad;
        uint256 collateral = collateralOf(amount);
        vm.assertLt((WAD - q) * amount, q * collateral, "EV >= 0");

        rollToClaimWindow(SESSION);
        // forge-lint: disable-next-line(unsafe-typecast) — amount < proofThreshold
        bytes32 claimKey = claimRoot(fakeRoot(uint128(amount), 1));
        // The empirical frequency of the proof draw over many seeds is q, so the average payoff is negative too.
        int256 average;
        for (uint256 i; i < 400; ++i) {
            bool drawn = Probability.isProofRequired(
                amount, params_.proofThreshold, keccak256(abi.encode(proofSeed, i)), claimKey, q
            );
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            average += drawn ? -int256(collateral) : int256(amount);
        }
        vm.assertLt(average, 0, "empirical EV >= 0");

        rollToProofWindow(SESSION);
        setProofSeed(SESSION, proofSeed);
        settlement.recordSeed(SESSION);
        bool required = settlement.isProofRequired(claimKey);
        rollToSettlement(SESSION);
        uint256 before = holdings(SUPPLIER);
        uint256 paid = settlement.settle(claimKey);
        if (required) {
            vm.assertEq(paid, 0);
            vm.assertEq(before - holdings(SUPPLIER), collateral, "slashed the collateral");
        } else {
            vm.assertEq(paid, amount, "paid in full");
            vm.assertEq(before, holdings(SUPPLIER));
        }
    }

    // ───────────────────────────── inflating at or above the threshold ─────────────────────────────

    struct Inflation {
        LeafValue[] values;
        TrieLeaf[] leaves;
        TrieNode left; // the real relays
        TrieNode fake; // a node no leaf backs: sum F, count 0 (so the count draw never lands in it)
        TrieNode root;
        bytes32 claimKey;
        uint256 unit; // each real relay's cost
        uint256 real; // their sum
        uint256 collateral;
    }

    /// @dev `count` real relays (keys starting with a 0 bit) worth `unit` each, under the left child of a root whose
    ///      right child is a fabricated node of sum `fakeSum` and count 0.
    function _inflatedTrie(uint256 count, uint256 unit, uint256 fakeSum, uint64 session)
        internal
        view
        returns (Inflation memory inflation)
    {
        inflation.values = new LeafValue[](count);
        uint256 found;
        for (uint64 nonce = 1; found < count; ++nonce) {
            LeafValue memory value = pricedRelay(SUPPLIER, OPERATOR_KEY, APP, APP_KEY, session, nonce, unit);
            if (uint256(settlement.relayKey(value.request)) >> 255 == 0) inflation.values[found++] = value;
        }
        (inflation.leaves,) = trieOf(inflation.values);
        inflation.unit = unit;
        inflation.real = count * unit;
        inflation.left = TrieBuilder.subtree(inflation.leaves, 1);
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        inflation.fake = TrieNode(keccak256(abi.encode("fabricated", fakeSum)), uint128(fakeSum), 0);
        inflation.root = SumTrie.inner(inflation.left, inflation.fake);
    }

    /// @dev A claim at or above the threshold inflated by a fraction f = F / S of its sum S: the sum draw lands in the
    ///      fabricated part with probability f (then no leaf can be shown and the collateral max(penalty, S) is
    ///      slashed), else the claim is proven and paid S, F more than was served. EV ≤ f(1 − f)·S − f·collateral < 0.
    function test_fuzz_inflatedClaim_expectedValueNegative(uint8 relays, uint256 unit, uint256 fakeSum, bytes32 seed)
        public
    {
        deploy(settlementParams(), SOURCE_SHARE_BPS, 1e30, 1e30); // the budget covers any claim here
        uint256 count = bound(relays, 1, 6);
        unit = bound(unit, 1e18, 200e18) / INPUT_PRICE * INPUT_PRICE;
        fakeSum = bound(fakeSum, 1, 20 * count * unit);
        vm.assume(seed != bytes32(0));
        Inflation memory inflation = _inflatedTrie(count, unit, fakeSum, SESSION);
        uint256 sum = inflation.root.sum;
        vm.assume(sum >= settlement.params().proofThreshold);
        inflation.collateral = collateralOf(sum);
        // EV (scaled by S): F·(S − F) − F·collateral < 0, i.e. f(1 − f)S − f·collateral < 0.
        vm.assertLt(fakeSum * (sum - fakeSum), fakeSum * inflation.collateral, "EV >= 0");

        rollToClaimWindow(SESSION);
        inflation.claimKey = claimRoot(inflation.root);
        vm.assertEq(settlement.sessionTotal(APP, SESSION), 0, "not counted before proven");
        _drawFrequencyIsShare(inflation, seed);

        rollToProofWindow(SESSION);
        setProofSeed(SESSION, seed);
        _proveOrBeCaught(inflation);
    }

    /// @dev Over 300 seeds the sum draw lands in the fabricated part in about f of them.
    function _drawFrequencyIsShare(Inflation memory inflation, bytes32 seed) internal pure {
        uint256 sum = inflation.root.sum;
        uint256 fakeSum = inflation.fake.sum;
        uint256 hits;
        for (uint256 i; i < 300; ++i) {
            (uint256 r,) =
                Probability.proofDraws(keccak256(abi.encode(seed, i)), inflation.claimKey, sum, inflation.root.count);
            if (r >= inflation.real) ++hits;
        }
        // 6 standard deviations of binomial(300, f) (computed in thousandths), plus 3 for the heavier tail of small
        // means.
        uint256 tolerance = 6 * _sqrt(300e6 * fakeSum / sum * (sum - fakeSum) / sum) / 1e3 + 3;
        vm.assertApproxEqAbs(hits, 300 * fakeSum / sum, tolerance, "draw frequency != f");
    }

    /// @dev Under the stored seed: caught (no proof passes, the collateral is slashed) when the sum draw is in the
    ///      fabricated part, else proven and paid the inflated sum.
    function _proveOrBeCaught(Inflation memory inflation) internal {
        (uint256 sumDraw, uint256 countDraw) = settlement.proofDraws(inflation.claimKey);
        TrieProof memory byCount = TrieBuilder.withTopSide(
            TrieBuilder.drawnProofFrom(inflation.leaves, 1, ProofDraw.Count, countDraw), inflation.fake
        );
        // Caught: the leaf next to the fabricated part is the closest any proof can get.
        bool caught = sumDraw >= inflation.real;
        TrieProof memory bySum = TrieBuilder.withTopSide(
            TrieBuilder.drawnProofFrom(inflation.leaves, 1, ProofDraw.Sum, caught ? inflation.real - 1 : sumDraw),
            inflation.fake
        );
        LeafProof[] memory proofs = new LeafProof[](bySum.leafIndex == byCount.leafIndex ? 1 : 2);
        proofs[0] = leafProof(inflation.values[bySum.leafIndex], bySum);
        if (proofs.length == 2) proofs[1] = leafProof(inflation.values[byCount.leafIndex], byCount);
        uint256 before = holdings(SUPPLIER);
        if (caught) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAviarySettlement.LeafNotDrawn.selector,
                    ProofDraw.Sum,
                    sumDraw,
                    inflation.real - inflation.unit,
                    inflation.real
                )
            );
        }
        settlement.prove(inflation.claimKey, proofs);
        rollToSettlement(SESSION);
        if (caught) {
            vm.assertEq(settlement.settle(inflation.claimKey), 0);
            vm.assertEq(before - holdings(SUPPLIER), inflation.collateral, "lost the collateral");
        } else {
            vm.assertEq(settlement.settle(inflation.claimKey), inflation.root.sum, "paid the inflated sum");
            vm.assertEq(before, holdings(SUPPLIER));
        }
    }

    function _sqrt(uint256 x) internal pure returns (uint256 y) {
        y = x;
        uint256 z = (x + 1) / 2;
        while (z < y) {
            y = z;
            z = (x / z + z) / 2;
        }
    }

    // ───────────────────────────── sybil dilution ─────────────────────────────

    /// @dev k sybil claims (any amounts, never proven) next to an honest proven claim H: the honest pay is at least
    ///      min(H, budget) − k·T. Sybils at or above T are not counted (and are slashed); those below T are
    ///      counted, and each cuts the honest pay by less than its amount.
    function test_fuzz_sybilClaims_cutHonestPayByAtMostThresholdEach(
        uint256 honest,
        uint256 appStake,
        uint256[4] memory sybils,
        uint8 k,
        bytes32 seed
    ) public {
        uint256 threshold = settlement.params().proofThreshold;
        appStake = bound(appStake, 100e18, 6_000e18);
        deploy(settlementParams(), SOURCE_SHARE_BPS, appStake, 5_000e18);
        honest = bound(honest, threshold, 3_000e18) / INPUT_PRICE * INPUT_PRICE;
        k = uint8(bound(k, 1, 4));
        vm.assume(seed != bytes32(0));

        address[] memory sybilSuppliers = _stakeSybils(sybils, k, threshold); // operators from SESSION on
        rollToClaimWindow(SESSION);
        LeafValue memory value = pricedRelay(SUPPLIER, OPERATOR_KEY, APP, APP_KEY, SESSION, 1, honest);
        bytes32 honestKey = _claimValue(value);
        bytes32[] memory sybilKeys = _claimSybils(sybils, sybilSuppliers);
        rollToProofWindow(SESSION);
        setProofSeed(SESSION, seed);
        settlement.prove(honestKey, soleProof(value));
        rollToSettlement(SESSION);

        // Alone, the honest claim would get min(H, budget).
        uint256 cut = _min(honest, settlement.sessionBudget(APP, SESSION)) - settlement.settle(honestKey);
        uint256 counted = _settleSybils(sybils, sybilKeys, threshold);
        vm.assertEq(settlement.sessionTotal(APP, SESSION), honest + counted);
        vm.assertLe(cut, counted + 1, "cut by more than the counted sybil amounts");
        vm.assertLe(cut, k * threshold, "cut by more than T per sybil claim");
        assertBalanceInvariant();
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function _claimValue(LeafValue memory value) internal returns (bytes32) {
        LeafValue[] memory values = new LeafValue[](1);
        values[0] = value;
        (, TrieNode memory root) = trieOf(values);
        return claimRoot(root);
    }

    /// @dev k sybil suppliers, each staked exactly the collateral of its claim of `sybils[i]` (bounded here).
    function _stakeSybils(uint256[4] memory sybils, uint256 k, uint256 threshold)
        internal
        returns (address[] memory sybilSuppliers)
    {
        sybilSuppliers = new address[](k);
        for (uint256 i; i < k; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) — test addresses
            sybilSuppliers[i] = address(uint160(0x5B100 + i));
            sybils[i] = bound(sybils[i], 1, 3 * threshold);
            stakeSupplier(sybilSuppliers[i], collateralOf(sybils[i]), sybilSuppliers[i]);
        }
    }

    /// @dev Each sybil claims a fabricated root of `sybils[i]` for SESSION.
    function _claimSybils(uint256[4] memory sybils, address[] memory sybilSuppliers)
        internal
        returns (bytes32[] memory sybilKeys)
    {
        sybilKeys = new bytes32[](sybilSuppliers.length);
        for (uint256 i; i < sybilSuppliers.length; ++i) {
            vm.prank(sybilSuppliers[i]);
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            sybilKeys[i] = settlement.claim(sybilSuppliers[i], APP, MODEL, SESSION, fakeRoot(uint128(sybils[i]), 1));
        }
    }

    /// @dev Settles the sybil claims; returns the sum of those counted in the session total (below T).
    function _settleSybils(uint256[4] memory sybils, bytes32[] memory sybilKeys, uint256 threshold)
        internal
        returns (uint256 counted)
    {
        for (uint256 i; i < sybilKeys.length; ++i) {
            if (sybils[i] < threshold) counted += sybils[i];
            bool required = settlement.isProofRequired(sybilKeys[i]);
            uint256 sybilPaid = settlement.settle(sybilKeys[i]);
            if (sybils[i] >= threshold) vm.assertTrue(required, "at or above T: always required");
            if (required) vm.assertEq(sybilPaid, 0, "required and unproven: paid nothing");
        }
    }

    // ───────────────────────────── withdrawals ─────────────────────────────

    /// @dev The schedule of the withdrawal test (a struct for the stack).
    struct Schedule {
        uint256 unstakeAt;
        uint256 unstakeAmount;
        bool unstaked;
        uint256 withdrawn;
        bytes32[3] keys;
        uint256[3] amounts;
        uint256[3] claimAt;
        uint256[3] proveAt;
        uint256[3] settleAt;
    }

    /// @dev An application stakes, unstakes (part or all) at a random block of the sessions it budgets for, and
    ///      tries to withdraw at every block after; claims of those sessions at their budget are proven and settled
    ///      late or early. Every claim is paid in full, and a withdrawal succeeds only once every claim is settled.
    function test_fuzz_withdrawal_neverLeavesPendingClaimUnpayable(
        uint256 stake,
        uint256 unstakeAt,
        uint256 unstakePart,
        uint256 settleDelay
    ) public {
        stake = bound(stake, 100e18, 1e24);
        deploy(settlementParams(), SOURCE_SHARE_BPS, stake, 3e24);
        Schedule memory plan;
        plan.unstakeAt = uint256(SESSION) * L + bound(unstakeAt, 0, 3 * L - 1);
        plan.unstakeAmount = unstakePart; // a seed until the unstake: bounded then by the stake left
        settleDelay = bound(settleDelay, 0, 8 * L);
        for (uint64 i; i < 3; ++i) {
            (plan.claimAt[i],, plan.proveAt[i],, plan.settleAt[i]) = settlement.windows(SESSION + i);
            plan.settleAt[i] += (settleDelay * (i + 1)) % (8 * L);
        }
        for (uint256 b = uint256(SESSION) * L; b < uint256(SESSION + 14) * L; ++b) {
            vm.roll(b);
            _step(plan, b);
        }
        (uint256 left, uint256 unbonding,) = registry.applicationStake(APP);
        uint256 paid = plan.amounts[0] + plan.amounts[1] + plan.amounts[2];
        vm.assertEq(left + unbonding + plan.withdrawn + paid, stake, "application tokens conserved");
        vm.assertEq(unbonding, 0, "what payments left of the unstaked part was withdrawn in the end");
        vm.assertLe(plan.withdrawn, plan.unstakeAmount);
        assertBalanceInvariant();
    }

    /// @dev What happens at block `b`: the unstake, claims at budget, their proofs and settlements (each paid in
    ///      full), and a withdrawal attempt.
    function _step(Schedule memory plan, uint256 b) internal {
        if (!plan.unstaked && b >= plan.unstakeAt) {
            (uint256 current,,) = registry.applicationStake(APP);
            plan.unstakeAmount = bound(plan.unstakeAmount, 1, current);
            uint256 remaining = current - plan.unstakeAmount;
            if (remaining != 0 && remaining < registry.params().minApplicationStake) plan.unstakeAmount = current;
            vm.prank(APP);
            registry.unstakeApplication(plan.unstakeAmount);
            plan.unstaked = true;
        }
        for (uint64 i; i < 3; ++i) {
            if (b == plan.claimAt[i]) (plan.keys[i], plan.amounts[i]) = _claimAtBudget(SESSION + i);
            if (plan.keys[i] == bytes32(0)) continue;
            if (b == plan.proveAt[i]) settlement.prove(plan.keys[i], soleProof(_relayOf(SESSION + i, plan.amounts[i])));
            if (b == plan.settleAt[i]) {
                vm.assertEq(settlement.settle(plan.keys[i]), plan.amounts[i], "a pending claim was not paid in full");
            }
        }
        if (plan.unstaked && plan.withdrawn == 0) plan.withdrawn = _tryWithdraw();
    }

    function _relayOf(uint64 session, uint256 amount) internal view returns (LeafValue memory) {
        return pricedRelay(SUPPLIER, OPERATOR_KEY, APP, APP_KEY, session, 1, amount);
    }

    /// @dev A claim of one real relay worth the session's budget (to the price unit), if the budget allows one.
    function _claimAtBudget(uint64 session) internal returns (bytes32 claimKey, uint256 amount) {
        amount = settlement.sessionBudget(APP, session) / INPUT_PRICE * INPUT_PRICE;
        if (amount == 0) return (bytes32(0), 0);
        LeafValue[] memory values = new LeafValue[](1);
        values[0] = _relayOf(session, amount);
        (, TrieNode memory root) = trieOf(values);
        vm.prank(OPERATOR);
        claimKey = settlement.claim(SUPPLIER, APP, MODEL, session, root);
    }

    /// @dev Tries withdrawApplication: it may only succeed with no unsettled claim. Returns what was withdrawn.
    function _tryWithdraw() internal returns (uint256) {
        (, uint256 unbonding, uint64 release) = registry.applicationStake(APP);
        if (unbonding == 0) return 0;
        uint256 unsettled = registry.unsettledClaimsOf(APP);
        vm.prank(APP);
        try registry.withdrawApplication() returns (uint256 amount) {
            vm.assertEq(unsettled, 0, "withdrew with unsettled claims");
            vm.assertGe(registry.currentSession(), release);
            return amount;
        } catch (bytes memory reason) {
            if (unsettled != 0 && registry.currentSession() >= release) {
                vm.assertEq(
                    reason, abi.encodeWithSelector(IAviaryRegistry.UnsettledClaims.selector, APP, unsettled)
                );
            }
            return 0;
        }
    }
}
