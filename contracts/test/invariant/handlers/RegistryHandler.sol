// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "../../utils/Test.sol";
import {AviaryToken} from "../../../src/AviaryToken.sol";
import {AviaryRegistry} from "../../../src/AviaryRegistry.sol";

/// @dev Drives the registry with bounded random calls from a fixed set of actors. It is also the registry's
///      settlement, so it can pay from applications and slash suppliers. Ghost variables count every token
///      that entered or left the registry.
contract RegistryHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 internal constant MAX_AMOUNT = 1e27;
    address internal constant PAYEE = address(0xBEEF);

    AviaryToken public immutable token;
    AviaryRegistry public immutable registry;
    address[] internal _actors;

    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostPaid;
    uint256 public ghostSlashed;
    mapping(bytes32 => uint256) public calls;

    /// @dev Claim collateral locked through this handler (it is the settlement) and not yet released.
    struct Lock {
        address supplier;
        address application;
        uint256 amount;
    }

    Lock[] internal _locks;
    mapping(address application => uint256) public ghostUnsettled;

    constructor(AviaryToken token_, AviaryRegistry registry_, address[] memory actors_) {
        token = token_;
        registry = registry_;
        _actors = actors_;
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    // ───────────────────────────── stake ─────────────────────────────

    function stakeSupplier(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        (uint256 stake,,) = registry.supplierStake(actor);
        amount = _stakeAmount(stake, registry.params().minSupplierStake, amount);
        _fund(actor, amount);
        vm.prank(actor);
        registry.stakeSupplier(amount, address(uint160(actor) + 1), "https://supplier");
        ghostDeposited += amount;
        calls["stakeSupplier"]++;
    }

    function stakeApplication(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        (uint256 stake,,) = registry.applicationStake(actor);
        amount = _stakeAmount(stake, registry.params().minApplicationStake, amount);
        _fund(actor, amount);
        vm.prank(actor);
        registry.stakeApplication(amount);
        ghostDeposited += amount;
        calls["stakeApplication"]++;
    }

    function stakeGateway(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        (uint256 stake,,) = registry.gatewayStake(actor);
        amount = _stakeAmount(stake, registry.params().minGatewayStake, amount);
        _fund(actor, amount);
        vm.prank(actor);
        registry.stakeGateway(amount, "");
        ghostDeposited += amount;
        calls["stakeGateway"]++;
    }

    // ───────────────────────────── unstake ─────────────────────────────

    /// @dev Only unlocked stake can be unstaked; a larger amount must revert InsufficientUnlockedStake.
    function unstakeSupplier(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        (uint256 stake,,) = registry.supplierStake(actor);
        if (stake == 0) return;
        amount = _unstakeAmount(stake, registry.params().minSupplierStake, amount);
        (, uint256 unlocked) = registry.supplierCollateral(actor);
        vm.prank(actor);
        if (amount > unlocked) {
            try registry.unstakeSupplier(amount) {
                revert("unstaked locked stake");
            } catch {
                calls["unstakeSupplierRefused"]++;
            }
            return;
        }
        registry.unstakeSupplier(amount);
        calls["unstakeSupplier"]++;
    }

    function unstakeApplication(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        (uint256 stake,,) = registry.applicationStake(actor);
        if (stake == 0) return;
        amount = _unstakeAmount(stake, registry.params().minApplicationStake, amount);
        vm.prank(actor);
        registry.unstakeApplication(amount);
        calls["unstakeApplication"]++;
    }

    function unstakeGateway(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        (uint256 stake,,) = registry.gatewayStake(actor);
        if (stake == 0) return;
        amount = _unstakeAmount(stake, registry.params().minGatewayStake, amount);
        vm.prank(actor);
        registry.unstakeGateway(amount);
        calls["unstakeGateway"]++;
    }

    // ───────────────────────────── withdraw ─────────────────────────────

    function withdrawSupplier(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        (, uint256 unbonding, uint64 release) = registry.supplierStake(actor);
        if (unbonding == 0 || registry.currentSession() < release) return;
        vm.prank(actor);
        ghostWithdrawn += registry.withdrawSupplier();
        calls["withdrawSupplier"]++;
    }

    function withdrawApplication(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        (, uint256 unbonding, uint64 release) = registry.applicationStake(actor);
        if (unbonding == 0 || registry.currentSession() < release) return;
        vm.prank(actor);
        if (ghostUnsettled[actor] != 0) {
            try registry.withdrawApplication() {
                revert("withdrew with unsettled claims");
            } catch {
                calls["withdrawApplicationRefused"]++;
            }
            return;
        }
        ghostWithdrawn += registry.withdrawApplication();
        calls["withdrawApplication"]++;
    }

    function withdrawGateway(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        (, uint256 unbonding, uint64 release) = registry.gatewayStake(actor);
        if (unbonding == 0 || registry.currentSession() < release) return;
        vm.prank(actor);
        ghostWithdrawn += registry.withdrawGateway();
        calls["withdrawGateway"]++;
    }

    // ───────────────────────────── settlement ─────────────────────────────

    function payFromApplication(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        (uint256 stake, uint256 unbonding,) = registry.applicationStake(actor);
        // Up to a bit more than is held, to exercise the cap.
        amount = amount % (stake + unbonding + stake / 4 + 2);
        uint256 paid = registry.payFromApplication(actor, PAYEE, amount);
        require(paid == (amount < stake + unbonding ? amount : stake + unbonding), "paid");
        ghostPaid += paid;
        calls["payFromApplication"]++;
    }

    function slashSupplier(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(actor);
        amount = amount % (stake + unbonding + stake / 4 + 2);
        uint256 slashed = registry.slashSupplier(actor, amount, PAYEE);
        require(slashed == (amount < stake + unbonding ? amount : stake + unbonding), "slashed");
        ghostSlashed += slashed;
        calls["slashSupplier"]++;
    }

    function lockClaimCollateral(uint256 supplierSeed, uint256 applicationSeed, uint256 amount) external {
        address supplier = _actor(supplierSeed);
        address application = _actor(applicationSeed >> 8);
        (, uint256 unlocked) = registry.supplierCollateral(supplier);
        if (unlocked == 0) return;
        amount = amount % unlocked + 1;
        registry.lockClaimCollateral(supplier, application, amount);
        _locks.push(Lock(supplier, application, amount));
        ghostUnsettled[application]++;
        calls["lockClaimCollateral"]++;
    }

    function releaseClaimCollateral(uint256 lockSeed, bool slash) external {
        if (_locks.length == 0) return;
        uint256 index = lockSeed % _locks.length;
        Lock memory lock = _locks[index];
        _locks[index] = _locks[_locks.length - 1];
        _locks.pop();
        uint256 slashed = registry.releaseClaimCollateral(
            lock.supplier, lock.application, lock.amount, slash ? lock.amount : 0, PAYEE
        );
        ghostSlashed += slashed;
        ghostUnsettled[lock.application]--;
        calls["releaseClaimCollateral"]++;
    }

    /// @dev Collateral still locked for `supplier` by unreleased locks (an upper bound of what the registry locks).
    function lockedBound(address supplier) external view returns (uint256 sum) {
        for (uint256 i; i < _locks.length; ++i) {
            if (_locks[i].supplier == supplier) sum += _locks[i].amount;
        }
    }

    // ───────────────────────────── time ─────────────────────────────

    function roll(uint256 blocks) external {
        blocks = blocks % (3 * uint256(registry.params().sessionBlocks)) + 1;
        vm.roll(block.number + blocks);
        calls["roll"]++;
    }

    // ───────────────────────────── helpers ─────────────────────────────

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    /// @dev An amount that keeps the stake at or above the minimum after staking.
    function _stakeAmount(uint256 stake, uint256 minimum, uint256 seed) internal pure returns (uint256) {
        uint256 floor = stake >= minimum ? 1 : minimum - stake;
        return floor + seed % MAX_AMOUNT;
    }

    /// @dev An amount in [1, stake] that leaves zero or at least the minimum (everything when that is impossible).
    function _unstakeAmount(uint256 stake, uint256 minimum, uint256 seed) internal pure returns (uint256) {
        if (stake <= minimum) return stake;
        uint256 amount = seed % stake + 1;
        if (stake - amount != 0 && stake - amount < minimum) amount = stake - minimum;
        return amount == 0 ? stake : amount;
    }

    function _fund(address actor, uint256 amount) internal {
        token.mint(actor, amount);
        vm.prank(actor);
        token.approve(address(registry), amount);
    }
}
