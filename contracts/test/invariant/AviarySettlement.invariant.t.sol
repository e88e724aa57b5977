// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SettlementFixture} from "../utils/SettlementFixture.sol";
import {SettlementHandler} from "./handlers/SettlementHandler.sol";
import {Claim, SettlementParams} from "../../src/types/AviaryTypes.sol";

/// @dev Random claims (honest and fabricated), proofs, seeds, settlements, equivocation reports, supplier and
///      application stake changes (withdrawals included) and rolls against the real registry: the registry holds
///      exactly the stakes, collateral never exceeds stake, no (application, session) is paid above its budget,
///      nothing is paid twice, only required-but-unproven claims and equivocations are slashed, and honest proofs
///      always verify.
contract AviarySettlementInvariantTest is SettlementFixture {
    uint256 internal constant SUPPLIER2_KEY = 0x5012;
    uint256 internal constant OPERATOR2_KEY = 0x0B2;
    uint256 internal constant APP2_KEY = 0xA11CE2;

    SettlementHandler internal handler;
    uint256 internal initialHeld;

    function settlementParams() internal pure override returns (SettlementParams memory params_) {
        params_ = super.settlementParams();
        params_.equivocationPenalty = 5e18;
    }

    function setUp() public override {
        super.setUp(); // block SESSION * L: stakes made now apply from SESSION, offers from SESSION + 1
        address supplier2 = vm.addr(SUPPLIER2_KEY);
        stakeSupplier(supplier2, SUPPLIER_STAKE, vm.addr(OPERATOR2_KEY));
        vm.prank(supplier2);
        registry.setOffer(MODEL, INPUT_PRICE, OUTPUT_PRICE);
        stakeApplication(vm.addr(APP2_KEY), 60e18); // budget 20e18 a session: pro rata happens
        vm.roll(uint256(SESSION + 2) * L);

        address[] memory suppliers = new address[](2);
        suppliers[0] = SUPPLIER;
        suppliers[1] = supplier2;
        uint256[] memory operatorKeys = new uint256[](2);
        operatorKeys[0] = OPERATOR_KEY;
        operatorKeys[1] = OPERATOR2_KEY;
        uint256[] memory applicationKeys = new uint256[](2);
        applicationKeys[0] = APP_KEY;
        applicationKeys[1] = APP2_KEY;
        handler = new SettlementHandler(
            settlement, registry, token, MODEL, INPUT_PRICE, OUTPUT_PRICE, suppliers, operatorKeys, applicationKeys
        );
        token.transferOwnership(address(handler));
        initialHeld = registry.totalHeld();
        targetContract(address(handler));
    }

    /// @dev (1) The registry's token balance is totalHeld, and totalHeld is the sum of every stake and unbonding
    ///      balance (suppliers, applications, gateways): nothing else sits there.
    function invariant_registryHoldsExactlyTheStakes() public view {
        assertBalanceInvariant();
        uint256 sum;
        for (uint256 i; i < handler.supplierCount(); ++i) {
            (uint256 stake, uint256 unbonding,) = registry.supplierStake(handler.suppliers(i));
            sum += stake + unbonding;
        }
        for (uint256 i; i < handler.applicationCount(); ++i) {
            (uint256 stake, uint256 unbonding,) = registry.applicationStake(handler.applications(i));
            sum += stake + unbonding;
        }
        (uint256 gatewayStake, uint256 gatewayUnbonding,) = registry.gatewayStake(GATEWAY);
        sum += gatewayStake + gatewayUnbonding;
        (gatewayStake, gatewayUnbonding,) = registry.gatewayStake(GATEWAY2);
        sum += gatewayStake + gatewayUnbonding;
        vm.assertEq(registry.totalHeld(), sum, "totalHeld != sum of stakes and unbonding");
    }

    /// @dev (1') What left the registry is exactly what settlement paid and slashed and what was withdrawn.
    function invariant_tokensConserved() public view {
        vm.assertEq(
            registry.totalHeld(),
            initialHeld + handler.totalStaked() - handler.totalPaid() - handler.totalSlashed()
                - handler.totalWithdrawn(),
            "held != initial + staked - paid - slashed - withdrawn"
        );
    }

    /// @dev (2) For every supplier, locked collateral <= stake, and <= the collateral of its unsettled claims (less
    ///      only where an equivocation slash took locked stake). Every application's unsettled count is right.
    function invariant_collateralBackedByStake() public view {
        uint256 suppliers = handler.supplierCount();
        uint256 count = handler.claimCount();
        for (uint256 s; s < suppliers; ++s) {
            address supplier = handler.suppliers(s);
            (uint256 locked, uint256 unlocked) = registry.supplierCollateral(supplier);
            (uint256 stake,,) = registry.supplierStake(supplier);
            vm.assertLe(locked, stake, "locked > stake");
            vm.assertEq(locked + unlocked, stake, "locked + unlocked != stake");
            uint256 pending;
            for (uint256 i; i < count; ++i) {
                Claim memory stored = settlement.getClaim(handler.claimAt(i).key);
                if (stored.supplier == supplier && !stored.settled) pending += stored.collateral;
            }
            vm.assertLe(locked, pending, "locked > collateral of unsettled claims");
        }
        for (uint256 a; a < handler.applicationCount(); ++a) {
            address application = handler.applications(a);
            uint256 unsettled;
            for (uint256 i; i < count; ++i) {
                Claim memory stored = settlement.getClaim(handler.claimAt(i).key);
                if (stored.application == application && !stored.settled) ++unsettled;
            }
            vm.assertEq(registry.unsettledClaimsOf(application), unsettled, "unsettled claims");
        }
    }

    /// @dev (3) The sum paid for an (application, session) never exceeds its budget; each settle pays exactly
    ///      amount * min(1, budget / total) (capped at what the application holds), and nothing for a slashed claim.
    function invariant_paidWithinBudget() public view {
        uint256 count = handler.appSessionCount();
        for (uint256 i; i < count; ++i) {
            (address application, uint64 session) = handler.appSessionAt(i);
            vm.assertLe(
                handler.paidPerAppSession(application, session),
                settlement.sessionBudget(application, session),
                "paid above budget"
            );
        }
        vm.assertEq(handler.wrongPays(), 0, "a settle paid other than amount * min(1, budget / total)");
    }

    /// @dev (4) Nothing is paid twice: a second settle reverts, each claim is paid at most its amount.
    function invariant_nothingPaidTwice() public view {
        vm.assertEq(handler.doubleSettlements(), 0, "second settle did not revert AlreadySettled");
        uint256 count = handler.claimCount();
        for (uint256 i; i < count; ++i) {
            bytes32 claimKey = handler.claimAt(i).key;
            Claim memory stored = settlement.getClaim(claimKey);
            vm.assertLe(handler.settlements(claimKey), 1, "settled twice");
            vm.assertTrue(stored.settled == (handler.settlements(claimKey) == 1), "settled flag");
            vm.assertLe(handler.paidPerClaim(claimKey), stored.amount, "paid above amount");
            if (stored.slashed) vm.assertEq(handler.paidPerClaim(claimKey), 0, "slashed claim paid");
        }
    }

    /// @dev (5) Slashes only of required-but-unproven claims (at most their collateral) or for equivocation: every
    ///      supplier holds exactly what it staked, less what it withdrew and those slashes.
    function invariant_slashesOnlyUnprovenOrEquivocation() public view {
        vm.assertEq(handler.wrongSlashes(), 0, "slashed a proven or unrequired claim");
        vm.assertEq(handler.slashAboveCollateral(), 0, "slashed above the claim's collateral");
        for (uint256 s; s < handler.supplierCount(); ++s) {
            address supplier = handler.suppliers(s);
            (uint256 stake, uint256 unbonding,) = registry.supplierStake(supplier);
            vm.assertEq(stake + unbonding, handler.expectedSupplierHoldings(supplier), "supplier holdings");
        }
        uint256 count = handler.claimCount();
        for (uint256 i; i < count; ++i) {
            bytes32 claimKey = handler.claimAt(i).key;
            Claim memory stored = settlement.getClaim(claimKey);
            if (handler.slashedPerClaim(claimKey) != 0) vm.assertTrue(stored.slashed && !stored.proven, "slash flag");
        }
    }

    /// @dev Session totals: claims below the threshold, and proven claims at or above it.
    function invariant_sessionTotalsSumCountedClaims() public view {
        uint256 sessions = handler.appSessionCount();
        uint256 count = handler.claimCount();
        uint256 threshold = settlement.params().proofThreshold;
        for (uint256 i; i < sessions; ++i) {
            (address application, uint64 session) = handler.appSessionAt(i);
            uint256 sum;
            for (uint256 j; j < count; ++j) {
                Claim memory stored = settlement.getClaim(handler.claimAt(j).key);
                if (stored.application != application || stored.session != session) continue;
                if (stored.amount < threshold || stored.proven) sum += stored.amount;
            }
            vm.assertEq(settlement.sessionTotal(application, session), sum, "session total");
        }
    }

    /// @dev Honest proofs always verify inside their window; fabricated claims are never proven; every revert on
    ///      an expected path is the expected one (InsufficientCollateral, UnsettledClaims).
    function invariant_proofsAndReverts() public view {
        vm.assertEq(handler.failedHonestProofs(), 0, "an honest proof failed");
        vm.assertEq(handler.fabricatedProven(), 0, "a fabricated claim was proven");
        vm.assertEq(handler.unexpectedReverts(), 0, "unexpected revert");
        vm.assertEq(handler.withdrawnWithUnsettledClaims(), 0, "an application withdrew with claims unsettled");
    }

    /// @dev The handler reaches every path under a fixed pseudo-random sequence, and the invariants hold throughout.
    function test_handler_reachesEveryPath() public {
        for (uint256 i; i < 400; ++i) {
            uint256 r = uint256(keccak256(abi.encode("sequence", i)));
            uint256 action = r % 12;
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            if (action <= 2) handler.claim(r >> 8, r >> 16, r >> 24, uint128(r >> 32), uint64(r >> 40));
            else if (action == 3) handler.prove(r >> 8);
            else if (action == 4 || action == 5) handler.settle(r >> 8);
            else if (action == 6) handler.roll(r >> 8);
            else if (action == 7) handler.recordSeed(r >> 8);
            else if (action == 8) handler.changeApplicationStake(r >> 8, r >> 16, (r >> 24) % 2 == 0);
            else if (action == 9 && i % 2 == 0) handler.withdrawApplication(r >> 8);
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            else if (action == 9) handler.changeSupplierStake(r >> 8, r >> 16, uint8(r >> 24));
            else if (action == 10) handler.proveFabricated(r >> 8);
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            else if (i % 3 == 0) handler.reportEquivocation(r >> 8, uint64(r >> 16));
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            else handler.changeSupplierStake(r >> 8, r >> 16, uint8(r >> 24));
            if (i % 50 == 49) _checkAll();
        }
        vm.assertGt(handler.calls("claimHonest"), 15, "honest claims");
        vm.assertGt(handler.calls("claimFabricated"), 5, "fabricated claims");
        vm.assertGt(handler.calls("prove"), 5, "proofs");
        vm.assertGt(handler.calls("proveFabricatedRefused"), 0, "refused fabricated proofs");
        vm.assertGt(handler.calls("settlePaid"), 5, "paid settlements");
        vm.assertGt(handler.calls("settleSlashed"), 0, "slashed settlements");
        vm.assertGt(handler.calls("settleAgain"), 0, "repeated settlements");
        vm.assertGt(handler.calls("equivocation"), 0, "equivocations");
        vm.assertGt(handler.calls("supplierUnstake"), 0, "supplier unstakes");
        _checkAll();
    }

    function _checkAll() internal view {
        invariant_registryHoldsExactlyTheStakes();
        invariant_tokensConserved();
        invariant_collateralBackedByStake();
        invariant_paidWithinBudget();
        invariant_nothingPaidTwice();
        invariant_slashesOnlyUnprovenOrEquivocation();
        invariant_sessionTotalsSumCountedClaims();
        invariant_proofsAndReverts();
    }
}
