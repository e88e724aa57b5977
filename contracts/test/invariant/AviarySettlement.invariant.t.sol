// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SettlementFixture} from "../utils/SettlementFixture.sol";
import {SettlementHandler} from "./handlers/SettlementHandler.sol";
import {Claim, SettlementParams} from "../../src/types/AviaryTypes.sol";

/// @dev Random claims (honest and fabricated), proofs, seeds, settlements, equivocation reports, stake changes and
///      rolls against the real registry: tokens are conserved, no (application, session) is paid above its budget,
///      nothing is paid twice, and honest proofs always verify.
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
        stakeApplication(vm.addr(APP2_KEY), 60e18); // budget 30e18 a session: pro rata happens
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

    /// @dev (1) Every token the registry holds is accounted for.
    function invariant_registryBalanceEqualsTotalHeld() public view {
        assertBalanceInvariant();
    }

    /// @dev (1') What left the registry is exactly what settlement paid and slashed.
    function invariant_tokensConserved() public view {
        vm.assertEq(
            registry.totalHeld(),
            initialHeld + handler.totalStaked() - handler.totalPaid() - handler.totalSlashed(),
            "held != initial + staked - paid - slashed"
        );
    }

    /// @dev (2) The sum paid for an (application, session) never exceeds its budget.
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
    }

    /// @dev (3) Nothing is paid twice: a second settle reverts, each claim is paid at most its amount.
    function invariant_nothingPaidTwice() public view {
        vm.assertEq(handler.doubleSettlements(), 0, "second settle did not revert AlreadySettled");
        uint256 count = handler.claimCount();
        for (uint256 i; i < count; ++i) {
            bytes32 claimKey = handler.claimAt(i).key;
            Claim memory stored = settlement.getClaim(claimKey);
            vm.assertLe(handler.settlements(claimKey), 1, "settled twice");
            vm.assertTrue(stored.settled == (handler.settlements(claimKey) == 1), "settled flag");
            vm.assertLe(handler.paidPerClaim(claimKey), stored.amount, "paid above amount");
        }
    }

    /// @dev Session totals are the sums of their claims' amounts.
    function invariant_sessionTotalsSumClaims() public view {
        uint256 sessions = handler.appSessionCount();
        uint256 count = handler.claimCount();
        for (uint256 i; i < sessions; ++i) {
            (address application, uint64 session) = handler.appSessionAt(i);
            uint256 sum;
            for (uint256 j; j < count; ++j) {
                Claim memory stored = settlement.getClaim(handler.claimAt(j).key);
                if (stored.application == application && stored.session == session) sum += stored.amount;
            }
            vm.assertEq(settlement.sessionTotal(application, session), sum, "session total");
        }
    }

    /// @dev An honest supplier's closest proof always verifies inside its window.
    function invariant_honestProofsVerify() public view {
        vm.assertEq(handler.failedHonestProofs(), 0, "an honest proof failed");
    }

    /// @dev The handler reaches every path (honest and fabricated claims, proofs, paid / slashed / repeated
    ///      settlements, equivocation) under a fixed pseudo-random sequence, and the invariants hold throughout.
    function test_handler_reachesEveryPath() public {
        for (uint256 i; i < 300; ++i) {
            uint256 r = uint256(keccak256(abi.encode("sequence", i)));
            uint256 action = r % 8;
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            if (action == 0 || action == 1) handler.claim(r >> 8, r >> 16, r >> 24, uint128(r >> 32), uint64(r >> 40));
            else if (action == 2) handler.prove(r >> 8);
            else if (action == 3) handler.settle(r >> 8);
            else if (action == 4) handler.roll(r >> 8);
            else if (action == 5) handler.recordSeed(r >> 8);
            else if (action == 6) handler.changeApplicationStake(r >> 8, r >> 16, (r >> 24) % 2 == 0);
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            else if (i % 5 == 0) handler.reportEquivocation(r >> 8, uint64(r >> 16));
        }
        vm.assertGt(handler.calls("claim"), 20, "claims");
        vm.assertGt(handler.calls("prove"), 5, "proofs");
        vm.assertGt(handler.calls("settlePaid"), 5, "paid settlements");
        vm.assertGt(handler.calls("settleZero"), 0, "slashed settlements");
        vm.assertGt(handler.calls("settleAgain"), 0, "repeated settlements");
        vm.assertGt(handler.calls("equivocation"), 0, "equivocations");
        invariant_registryBalanceEqualsTotalHeld();
        invariant_tokensConserved();
        invariant_paidWithinBudget();
        invariant_nothingPaidTwice();
        invariant_sessionTotalsSumClaims();
        invariant_honestProofsVerify();
    }
}
