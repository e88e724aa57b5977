// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {Test} from "../utils/Test.sol";
import {AviaryToken} from "../../src/AviaryToken.sol";
import {AviaryRegistry} from "../../src/AviaryRegistry.sol";
import {RegistryParams} from "../../src/types/AviaryTypes.sol";
import {RegistryHandler} from "./handlers/RegistryHandler.sol";

/// @dev Under random stake / unstake / withdraw / payFromApplication / slashSupplier / lock and release of claim
///      collateral / roll sequences the registry's token balance, its running `totalHeld` and the sum of every stake
///      and unbonding balance stay equal, locked collateral stays backed by stake, and applications with unsettled
///      claims cannot withdraw.
contract AviaryRegistryInvariantTest is Test {
    AviaryToken internal token;
    AviaryRegistry internal registry;
    RegistryHandler internal handler;

    function setUp() public {
        vm.roll(1000);
        token = new AviaryToken(address(this));
        registry = new AviaryRegistry(
            IERC20(address(token)),
            RegistryParams({
                sessionBlocks: 20,
                graceBlocks: 4,
                claimBlocks: 8,
                proofBlocks: 8,
                minSupplierStake: 100e18,
                minApplicationStake: 50e18,
                minGatewayStake: 10e18,
                modelFee: 1e18,
                maxSourceShareBps: 2000,
                maxDelegates: 8,
                supplierUnbondingSessions: 3,
                applicationUnbondingSessions: 4,
                gatewayUnbondingSessions: 1,
                treasury: address(0x7EA5)
            })
        );
        address[] memory actors = new address[](4);
        for (uint160 i = 0; i < actors.length; ++i) {
            actors[i] = address(uint160(0xA000) + i);
        }
        handler = new RegistryHandler(token, registry, actors);
        token.transferOwnership(address(handler));
        registry.setSettlement(address(handler));
        targetContract(address(handler));
    }

    function invariant_balanceEqualsTotalHeld() public view {
        vm.assertEq(token.balanceOf(address(registry)), registry.totalHeld(), "balance != totalHeld");
    }

    function invariant_totalHeldEqualsSumOfAccounts() public view {
        address[] memory actors = handler.actors();
        uint256 sum;
        for (uint256 i = 0; i < actors.length; ++i) {
            (uint256 stake, uint256 unbonding,) = registry.supplierStake(actors[i]);
            sum += stake + unbonding;
            (stake, unbonding,) = registry.applicationStake(actors[i]);
            sum += stake + unbonding;
            (stake, unbonding,) = registry.gatewayStake(actors[i]);
            sum += stake + unbonding;
        }
        vm.assertEq(registry.totalHeld(), sum, "totalHeld != sum of stakes and unbonding");
    }

    function invariant_tokensConserved() public view {
        uint256 out = handler.ghostWithdrawn() + handler.ghostPaid() + handler.ghostSlashed();
        vm.assertEq(registry.totalHeld(), handler.ghostDeposited() - out, "in - out != totalHeld");
        vm.assertEq(token.balanceOf(address(0xBEEF)), handler.ghostPaid() + handler.ghostSlashed(), "payee");
    }

    function invariant_applicationStakeNowMatchesHistory() public view {
        // A checkpoint is pushed on every change, so the lookup at the current block equals the live stake
        // whenever the current block is a session's first block; at any block the latest session start is <= now.
        address[] memory actors = handler.actors();
        uint64 session = registry.currentSession();
        for (uint256 i = 0; i < actors.length; ++i) {
            (uint256 stake,,) = registry.applicationStake(actors[i]);
            if (block.number == uint256(session) * 20) {
                vm.assertEq(registry.applicationStakeAt(actors[i], session), stake, "stake history");
            }
            vm.assertEq(registry.applicationStakeAt(actors[i], session + 1), stake, "next session");
        }
    }

    function invariant_lockedCollateralBackedByStake() public view {
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; ++i) {
            (uint256 locked, uint256 unlocked) = registry.supplierCollateral(actors[i]);
            (uint256 stake,,) = registry.supplierStake(actors[i]);
            vm.assertLe(locked, stake, "locked > stake");
            vm.assertEq(locked + unlocked, stake, "locked + unlocked != stake");
            vm.assertLe(locked, handler.lockedBound(actors[i]), "locked > unreleased locks");
            vm.assertEq(registry.unsettledClaimsOf(actors[i]), handler.ghostUnsettled(actors[i]), "unsettled claims");
        }
    }
}
