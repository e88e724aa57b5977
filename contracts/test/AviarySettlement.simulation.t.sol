// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SettlementFixture} from "./utils/SettlementFixture.sol";
import {TrieNode} from "../src/types/AviaryTypes.sol";

/// @dev The difficulty loop over 1,000 sessions through the real contract (claims at each session's claim window,
///      folds on the next claim), with steady honest traffic A (mined = A * p) and an attacker that claims a leaf
///      count of 2^64 - 1 in 10 % of the sessions (chosen pseudo-randomly). After convergence the mined relays stay
///      within 2x of targetMinedPerSession (100 here) in every session.
contract AviarySettlementSimulationTest is SettlementFixture {
    address internal constant ATTACKER = address(0xA77AC);
    uint256 internal constant TRAFFIC = 50_000; // relays served a session, network-wide
    uint64 internal constant SESSIONS = 1_000;
    uint64 internal constant CONVERGED = 150; // sessions the loop may take to get there from p = 1

    function fakeRoot(uint128 sum, uint64 count) internal pure returns (TrieNode memory) {
        return TrieNode(keccak256(abi.encode("root", sum, count)), sum, count);
    }

    function test_simulation_difficulty1000Sessions_attackerInflatesTenPercent_minedStaysNearTarget() public {
        deploy(settlementParams(), SOURCE_SHARE_BPS, APP_STAKE, 1e24); // collateral for 1,000 unsettled claims
        stakeSupplier(ATTACKER, 1e24, ATTACKER);
        vm.roll(block.number + L); // the attacker's operator applies from the next session
        uint256 target = settlement.params().targetMinedPerSession;
        uint256 attacks;
        uint256 lowest = type(uint256).max;
        uint256 highest;
        for (uint64 session = SESSION + 1; session <= SESSION + SESSIONS; ++session) {
            (uint256 claimStart,,,,) = settlement.windows(session);
            vm.roll(claimStart);
            uint256 probability = settlement.miningProbabilityAt(MODEL, session);
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            uint64 mined = uint64(TRAFFIC * probability / 1e18);
            if (session > SESSION + CONVERGED) {
                if (mined < lowest) lowest = mined;
                if (mined > highest) highest = mined;
                vm.assertGe(mined * 2, target, "mined below half the target");
                vm.assertLe(mined, target * 2, "mined above twice the target");
            }
            vm.prank(OPERATOR);
            settlement.claim(SUPPLIER, APP, MODEL, session, fakeRoot(uint128(mined) * 1_000 + 1, mined));
            if (uint256(keccak256(abi.encode("attack", session))) % 10 == 0) {
                vm.prank(ATTACKER);
                settlement.claim(ATTACKER, APP, MODEL, session, fakeRoot(1, type(uint64).max));
                ++attacks;
            }
        }
        vm.assertGt(attacks, SESSIONS / 20, "the attacker struck in about 10 % of the sessions");
        vm.assertLt(attacks, SESSIONS / 5);
        emit log_named_uint("attacks", attacks);
        emit log_named_uint("lowest mined after convergence", lowest);
        emit log_named_uint("highest mined after convergence", highest);
    }

    event log_named_uint(string key, uint256 val);
}
