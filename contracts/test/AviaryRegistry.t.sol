// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {Test} from "./utils/Test.sol";
import {AviaryToken} from "../src/AviaryToken.sol";
import {AviaryRegistry} from "../src/AviaryRegistry.sol";
import {IAviaryRegistry} from "../src/interfaces/IAviaryRegistry.sol";
import {Model, ModelKind, Parameter, RegistryParams} from "../src/types/AviaryTypes.sol";

/// @dev Shared fixture: a registry with devnet-like parameters, this contract as deployer and `SETTLEMENT` as settlement.
abstract contract RegistryFixture is Test {
    uint64 internal constant L = 20;
    uint256 internal constant MIN_SUPPLIER = 100e18;
    uint256 internal constant MIN_APP = 50e18;
    uint256 internal constant MIN_GATEWAY = 10e18;
    uint256 internal constant MODEL_FEE = 5e18;
    uint64 internal constant SUPPLIER_UNBONDING = 3;
    uint64 internal constant APP_UNBONDING = 4; // >= pendingSessions (floor(21 / 20) + 2 = 3) + 1
    uint64 internal constant GATEWAY_UNBONDING = 1;
    uint8 internal constant MAX_DELEGATES = 3;
    uint256 internal constant START_BLOCK = 1000; // first block of session 50

    address internal constant TREASURY = address(0x7EA5);
    address internal constant SETTLEMENT = address(0x5E77);
    address internal constant SUPPLIER = address(0x5011);
    address internal constant OPERATOR = address(0x0B1);
    address internal constant OPERATOR2 = address(0x0B2);
    address internal constant APP = address(0xA11);
    address internal constant GATEWAY = address(0x6A7E);
    address internal constant SOURCE = address(0x50CE);
    address internal constant PAYEE = address(0xBEEF);
    address internal constant STRANGER = address(0xBAD);

    string internal constant MODEL_NAME = "llama-3.1-8b-instruct-q4_k_m";
    bytes32 internal constant DIGEST = keccak256("weights");
    string internal constant URI = "ipfs://weights";
    string internal constant ENDPOINT = "https://supplier.example";

    AviaryToken internal token;
    AviaryRegistry internal registry;

    function defaultParams() internal pure returns (RegistryParams memory) {
        return RegistryParams({
            sessionBlocks: L,
            graceBlocks: 4,
            claimBlocks: 8,
            proofBlocks: 8,
            minSupplierStake: MIN_SUPPLIER,
            minApplicationStake: MIN_APP,
            minGatewayStake: MIN_GATEWAY,
            modelFee: MODEL_FEE,
            maxSourceShareBps: 2000,
            maxDelegates: MAX_DELEGATES,
            supplierUnbondingSessions: SUPPLIER_UNBONDING,
            applicationUnbondingSessions: APP_UNBONDING,
            gatewayUnbondingSessions: GATEWAY_UNBONDING,
            treasury: TREASURY
        });
    }

    function setUp() public virtual {
        vm.roll(START_BLOCK);
        token = new AviaryToken(address(this));
        registry = new AviaryRegistry(IERC20(address(token)), defaultParams());
        registry.setSettlement(SETTLEMENT);
    }

    // ───────────────────────────── helpers ─────────────────────────────

    function fund(address account, uint256 amount) internal {
        token.mint(account, amount);
        vm.prank(account);
        token.approve(address(registry), type(uint256).max);
    }

    function registerModel() internal returns (bytes32 modelId) {
        fund(SOURCE, MODEL_FEE);
        vm.prank(SOURCE);
        modelId = registry.registerModel(MODEL_NAME, DIGEST, URI, ModelKind.Chat, SOURCE, 1000);
    }

    function stakeSupplier(address supplier, uint256 amount) internal {
        fund(supplier, amount);
        vm.prank(supplier);
        registry.stakeSupplier(amount, OPERATOR, ENDPOINT);
    }

    function stakeApplication(address application, uint256 amount) internal {
        fund(application, amount);
        vm.prank(application);
        registry.stakeApplication(amount);
    }

    function stakeGateway(address gateway, uint256 amount) internal {
        fund(gateway, amount);
        vm.prank(gateway);
        registry.stakeGateway(amount, "https://gateway.example");
    }

    function rollSessions(uint256 sessions) internal {
        vm.roll(block.number + sessions * L);
    }

    function assertBalanceInvariant() internal view {
        vm.assertEq(token.balanceOf(address(registry)), registry.totalHeld(), "balance != totalHeld");
    }

    function err(bytes4 selector, address a) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, a);
    }

    function err(bytes4 selector, uint256 a, uint256 b) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, a, b);
    }
}

contract AviaryRegistryTest is RegistryFixture {
    // ───────────────────────────── constructor ─────────────────────────────

    function test_constructor_storesParams() public view {
        RegistryParams memory p = registry.params();
        RegistryParams memory d = defaultParams();
        vm.assertEq(keccak256(abi.encode(p)), keccak256(abi.encode(d)));
        vm.assertEq(registry.token(), address(token));
        vm.assertEq(registry.settlement(), SETTLEMENT);
        vm.assertEq(registry.totalHeld(), 0);
    }

    function expectInvalidParameter(RegistryParams memory p, Parameter parameter) internal {
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.InvalidParameter.selector, parameter));
        new AviaryRegistry(IERC20(address(token)), p);
    }

    function test_constructor_zeroToken_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.InvalidParameter.selector, Parameter.Token));
        new AviaryRegistry(IERC20(address(0)), defaultParams());
    }

    function test_constructor_zeroSessionBlocks_reverts() public {
        RegistryParams memory p = defaultParams();
        p.sessionBlocks = 0;
        expectInvalidParameter(p, Parameter.SessionBlocks);
    }

    function test_constructor_zeroClaimBlocks_reverts() public {
        RegistryParams memory p = defaultParams();
        p.claimBlocks = 0;
        expectInvalidParameter(p, Parameter.ClaimBlocks);
    }

    function test_constructor_zeroProofBlocks_reverts() public {
        RegistryParams memory p = defaultParams();
        p.proofBlocks = 0;
        expectInvalidParameter(p, Parameter.ProofBlocks);
    }

    function test_constructor_claimWindowPastNextSession_reverts() public {
        RegistryParams memory p = defaultParams();
        p.graceBlocks = 12; // 12 + 1 + 8 > 20
        expectInvalidParameter(p, Parameter.GraceAndClaimBlocks);
        p.graceBlocks = 0;
        p.claimBlocks = 20; // 0 + 1 + 20 > 20
        expectInvalidParameter(p, Parameter.GraceAndClaimBlocks);
    }

    function test_constructor_claimWindowEndingAtNextSessionEnd_succeeds() public {
        RegistryParams memory p = defaultParams();
        p.graceBlocks = 11; // 11 + 1 + 8 == 20
        AviaryRegistry r = new AviaryRegistry(IERC20(address(token)), p);
        vm.assertEq(r.params().graceBlocks, 11);
    }

    function test_constructor_seedsBeyondBlockhashReach_reverts() public {
        RegistryParams memory p = defaultParams();
        p.sessionBlocks = 1000;
        p.applicationUnbondingSessions = 10;
        p.claimBlocks = 200;
        p.proofBlocks = 56; // 200 + 56 == 256
        expectInvalidParameter(p, Parameter.SeedReach);
        p.proofBlocks = 55;
        AviaryRegistry r = new AviaryRegistry(IERC20(address(token)), p);
        vm.assertEq(r.params().proofBlocks, 55);
    }

    function test_constructor_proofBlocks256_reverts() public {
        RegistryParams memory p = defaultParams();
        p.proofBlocks = 256;
        p.applicationUnbondingSessions = 20;
        expectInvalidParameter(p, Parameter.SeedReach);
    }

    function test_constructor_applicationUnbondingBelowPendingPlusOne_reverts() public {
        RegistryParams memory p = defaultParams();
        p.applicationUnbondingSessions = 3; // pendingSessions = floor((4 + 1 + 8 + 8) / 20) + 2 = 3
        expectInvalidParameter(p, Parameter.ApplicationUnbondingSessions);
        p.applicationUnbondingSessions = 4;
        AviaryRegistry r = new AviaryRegistry(IERC20(address(token)), p);
        vm.assertEq(r.params().applicationUnbondingSessions, 4);
    }

    function test_constructor_longProofWindow_raisesRequiredUnbonding() public {
        RegistryParams memory p = defaultParams();
        p.proofBlocks = 27; // D = 4 + 1 + 8 + 27 = 40: pendingSessions = 2 + 2 = 4
        expectInvalidParameter(p, Parameter.ApplicationUnbondingSessions);
        p.applicationUnbondingSessions = 5;
        new AviaryRegistry(IERC20(address(token)), p);
    }

    function test_fuzz_constructor_applicationUnbonding_enforced(
        uint64 sessionBlocks,
        uint64 graceBlocks,
        uint64 claimBlocks,
        uint64 proofBlocks,
        uint64 unbonding
    ) public {
        RegistryParams memory p = defaultParams();
        p.sessionBlocks = uint64(bound(sessionBlocks, 2, 400));
        p.claimBlocks = uint64(bound(claimBlocks, 1, p.sessionBlocks - 1 < 254 ? p.sessionBlocks - 1 : 254));
        p.graceBlocks = uint64(bound(graceBlocks, 0, p.sessionBlocks - 1 - p.claimBlocks));
        p.proofBlocks = uint64(bound(proofBlocks, 1, 255 - p.claimBlocks));
        uint256 pending = (uint256(p.graceBlocks) + 1 + p.claimBlocks + p.proofBlocks) / p.sessionBlocks + 2;
        p.applicationUnbondingSessions = uint64(bound(unbonding, 0, pending + 3));
        if (p.applicationUnbondingSessions < pending + 1) {
            expectInvalidParameter(p, Parameter.ApplicationUnbondingSessions);
        } else {
            new AviaryRegistry(IERC20(address(token)), p);
        }
    }

    function test_constructor_sourceShareAbove100Percent_reverts() public {
        RegistryParams memory p = defaultParams();
        p.maxSourceShareBps = 10_001;
        expectInvalidParameter(p, Parameter.MaxSourceShareBps);
    }

    function test_constructor_zeroTreasury_reverts() public {
        RegistryParams memory p = defaultParams();
        p.treasury = address(0);
        expectInvalidParameter(p, Parameter.Treasury);
    }

    function test_constructor_zeroMaxDelegates_reverts() public {
        RegistryParams memory p = defaultParams();
        p.maxDelegates = 0;
        expectInvalidParameter(p, Parameter.MaxDelegates);
    }

    // ───────────────────────────── setSettlement ─────────────────────────────

    function test_setSettlement_byDeployer_setsOnce() public {
        AviaryRegistry r = new AviaryRegistry(IERC20(address(token)), defaultParams());
        vm.expectEmit(address(r));
        emit IAviaryRegistry.SettlementSet(SETTLEMENT);
        r.setSettlement(SETTLEMENT);
        vm.assertEq(r.settlement(), SETTLEMENT);
    }

    function test_setSettlement_twice_reverts() public {
        vm.expectRevert(err(IAviaryRegistry.SettlementAlreadySet.selector, SETTLEMENT));
        registry.setSettlement(address(0x1234));
    }

    function test_setSettlement_byStranger_reverts() public {
        AviaryRegistry r = new AviaryRegistry(IERC20(address(token)), defaultParams());
        vm.prank(STRANGER);
        vm.expectRevert(err(IAviaryRegistry.NotDeployer.selector, STRANGER));
        r.setSettlement(STRANGER);
    }

    function test_setSettlement_zero_reverts() public {
        AviaryRegistry r = new AviaryRegistry(IERC20(address(token)), defaultParams());
        vm.expectRevert(IAviaryRegistry.ZeroAddress.selector);
        r.setSettlement(address(0));
    }

    // ───────────────────────────── sessions ─────────────────────────────

    function test_sessionOf_dividesBySessionBlocks() public view {
        vm.assertEq(registry.sessionOf(0), 0);
        vm.assertEq(registry.sessionOf(19), 0);
        vm.assertEq(registry.sessionOf(20), 1);
        vm.assertEq(registry.sessionOf(1019), 50);
        vm.assertEq(registry.currentSession(), 50);
    }

    function test_currentSession_followsBlocks() public {
        vm.roll(START_BLOCK + L - 1);
        vm.assertEq(registry.currentSession(), 50);
        vm.roll(START_BLOCK + L);
        vm.assertEq(registry.currentSession(), 51);
    }

    // ───────────────────────────── models ─────────────────────────────

    function test_registerModel_storesAndPaysTreasury() public {
        fund(SOURCE, MODEL_FEE);
        bytes32 expectedId = keccak256(bytes(MODEL_NAME));
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.ModelRegistered(expectedId, MODEL_NAME, DIGEST, URI, ModelKind.Embedding, PAYEE, 2000);
        vm.prank(SOURCE);
        bytes32 modelId = registry.registerModel(MODEL_NAME, DIGEST, URI, ModelKind.Embedding, PAYEE, 2000);

        vm.assertEq(modelId, expectedId);
        Model memory m = registry.getModel(modelId);
        vm.assertEq(m.name, MODEL_NAME);
        vm.assertEq(m.weightsDigest, DIGEST);
        vm.assertEq(m.uri, URI);
        vm.assertTrue(m.kind == ModelKind.Embedding);
        vm.assertEq(m.source, PAYEE);
        vm.assertEq(m.sourceShareBps, 2000);
        vm.assertEq(m.registeredAt, START_BLOCK);
        vm.assertEq(token.balanceOf(TREASURY), MODEL_FEE);
        vm.assertEq(token.balanceOf(SOURCE), 0);
        vm.assertEq(token.balanceOf(address(registry)), 0);
        vm.assertEq(registry.totalHeld(), 0);
    }

    function test_registerModel_duplicate_reverts() public {
        bytes32 modelId = registerModel();
        fund(STRANGER, MODEL_FEE);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.ModelAlreadyRegistered.selector, modelId));
        registry.registerModel(MODEL_NAME, keccak256("other"), URI, ModelKind.Chat, STRANGER, 0);
    }

    function test_registerModel_emptyName_reverts() public {
        fund(SOURCE, MODEL_FEE);
        vm.prank(SOURCE);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.InvalidModel.selector, "empty name"));
        registry.registerModel("", DIGEST, URI, ModelKind.Chat, SOURCE, 0);
    }

    function test_registerModel_emptyUri_reverts() public {
        fund(SOURCE, MODEL_FEE);
        vm.prank(SOURCE);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.InvalidModel.selector, "empty uri"));
        registry.registerModel(MODEL_NAME, DIGEST, "", ModelKind.Chat, SOURCE, 0);
    }

    function test_registerModel_zeroDigest_reverts() public {
        fund(SOURCE, MODEL_FEE);
        vm.prank(SOURCE);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.InvalidModel.selector, "zero weightsDigest"));
        registry.registerModel(MODEL_NAME, bytes32(0), URI, ModelKind.Chat, SOURCE, 0);
    }

    function test_registerModel_zeroSource_reverts() public {
        fund(SOURCE, MODEL_FEE);
        vm.prank(SOURCE);
        vm.expectRevert(IAviaryRegistry.ZeroAddress.selector);
        registry.registerModel(MODEL_NAME, DIGEST, URI, ModelKind.Chat, address(0), 0);
    }

    function test_registerModel_shareAboveMax_reverts() public {
        fund(SOURCE, MODEL_FEE);
        vm.prank(SOURCE);
        vm.expectRevert(err(IAviaryRegistry.SourceShareTooHigh.selector, 2001, 2000));
        registry.registerModel(MODEL_NAME, DIGEST, URI, ModelKind.Chat, SOURCE, 2001);
    }

    function test_registerModel_withoutFee_reverts() public {
        vm.prank(SOURCE);
        vm.expectRevert();
        registry.registerModel(MODEL_NAME, DIGEST, URI, ModelKind.Chat, SOURCE, 0);
    }

    function test_registerModel_zeroFee_needsNoAllowance() public {
        RegistryParams memory p = defaultParams();
        p.modelFee = 0;
        AviaryRegistry r = new AviaryRegistry(IERC20(address(token)), p);
        vm.prank(SOURCE);
        bytes32 modelId = r.registerModel(MODEL_NAME, DIGEST, URI, ModelKind.Image, SOURCE, 0);
        vm.assertEq(r.getModel(modelId).source, SOURCE);
    }

    function test_getModel_unknown_returnsEmpty() public view {
        Model memory m = registry.getModel(keccak256("nothing"));
        vm.assertEq(bytes(m.name).length, 0);
        vm.assertEq(m.registeredAt, 0);
    }

    function test_updateModel_bySource_updatesUriAndSource() public {
        bytes32 modelId = registerModel();
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.ModelUpdated(modelId, "https://mirror", PAYEE);
        vm.prank(SOURCE);
        registry.updateModel(modelId, "https://mirror", PAYEE);
        Model memory m = registry.getModel(modelId);
        vm.assertEq(m.uri, "https://mirror");
        vm.assertEq(m.source, PAYEE);
        vm.assertEq(m.weightsDigest, DIGEST);
        vm.assertEq(m.sourceShareBps, 1000);

        // The new source controls the model; the old one no longer does.
        vm.prank(SOURCE);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.NotModelSource.selector, modelId, SOURCE));
        registry.updateModel(modelId, URI, SOURCE);
        vm.prank(PAYEE);
        registry.updateModel(modelId, URI, SOURCE);
        vm.assertEq(registry.getModel(modelId).source, SOURCE);
    }

    function test_updateModel_byStranger_reverts() public {
        bytes32 modelId = registerModel();
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.NotModelSource.selector, modelId, STRANGER));
        registry.updateModel(modelId, URI, STRANGER);
    }

    function test_updateModel_unknown_reverts() public {
        bytes32 modelId = keccak256("nothing");
        vm.prank(SOURCE);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.ModelNotRegistered.selector, modelId));
        registry.updateModel(modelId, URI, SOURCE);
    }

    function test_updateModel_emptyUri_reverts() public {
        bytes32 modelId = registerModel();
        vm.prank(SOURCE);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.InvalidModel.selector, "empty uri"));
        registry.updateModel(modelId, "", SOURCE);
    }

    function test_updateModel_zeroSource_reverts() public {
        bytes32 modelId = registerModel();
        vm.prank(SOURCE);
        vm.expectRevert(IAviaryRegistry.ZeroAddress.selector);
        registry.updateModel(modelId, URI, address(0));
    }

    // ───────────────────────────── suppliers: staking ─────────────────────────────

    function test_stakeSupplier_first_registers() public {
        fund(SUPPLIER, MIN_SUPPLIER);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.SupplierStaked(SUPPLIER, OPERATOR, MIN_SUPPLIER, MIN_SUPPLIER, ENDPOINT);
        vm.prank(SUPPLIER);
        registry.stakeSupplier(MIN_SUPPLIER, OPERATOR, ENDPOINT);

        (uint256 stake, uint256 unbonding, uint64 release) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake, MIN_SUPPLIER);
        vm.assertEq(unbonding, 0);
        vm.assertEq(release, 0);
        vm.assertEq(registry.supplierEndpoint(SUPPLIER), ENDPOINT);
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 50), OPERATOR, "operator effective in the staking session");
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 49), address(0), "no operator before");
        vm.assertEq(registry.supplierCount(), 1);
        vm.assertEq(registry.suppliers(0, 10)[0], SUPPLIER);
        vm.assertEq(registry.totalHeld(), MIN_SUPPLIER);
        vm.assertEq(token.balanceOf(SUPPLIER), 0);
        assertBalanceInvariant();
    }

    function test_stakeSupplier_belowMinimum_reverts() public {
        fund(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, MIN_SUPPLIER - 1, MIN_SUPPLIER));
        registry.stakeSupplier(MIN_SUPPLIER - 1, OPERATOR, ENDPOINT);
    }

    function test_stakeSupplier_zeroAmount_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(IAviaryRegistry.ZeroAmount.selector);
        registry.stakeSupplier(0, OPERATOR, ENDPOINT);
    }

    function test_stakeSupplier_zeroOperator_reverts() public {
        fund(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(IAviaryRegistry.ZeroAddress.selector);
        registry.stakeSupplier(MIN_SUPPLIER, address(0), ENDPOINT);
    }

    function test_stakeSupplier_emptyEndpoint_reverts() public {
        fund(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(IAviaryRegistry.EmptyEndpoint.selector);
        registry.stakeSupplier(MIN_SUPPLIER, OPERATOR, "");
    }

    function test_stakeSupplier_withoutAllowance_reverts() public {
        token.mint(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert();
        registry.stakeSupplier(MIN_SUPPLIER, OPERATOR, ENDPOINT);
    }

    function test_stakeSupplier_topUp_ignoresOperatorAndEndpoint() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        fund(SUPPLIER, 1);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.SupplierStaked(SUPPLIER, OPERATOR, 1, MIN_SUPPLIER + 1, ENDPOINT);
        vm.prank(SUPPLIER);
        registry.stakeSupplier(1, OPERATOR2, "https://ignored");
        (uint256 stake,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake, MIN_SUPPLIER + 1);
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 60), OPERATOR);
        vm.assertEq(registry.supplierEndpoint(SUPPLIER), ENDPOINT);
        vm.assertEq(registry.supplierCount(), 1);
    }

    function test_stakeSupplier_topUpAfterSlashBelowMinimum_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SETTLEMENT);
        registry.slashSupplier(SUPPLIER, 10e18, TREASURY);
        fund(SUPPLIER, 10e18);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, MIN_SUPPLIER - 1, MIN_SUPPLIER));
        registry.stakeSupplier(10e18 - 1, OPERATOR, ENDPOINT);
        vm.prank(SUPPLIER);
        registry.stakeSupplier(10e18, OPERATOR, ENDPOINT);
        (uint256 stake,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake, MIN_SUPPLIER);
    }

    function test_stakeSupplier_againAfterFullUnstake_keepsRegistration() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER);
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake, MIN_SUPPLIER);
        vm.assertEq(unbonding, MIN_SUPPLIER);
        vm.assertEq(registry.supplierCount(), 1);
        assertBalanceInvariant();
    }

    // ───────────────────────────── suppliers: endpoint, operator ─────────────────────────────

    function test_setSupplierEndpoint_bySupplier_updates() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.SupplierEndpointSet(SUPPLIER, "https://new");
        vm.prank(SUPPLIER);
        registry.setSupplierEndpoint("https://new");
        vm.assertEq(registry.supplierEndpoint(SUPPLIER), "https://new");
    }

    function test_setSupplierEndpoint_notSupplier_reverts() public {
        vm.prank(STRANGER);
        vm.expectRevert(err(IAviaryRegistry.NotSupplier.selector, STRANGER));
        registry.setSupplierEndpoint("https://new");
    }

    function test_setSupplierEndpoint_empty_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(IAviaryRegistry.EmptyEndpoint.selector);
        registry.setSupplierEndpoint("");
    }

    function test_setSupplierOperator_takesEffectNextSession() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.roll(START_BLOCK + 7);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.SupplierOperatorSet(SUPPLIER, OPERATOR2, 51);
        vm.prank(SUPPLIER);
        registry.setSupplierOperator(OPERATOR2);
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 50), OPERATOR);
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 51), OPERATOR2);
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, type(uint64).max), OPERATOR2);
    }

    function test_setSupplierOperator_notSupplier_reverts() public {
        vm.prank(STRANGER);
        vm.expectRevert(err(IAviaryRegistry.NotSupplier.selector, STRANGER));
        registry.setSupplierOperator(OPERATOR2);
    }

    function test_setSupplierOperator_zero_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(IAviaryRegistry.ZeroAddress.selector);
        registry.setSupplierOperator(address(0));
    }

    function test_supplierOperatorAt_history() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER); // session 50: OPERATOR
        rollSessions(2); // session 52
        vm.prank(SUPPLIER);
        registry.setSupplierOperator(OPERATOR2); // from 53
        vm.prank(SUPPLIER);
        registry.setSupplierOperator(address(0xC3)); // same session: replaces, from 53
        rollSessions(3); // session 55
        vm.prank(SUPPLIER);
        registry.setSupplierOperator(OPERATOR); // from 56

        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 49), address(0));
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 50), OPERATOR);
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 52), OPERATOR);
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 53), address(0xC3));
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 55), address(0xC3));
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 56), OPERATOR);
        vm.assertEq(registry.supplierOperatorAt(SUPPLIER, 1000), OPERATOR);
    }

    // ───────────────────────────── suppliers: offers ─────────────────────────────

    function test_setOffer_takesEffectNextSession() public {
        bytes32 modelId = registerModel();
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.OfferSet(SUPPLIER, modelId, 3, 7, 51);
        vm.prank(SUPPLIER);
        registry.setOffer(modelId, 3, 7);

        (bool active, uint128 input, uint128 output) = registry.offerAt(SUPPLIER, modelId, 50);
        vm.assertFalse(active);
        vm.assertEq(uint256(input) + output, 0);
        (active, input, output) = registry.offerAt(SUPPLIER, modelId, 51);
        vm.assertTrue(active);
        vm.assertEq(input, 3);
        vm.assertEq(output, 7);
    }

    function test_setOffer_unknownModel_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        bytes32 modelId = keccak256("nothing");
        vm.prank(SUPPLIER);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.ModelNotRegistered.selector, modelId));
        registry.setOffer(modelId, 1, 1);
    }

    function test_setOffer_notStaked_reverts() public {
        bytes32 modelId = registerModel();
        vm.prank(STRANGER);
        vm.expectRevert(err(IAviaryRegistry.NotSupplier.selector, STRANGER));
        registry.setOffer(modelId, 1, 1);
    }

    function test_setOffer_afterFullUnstake_reverts() public {
        bytes32 modelId = registerModel();
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.NotSupplier.selector, SUPPLIER));
        registry.setOffer(modelId, 1, 1);
    }

    function test_removeOffer_takesEffectNextSession() public {
        bytes32 modelId = registerModel();
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.setOffer(modelId, 3, 7);
        rollSessions(1); // 51
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.OfferRemoved(SUPPLIER, modelId, 52);
        vm.prank(SUPPLIER);
        registry.removeOffer(modelId);
        (bool active,,) = registry.offerAt(SUPPLIER, modelId, 51);
        vm.assertTrue(active);
        uint128 input;
        (active, input,) = registry.offerAt(SUPPLIER, modelId, 52);
        vm.assertFalse(active);
        vm.assertEq(input, 0);
    }

    function test_removeOffer_notSupplier_reverts() public {
        bytes32 modelId = registerModel();
        vm.prank(STRANGER);
        vm.expectRevert(err(IAviaryRegistry.NotSupplier.selector, STRANGER));
        registry.removeOffer(modelId);
    }

    function test_removeOffer_unknownModel_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        bytes32 modelId = keccak256("nothing");
        vm.prank(SUPPLIER);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.ModelNotRegistered.selector, modelId));
        registry.removeOffer(modelId);
    }

    function test_removeOffer_afterFullUnstake_succeeds() public {
        bytes32 modelId = registerModel();
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.setOffer(modelId, 3, 7);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER);
        rollSessions(1);
        vm.prank(SUPPLIER);
        registry.removeOffer(modelId);
        (bool active,,) = registry.offerAt(SUPPLIER, modelId, 52);
        vm.assertFalse(active);
    }

    function test_offerAt_history() public {
        bytes32 modelId = registerModel();
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.setOffer(modelId, 1, 2); // from 51
        vm.prank(SUPPLIER);
        registry.setOffer(modelId, 3, 4); // same session: replaces, from 51
        rollSessions(2); // 52
        vm.prank(SUPPLIER);
        registry.removeOffer(modelId); // from 53
        rollSessions(2); // 54
        vm.prank(SUPPLIER);
        registry.setOffer(modelId, 0, 9); // from 55 (free input)

        bool active;
        uint128 input;
        uint128 output;
        (active,,) = registry.offerAt(SUPPLIER, modelId, 50);
        vm.assertFalse(active);
        (active, input, output) = registry.offerAt(SUPPLIER, modelId, 51);
        vm.assertTrue(active);
        vm.assertEq(input, 3);
        vm.assertEq(output, 4);
        (active, input, output) = registry.offerAt(SUPPLIER, modelId, 52);
        vm.assertTrue(active);
        vm.assertEq(input, 3);
        (active,,) = registry.offerAt(SUPPLIER, modelId, 53);
        vm.assertFalse(active);
        (active,,) = registry.offerAt(SUPPLIER, modelId, 54);
        vm.assertFalse(active);
        (active, input, output) = registry.offerAt(SUPPLIER, modelId, 55);
        vm.assertTrue(active);
        vm.assertEq(input, 0);
        vm.assertEq(output, 9);
        (active,,) = registry.offerAt(address(0x1), modelId, 55);
        vm.assertFalse(active);
    }

    function test_offerAt_perModel_independent() public {
        bytes32 modelA = registerModel();
        fund(SOURCE, MODEL_FEE);
        vm.prank(SOURCE);
        bytes32 modelB = registry.registerModel("other", DIGEST, URI, ModelKind.Chat, SOURCE, 0);
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.setOffer(modelA, 1, 1);
        (bool activeA,,) = registry.offerAt(SUPPLIER, modelA, 51);
        (bool activeB,,) = registry.offerAt(SUPPLIER, modelB, 51);
        vm.assertTrue(activeA);
        vm.assertFalse(activeB);
    }

    // ───────────────────────────── suppliers: unstake, withdraw, list ─────────────────────────────

    function test_unstakeSupplier_partial_movesToUnbonding() public {
        stakeSupplier(SUPPLIER, 3 * MIN_SUPPLIER);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.Unstaked(SUPPLIER, 0, MIN_SUPPLIER, 50 + SUPPLIER_UNBONDING);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER);
        (uint256 stake, uint256 unbonding, uint64 release) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake, 2 * MIN_SUPPLIER);
        vm.assertEq(unbonding, MIN_SUPPLIER);
        vm.assertEq(release, 50 + SUPPLIER_UNBONDING);
        vm.assertEq(registry.totalHeld(), 3 * MIN_SUPPLIER);
    }

    function test_unstakeSupplier_remainderBelowMinimum_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER + 5);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, MIN_SUPPLIER - 1, MIN_SUPPLIER));
        registry.unstakeSupplier(6);
    }

    function test_unstakeSupplier_moreThanStake_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        // The unlocked-stake check comes first (nothing is locked here, so unlocked == stake).
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviaryRegistry.InsufficientUnlockedStake.selector, SUPPLIER, MIN_SUPPLIER + 1, MIN_SUPPLIER
            )
        );
        registry.unstakeSupplier(MIN_SUPPLIER + 1);
    }

    function test_unstakeSupplier_zero_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(IAviaryRegistry.ZeroAmount.selector);
        registry.unstakeSupplier(0);
    }

    function test_unstakeSupplier_second_pushesReleaseOut() public {
        stakeSupplier(SUPPLIER, 3 * MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER);
        rollSessions(2);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER);
        (uint256 stake, uint256 unbonding, uint64 release) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake, MIN_SUPPLIER);
        vm.assertEq(unbonding, 2 * MIN_SUPPLIER);
        vm.assertEq(release, 52 + SUPPLIER_UNBONDING);
        // The first release session no longer frees anything.
        vm.roll(uint256(50 + SUPPLIER_UNBONDING) * L);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.NothingToWithdraw.selector, SUPPLIER));
        registry.withdrawSupplier();
    }

    function test_withdrawSupplier_beforeRelease_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER);
        vm.roll(uint256(50 + SUPPLIER_UNBONDING) * L - 1);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.NothingToWithdraw.selector, SUPPLIER));
        registry.withdrawSupplier();
    }

    function test_withdrawSupplier_afterRelease_pays() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER);
        vm.roll(uint256(50 + SUPPLIER_UNBONDING) * L);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.Withdrawn(SUPPLIER, 0, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        uint256 amount = registry.withdrawSupplier();
        vm.assertEq(amount, MIN_SUPPLIER);
        vm.assertEq(token.balanceOf(SUPPLIER), MIN_SUPPLIER);
        (uint256 stake, uint256 unbonding, uint64 release) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake + unbonding + release, 0);
        vm.assertEq(registry.totalHeld(), 0);
        assertBalanceInvariant();
        // Nothing left.
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.NothingToWithdraw.selector, SUPPLIER));
        registry.withdrawSupplier();
    }

    function test_withdrawSupplier_nothing_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.NothingToWithdraw.selector, SUPPLIER));
        registry.withdrawSupplier();
    }

    function test_suppliers_paging() public {
        for (uint160 i = 1; i <= 5; ++i) {
            stakeSupplier(address(0x1000 + i), MIN_SUPPLIER);
        }
        vm.assertEq(registry.supplierCount(), 5);
        address[] memory page = registry.suppliers(1, 2);
        vm.assertEq(page.length, 2);
        vm.assertEq(page[0], address(0x1002));
        vm.assertEq(page[1], address(0x1003));
        page = registry.suppliers(3, type(uint256).max);
        vm.assertEq(page.length, 2);
        vm.assertEq(page[1], address(0x1005));
        vm.assertEq(registry.suppliers(5, 10).length, 0);
        vm.assertEq(registry.suppliers(type(uint256).max, type(uint256).max).length, 0);
        vm.assertEq(registry.suppliers(0, 0).length, 0);
    }

    // ───────────────────────────── applications ─────────────────────────────

    function test_stakeApplication_credits() public {
        fund(APP, MIN_APP);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.ApplicationStaked(APP, MIN_APP, MIN_APP);
        vm.prank(APP);
        registry.stakeApplication(MIN_APP);
        (uint256 stake, uint256 unbonding,) = registry.applicationStake(APP);
        vm.assertEq(stake, MIN_APP);
        vm.assertEq(unbonding, 0);
        vm.assertEq(registry.applicationStakeAt(APP, 50), MIN_APP);
        vm.assertEq(registry.totalHeld(), MIN_APP);
        assertBalanceInvariant();
    }

    function test_stakeApplication_belowMinimum_reverts() public {
        fund(APP, MIN_APP);
        vm.prank(APP);
        vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, MIN_APP - 1, MIN_APP));
        registry.stakeApplication(MIN_APP - 1);
    }

    function test_stakeApplication_zero_reverts() public {
        vm.prank(APP);
        vm.expectRevert(IAviaryRegistry.ZeroAmount.selector);
        registry.stakeApplication(0);
    }

    function test_unstakeApplication_movesToUnbonding() public {
        stakeApplication(APP, 3 * MIN_APP);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.Unstaked(APP, 1, MIN_APP, 50 + APP_UNBONDING);
        vm.prank(APP);
        registry.unstakeApplication(MIN_APP);
        (uint256 stake, uint256 unbonding, uint64 release) = registry.applicationStake(APP);
        vm.assertEq(stake, 2 * MIN_APP);
        vm.assertEq(unbonding, MIN_APP);
        vm.assertEq(release, 50 + APP_UNBONDING);
    }

    function test_unstakeApplication_remainderBelowMinimum_reverts() public {
        stakeApplication(APP, MIN_APP + 1);
        vm.prank(APP);
        vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, MIN_APP - 1, MIN_APP));
        registry.unstakeApplication(2);
    }

    function test_unstakeApplication_notStaked_reverts() public {
        vm.prank(APP);
        vm.expectRevert(err(IAviaryRegistry.InsufficientStake.selector, 1, 0));
        registry.unstakeApplication(1);
    }

    function test_withdrawApplication_afterRelease_pays() public {
        stakeApplication(APP, MIN_APP);
        vm.prank(APP);
        registry.unstakeApplication(MIN_APP);
        vm.roll(uint256(50 + APP_UNBONDING) * L - 1);
        vm.prank(APP);
        vm.expectRevert(err(IAviaryRegistry.NothingToWithdraw.selector, APP));
        registry.withdrawApplication();
        vm.roll(uint256(50 + APP_UNBONDING) * L);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.Withdrawn(APP, 1, MIN_APP);
        vm.prank(APP);
        vm.assertEq(registry.withdrawApplication(), MIN_APP);
        vm.assertEq(token.balanceOf(APP), MIN_APP);
        vm.assertEq(registry.totalHeld(), 0);
        assertBalanceInvariant();
    }

    function test_applicationStakeAt_history() public {
        // Session 50 starts at block 1000 (setUp). Stake in session 50's first block: counts for 50.
        stakeApplication(APP, 100e18);
        vm.roll(START_BLOCK + 5);
        stakeApplication(APP, 20e18); // 120 from block 1005: counts from session 51
        vm.roll(START_BLOCK + L); // block 1020, first block of 51
        vm.prank(APP);
        registry.unstakeApplication(60e18); // 60 in block 1020: counts for 51 (changes in the first block count)
        vm.roll(START_BLOCK + 2 * L + 3); // session 52
        vm.prank(SETTLEMENT);
        registry.payFromApplication(APP, PAYEE, 10e18); // 50 from block 1043
        vm.roll(START_BLOCK + 4 * L + 3); // session 54
        vm.prank(APP);
        registry.unstakeApplication(50e18); // 0 from block 1083: counts from 55

        vm.assertEq(registry.applicationStakeAt(APP, 49), 0);
        vm.assertEq(registry.applicationStakeAt(APP, 50), 100e18);
        vm.assertEq(registry.applicationStakeAt(APP, 51), 60e18);
        vm.assertEq(registry.applicationStakeAt(APP, 52), 60e18);
        vm.assertEq(registry.applicationStakeAt(APP, 53), 50e18);
        vm.assertEq(registry.applicationStakeAt(APP, 54), 50e18);
        vm.assertEq(registry.applicationStakeAt(APP, 55), 0);
        vm.assertEq(registry.applicationStakeAt(APP, type(uint64).max), 0);
    }

    // ───────────────────────────── delegation ─────────────────────────────

    function test_delegate_takesEffectNextSession() public {
        stakeApplication(APP, MIN_APP);
        stakeGateway(GATEWAY, MIN_GATEWAY);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.Delegated(APP, GATEWAY, 51);
        vm.prank(APP);
        registry.delegate(GATEWAY);
        vm.assertFalse(registry.isDelegatedAt(APP, GATEWAY, 50));
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY, 51));
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY, 500));
        address[] memory current = registry.delegatesOf(APP);
        vm.assertEq(current.length, 1);
        vm.assertEq(current[0], GATEWAY);
    }

    function test_delegate_gatewayNotStaked_reverts() public {
        stakeApplication(APP, MIN_APP);
        vm.prank(APP);
        vm.expectRevert(err(IAviaryRegistry.NotGateway.selector, GATEWAY));
        registry.delegate(GATEWAY);
    }

    function test_delegate_gatewayUnstaked_reverts() public {
        stakeApplication(APP, MIN_APP);
        stakeGateway(GATEWAY, MIN_GATEWAY);
        vm.prank(GATEWAY);
        registry.unstakeGateway(MIN_GATEWAY);
        vm.prank(APP);
        vm.expectRevert(err(IAviaryRegistry.NotGateway.selector, GATEWAY));
        registry.delegate(GATEWAY);
    }

    function test_delegate_applicationNotStaked_reverts() public {
        stakeGateway(GATEWAY, MIN_GATEWAY);
        vm.prank(APP);
        vm.expectRevert(err(IAviaryRegistry.NotApplication.selector, APP));
        registry.delegate(GATEWAY);
    }

    function test_delegate_twice_reverts() public {
        stakeApplication(APP, MIN_APP);
        stakeGateway(GATEWAY, MIN_GATEWAY);
        vm.prank(APP);
        registry.delegate(GATEWAY);
        vm.prank(APP);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.AlreadyDelegated.selector, APP, GATEWAY));
        registry.delegate(GATEWAY);
    }

    function test_delegate_tooMany_reverts() public {
        stakeApplication(APP, MIN_APP);
        for (uint160 i = 1; i <= MAX_DELEGATES + 1; ++i) {
            stakeGateway(address(0x2000 + i), MIN_GATEWAY);
        }
        for (uint160 i = 1; i <= MAX_DELEGATES; ++i) {
            vm.prank(APP);
            registry.delegate(address(0x2000 + i));
        }
        vm.prank(APP);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.TooManyDelegates.selector, APP, MAX_DELEGATES));
        registry.delegate(address(uint160(0x2000) + MAX_DELEGATES + 1));

        // Undoing one frees a slot, even within the same session.
        vm.prank(APP);
        registry.undelegate(address(0x2001));
        vm.prank(APP);
        registry.delegate(address(uint160(0x2000) + MAX_DELEGATES + 1));
        vm.assertEq(registry.delegatesOf(APP).length, MAX_DELEGATES);
    }

    function test_undelegate_takesEffectNextSession() public {
        stakeApplication(APP, MIN_APP);
        stakeGateway(GATEWAY, MIN_GATEWAY);
        vm.prank(APP);
        registry.delegate(GATEWAY); // from 51
        rollSessions(2); // 52
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.Undelegated(APP, GATEWAY, 53);
        vm.prank(APP);
        registry.undelegate(GATEWAY);
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY, 52));
        vm.assertFalse(registry.isDelegatedAt(APP, GATEWAY, 53));
        vm.assertEq(registry.delegatesOf(APP).length, 0);
    }

    function test_undelegate_notDelegated_reverts() public {
        vm.prank(APP);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.NotDelegated.selector, APP, GATEWAY));
        registry.undelegate(GATEWAY);
    }

    function test_undelegate_sameSession_neverEffective() public {
        stakeApplication(APP, MIN_APP);
        stakeGateway(GATEWAY, MIN_GATEWAY);
        vm.prank(APP);
        registry.delegate(GATEWAY);
        vm.prank(APP);
        registry.undelegate(GATEWAY);
        vm.assertFalse(registry.isDelegatedAt(APP, GATEWAY, 50));
        vm.assertFalse(registry.isDelegatedAt(APP, GATEWAY, 51));
    }

    function test_undelegate_swapRemove_keepsSet() public {
        stakeApplication(APP, MIN_APP);
        address g1 = address(0x2001);
        address g2 = address(0x2002);
        address g3 = address(0x2003);
        stakeGateway(g1, MIN_GATEWAY);
        stakeGateway(g2, MIN_GATEWAY);
        stakeGateway(g3, MIN_GATEWAY);
        vm.startPrank(APP);
        registry.delegate(g1);
        registry.delegate(g2);
        registry.delegate(g3);
        registry.undelegate(g1);
        vm.stopPrank();
        address[] memory current = registry.delegatesOf(APP);
        vm.assertEq(current.length, 2);
        vm.assertEq(current[0], g3);
        vm.assertEq(current[1], g2);
        // g3 moved to slot 0 and can still be undone; g1 can be delegated again.
        vm.startPrank(APP);
        registry.undelegate(g3);
        registry.delegate(g1);
        vm.stopPrank();
        current = registry.delegatesOf(APP);
        vm.assertEq(current.length, 2);
        vm.assertEq(current[0], g2);
        vm.assertEq(current[1], g1);
    }

    function test_isDelegatedAt_history() public {
        stakeApplication(APP, MIN_APP);
        stakeGateway(GATEWAY, MIN_GATEWAY);
        vm.prank(APP);
        registry.delegate(GATEWAY); // from 51
        rollSessions(3); // 53
        vm.prank(APP);
        registry.undelegate(GATEWAY); // until 53, off from 54
        rollSessions(2); // 55
        vm.prank(APP);
        registry.delegate(GATEWAY); // from 56

        vm.assertFalse(registry.isDelegatedAt(APP, GATEWAY, 50));
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY, 51));
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY, 53));
        vm.assertFalse(registry.isDelegatedAt(APP, GATEWAY, 54));
        vm.assertFalse(registry.isDelegatedAt(APP, GATEWAY, 55));
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY, 56));
        vm.assertFalse(registry.isDelegatedAt(APP, address(0x1), 56));
    }

    function test_unstakeApplication_all_keepsDelegationHistory() public {
        stakeApplication(APP, MIN_APP);
        stakeGateway(GATEWAY, MIN_GATEWAY);
        vm.prank(APP);
        registry.delegate(GATEWAY);
        rollSessions(1);
        vm.prank(APP);
        registry.unstakeApplication(MIN_APP);
        rollSessions(APP_UNBONDING);
        vm.prank(APP);
        registry.withdrawApplication();
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY, 51));
        vm.assertTrue(registry.isDelegatedAt(APP, GATEWAY, registry.currentSession()));
        vm.assertEq(registry.delegatesOf(APP).length, 1);
        // Without stake it can still undo the delegation.
        vm.prank(APP);
        registry.undelegate(GATEWAY);
        vm.assertEq(registry.delegatesOf(APP).length, 0);
    }

    // ───────────────────────────── gateways ─────────────────────────────

    function test_stakeGateway_credits() public {
        fund(GATEWAY, 2 * MIN_GATEWAY);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.GatewayStaked(GATEWAY, MIN_GATEWAY, MIN_GATEWAY, "https://gw");
        vm.prank(GATEWAY);
        registry.stakeGateway(MIN_GATEWAY, "https://gw");
        vm.assertEq(registry.gatewayMetadataUrl(GATEWAY), "https://gw");
        // An empty URL keeps the stored one; a new one replaces it.
        vm.prank(GATEWAY);
        registry.stakeGateway(1, "");
        vm.assertEq(registry.gatewayMetadataUrl(GATEWAY), "https://gw");
        vm.prank(GATEWAY);
        registry.stakeGateway(1, "https://gw2");
        vm.assertEq(registry.gatewayMetadataUrl(GATEWAY), "https://gw2");
        (uint256 stake,,) = registry.gatewayStake(GATEWAY);
        vm.assertEq(stake, MIN_GATEWAY + 2);
        assertBalanceInvariant();
    }

    function test_stakeGateway_belowMinimum_reverts() public {
        fund(GATEWAY, MIN_GATEWAY);
        vm.prank(GATEWAY);
        vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, MIN_GATEWAY - 1, MIN_GATEWAY));
        registry.stakeGateway(MIN_GATEWAY - 1, "https://gw");
    }

    function test_unstakeGateway_remainderBelowMinimum_reverts() public {
        stakeGateway(GATEWAY, MIN_GATEWAY + 1);
        vm.prank(GATEWAY);
        vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, MIN_GATEWAY - 1, MIN_GATEWAY));
        registry.unstakeGateway(2);
    }

    function test_withdrawGateway_afterRelease_pays() public {
        stakeGateway(GATEWAY, 2 * MIN_GATEWAY);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.Unstaked(GATEWAY, 2, MIN_GATEWAY, 50 + GATEWAY_UNBONDING);
        vm.prank(GATEWAY);
        registry.unstakeGateway(MIN_GATEWAY);
        vm.prank(GATEWAY);
        vm.expectRevert(err(IAviaryRegistry.NothingToWithdraw.selector, GATEWAY));
        registry.withdrawGateway();
        rollSessions(GATEWAY_UNBONDING);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.Withdrawn(GATEWAY, 2, MIN_GATEWAY);
        vm.prank(GATEWAY);
        vm.assertEq(registry.withdrawGateway(), MIN_GATEWAY);
        (uint256 stake, uint256 unbonding,) = registry.gatewayStake(GATEWAY);
        vm.assertEq(stake, MIN_GATEWAY);
        vm.assertEq(unbonding, 0);
        vm.assertEq(token.balanceOf(GATEWAY), MIN_GATEWAY);
        assertBalanceInvariant();
    }

    // ───────────────────────────── settlement hooks ─────────────────────────────

    function test_payFromApplication_notSettlement_reverts() public {
        stakeApplication(APP, MIN_APP);
        vm.prank(STRANGER);
        vm.expectRevert(err(IAviaryRegistry.NotSettlement.selector, STRANGER));
        registry.payFromApplication(APP, STRANGER, 1);
    }

    function test_payFromApplication_beforeSettlementSet_reverts() public {
        AviaryRegistry r = new AviaryRegistry(IERC20(address(token)), defaultParams());
        vm.expectRevert(err(IAviaryRegistry.NotSettlement.selector, address(this)));
        r.payFromApplication(APP, PAYEE, 1);
    }

    function test_payFromApplication_fromStake_pays() public {
        stakeApplication(APP, MIN_APP);
        vm.roll(START_BLOCK + 3);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.ApplicationPaid(APP, PAYEE, 7e18);
        vm.prank(SETTLEMENT);
        uint256 paid = registry.payFromApplication(APP, PAYEE, 7e18);
        vm.assertEq(paid, 7e18);
        vm.assertEq(token.balanceOf(PAYEE), 7e18);
        (uint256 stake,,) = registry.applicationStake(APP);
        vm.assertEq(stake, MIN_APP - 7e18);
        vm.assertEq(registry.totalHeld(), MIN_APP - 7e18);
        vm.assertEq(registry.applicationStakeAt(APP, 50), MIN_APP, "session start unchanged");
        vm.assertEq(registry.applicationStakeAt(APP, 51), MIN_APP - 7e18);
        assertBalanceInvariant();
    }

    function test_payFromApplication_fromStakeThenUnbonding() public {
        stakeApplication(APP, 3 * MIN_APP);
        vm.prank(APP);
        registry.unstakeApplication(MIN_APP);
        vm.prank(SETTLEMENT);
        uint256 paid = registry.payFromApplication(APP, PAYEE, 2 * MIN_APP + 1);
        vm.assertEq(paid, 2 * MIN_APP + 1);
        (uint256 stake, uint256 unbonding,) = registry.applicationStake(APP);
        vm.assertEq(stake, 0);
        vm.assertEq(unbonding, MIN_APP - 1);
        assertBalanceInvariant();
    }

    function test_payFromApplication_moreThanHeld_paysAll() public {
        stakeApplication(APP, 2 * MIN_APP);
        vm.prank(APP);
        registry.unstakeApplication(MIN_APP);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.ApplicationPaid(APP, PAYEE, 2 * MIN_APP);
        vm.prank(SETTLEMENT);
        uint256 paid = registry.payFromApplication(APP, PAYEE, type(uint256).max);
        vm.assertEq(paid, 2 * MIN_APP);
        (uint256 stake, uint256 unbonding,) = registry.applicationStake(APP);
        vm.assertEq(stake + unbonding, 0);
        vm.assertEq(registry.totalHeld(), 0);
        assertBalanceInvariant();
    }

    function test_payFromApplication_nothing_returnsZero() public {
        vm.prank(SETTLEMENT);
        vm.assertEq(registry.payFromApplication(APP, PAYEE, 5), 0);
        stakeApplication(APP, MIN_APP);
        vm.prank(SETTLEMENT);
        vm.assertEq(registry.payFromApplication(APP, PAYEE, 0), 0);
        vm.assertEq(token.balanceOf(PAYEE), 0);
    }

    function test_payFromApplication_zeroRecipient_reverts() public {
        stakeApplication(APP, MIN_APP);
        vm.prank(SETTLEMENT);
        vm.expectRevert(IAviaryRegistry.ZeroAddress.selector);
        registry.payFromApplication(APP, address(0), 1);
    }

    function test_slashSupplier_notSettlement_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.NotSettlement.selector, SUPPLIER));
        registry.slashSupplier(SUPPLIER, 1, SUPPLIER);
    }

    function test_slashSupplier_fromStakeThenUnbonding() public {
        stakeSupplier(SUPPLIER, 2 * MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.SupplierSlashed(SUPPLIER, TREASURY, MIN_SUPPLIER + 3);
        vm.prank(SETTLEMENT);
        uint256 slashed = registry.slashSupplier(SUPPLIER, MIN_SUPPLIER + 3, TREASURY);
        vm.assertEq(slashed, MIN_SUPPLIER + 3);
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake, 0);
        vm.assertEq(unbonding, MIN_SUPPLIER - 3);
        vm.assertEq(token.balanceOf(TREASURY), MIN_SUPPLIER + 3);
        assertBalanceInvariant();
    }

    function test_slashSupplier_moreThanHeld_takesAll() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SETTLEMENT);
        uint256 slashed = registry.slashSupplier(SUPPLIER, 10 * MIN_SUPPLIER, PAYEE);
        vm.assertEq(slashed, MIN_SUPPLIER);
        vm.assertEq(token.balanceOf(PAYEE), MIN_SUPPLIER);
        vm.assertEq(registry.totalHeld(), 0);
        assertBalanceInvariant();
    }

    function test_slashSupplier_nothing_returnsZero() public {
        vm.prank(SETTLEMENT);
        vm.assertEq(registry.slashSupplier(SUPPLIER, 5, PAYEE), 0);
    }

    function test_slashSupplier_zeroRecipient_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SETTLEMENT);
        vm.expectRevert(IAviaryRegistry.ZeroAddress.selector);
        registry.slashSupplier(SUPPLIER, 1, address(0));
    }

    function test_slashSupplier_belowMinimum_blocksOffers() public {
        bytes32 modelId = registerModel();
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SETTLEMENT);
        registry.slashSupplier(SUPPLIER, 1, TREASURY);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.NotSupplier.selector, SUPPLIER));
        registry.setOffer(modelId, 1, 1);
    }

    // ───────────────────────────── claim collateral ─────────────────────────────

    function _lock(uint256 amount) internal {
        vm.prank(SETTLEMENT);
        registry.lockClaimCollateral(SUPPLIER, APP, amount);
    }

    function test_lockClaimCollateral_notSettlement_reverts() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.NotSettlement.selector, SUPPLIER));
        registry.lockClaimCollateral(SUPPLIER, APP, 1);
        vm.prank(SUPPLIER);
        vm.expectRevert(err(IAviaryRegistry.NotSettlement.selector, SUPPLIER));
        registry.releaseClaimCollateral(SUPPLIER, APP, 1, 0, SUPPLIER);
    }

    function test_lockClaimCollateral_locksAndCountsClaim() public {
        stakeSupplier(SUPPLIER, 3 * MIN_SUPPLIER);
        vm.expectEmit(address(registry));
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        emit IAviaryRegistry.SupplierCollateralChanged(SUPPLIER, int256(MIN_SUPPLIER), MIN_SUPPLIER);
        _lock(MIN_SUPPLIER);
        (uint256 locked, uint256 unlocked) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, MIN_SUPPLIER);
        vm.assertEq(unlocked, 2 * MIN_SUPPLIER);
        vm.assertEq(registry.unsettledClaimsOf(APP), 1);
        _lock(2 * MIN_SUPPLIER);
        (locked, unlocked) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, 3 * MIN_SUPPLIER);
        vm.assertEq(unlocked, 0);
        vm.assertEq(registry.unsettledClaimsOf(APP), 2);
        vm.assertEq(registry.totalHeld(), 3 * MIN_SUPPLIER, "locking moves no tokens");
    }

    function test_lockClaimCollateral_aboveUnlocked_revertsInsufficientUnlockedStake() public {
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        _lock(MIN_SUPPLIER - 5);
        vm.prank(SETTLEMENT);
        vm.expectRevert(
            abi.encodeWithSelector(IAviaryRegistry.InsufficientUnlockedStake.selector, SUPPLIER, 6, 5)
        );
        registry.lockClaimCollateral(SUPPLIER, APP, 6);
    }

    function test_lockClaimCollateral_unstakedSupplier_reverts() public {
        vm.prank(SETTLEMENT);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.InsufficientUnlockedStake.selector, SUPPLIER, 1, 0));
        registry.lockClaimCollateral(SUPPLIER, APP, 1);
    }

    function test_unstakeSupplier_lockedStake_revertsInsufficientUnlockedStake() public {
        stakeSupplier(SUPPLIER, 3 * MIN_SUPPLIER);
        _lock(2 * MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviaryRegistry.InsufficientUnlockedStake.selector, SUPPLIER, MIN_SUPPLIER + 1, MIN_SUPPLIER
            )
        );
        registry.unstakeSupplier(MIN_SUPPLIER + 1);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER); // the unlocked part may go
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake, 2 * MIN_SUPPLIER);
        vm.assertEq(unbonding, MIN_SUPPLIER);
    }

    function test_releaseClaimCollateral_unlocksWithoutSlash() public {
        stakeSupplier(SUPPLIER, 2 * MIN_SUPPLIER);
        _lock(MIN_SUPPLIER);
        vm.expectEmit(address(registry));
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        emit IAviaryRegistry.SupplierCollateralChanged(SUPPLIER, -int256(MIN_SUPPLIER), 0);
        vm.prank(SETTLEMENT);
        vm.assertEq(registry.releaseClaimCollateral(SUPPLIER, APP, MIN_SUPPLIER, 0, TREASURY), 0);
        (uint256 locked, uint256 unlocked) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, 0);
        vm.assertEq(unlocked, 2 * MIN_SUPPLIER);
        vm.assertEq(registry.unsettledClaimsOf(APP), 0);
        vm.assertEq(registry.totalHeld(), 2 * MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(2 * MIN_SUPPLIER);
    }

    function test_releaseClaimCollateral_slash_takesLockedStake() public {
        stakeSupplier(SUPPLIER, 2 * MIN_SUPPLIER);
        _lock(MIN_SUPPLIER);
        vm.expectEmit(address(registry));
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        emit IAviaryRegistry.SupplierCollateralChanged(SUPPLIER, -int256(MIN_SUPPLIER), 0);
        vm.expectEmit(address(registry));
        emit IAviaryRegistry.SupplierSlashed(SUPPLIER, TREASURY, MIN_SUPPLIER);
        vm.prank(SETTLEMENT);
        vm.assertEq(registry.releaseClaimCollateral(SUPPLIER, APP, MIN_SUPPLIER, MIN_SUPPLIER, TREASURY), MIN_SUPPLIER);
        (uint256 stake,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(stake, MIN_SUPPLIER);
        (uint256 locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, 0);
        vm.assertEq(token.balanceOf(TREASURY), MIN_SUPPLIER);
        vm.assertEq(registry.totalHeld(), MIN_SUPPLIER);
        assertBalanceInvariant();
    }

    function test_releaseClaimCollateral_slashAboveClaimPart_capped() public {
        stakeSupplier(SUPPLIER, 3 * MIN_SUPPLIER);
        _lock(MIN_SUPPLIER);
        _lock(MIN_SUPPLIER);
        // The claim's part is MIN_SUPPLIER; a larger slash never reaches the other claim's collateral or free stake.
        vm.prank(SETTLEMENT);
        vm.assertEq(registry.releaseClaimCollateral(SUPPLIER, APP, MIN_SUPPLIER, 5 * MIN_SUPPLIER, TREASURY), MIN_SUPPLIER);
        (uint256 locked, uint256 unlocked) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(locked, MIN_SUPPLIER);
        vm.assertEq(unlocked, MIN_SUPPLIER);
        assertBalanceInvariant();
    }

    function test_slashSupplier_takesUnlockedThenUnbondingThenLocked() public {
        stakeSupplier(SUPPLIER, 4 * MIN_SUPPLIER);
        _lock(2 * MIN_SUPPLIER);
        vm.prank(SUPPLIER);
        registry.unstakeSupplier(MIN_SUPPLIER); // stake 3 (2 locked), unbonding 1
        vm.prank(SETTLEMENT);
        registry.slashSupplier(SUPPLIER, MIN_SUPPLIER / 2, PAYEE); // unlocked only
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(SUPPLIER);
        (uint256 locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(stake, 3 * MIN_SUPPLIER - MIN_SUPPLIER / 2);
        vm.assertEq(unbonding, MIN_SUPPLIER);
        vm.assertEq(locked, 2 * MIN_SUPPLIER);

        vm.prank(SETTLEMENT);
        registry.slashSupplier(SUPPLIER, MIN_SUPPLIER, PAYEE); // the rest of unlocked, then half of unbonding
        (stake, unbonding,) = registry.supplierStake(SUPPLIER);
        (locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(stake, 2 * MIN_SUPPLIER);
        vm.assertEq(unbonding, MIN_SUPPLIER / 2);
        vm.assertEq(locked, 2 * MIN_SUPPLIER);

        vm.expectEmit(address(registry));
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        emit IAviaryRegistry.SupplierCollateralChanged(SUPPLIER, -int256(MIN_SUPPLIER / 2), 3 * MIN_SUPPLIER / 2);
        vm.prank(SETTLEMENT);
        registry.slashSupplier(SUPPLIER, MIN_SUPPLIER, PAYEE); // unbonding, then locked stake (which shrinks too)
        (stake, unbonding,) = registry.supplierStake(SUPPLIER);
        (locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(unbonding, 0);
        vm.assertEq(stake, 3 * MIN_SUPPLIER / 2);
        vm.assertEq(locked, 3 * MIN_SUPPLIER / 2);
        assertBalanceInvariant();

        // Releasing a claim's full part now unlocks (and slashes) only what is left.
        vm.prank(SETTLEMENT);
        vm.assertEq(
            registry.releaseClaimCollateral(SUPPLIER, APP, 2 * MIN_SUPPLIER, 2 * MIN_SUPPLIER, TREASURY),
            3 * MIN_SUPPLIER / 2
        );
        (stake,,) = registry.supplierStake(SUPPLIER);
        (locked,) = registry.supplierCollateral(SUPPLIER);
        vm.assertEq(stake, 0);
        vm.assertEq(locked, 0);
        assertBalanceInvariant();
    }

    function test_withdrawApplication_unsettledClaims_revertsUntilSettled() public {
        stakeApplication(APP, MIN_APP);
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        _lock(MIN_SUPPLIER / 2);
        _lock(MIN_SUPPLIER / 2);
        vm.prank(APP);
        registry.unstakeApplication(MIN_APP);
        vm.roll(uint256(50 + APP_UNBONDING) * L);
        vm.prank(APP);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.UnsettledClaims.selector, APP, 2));
        registry.withdrawApplication();
        vm.prank(SETTLEMENT);
        registry.releaseClaimCollateral(SUPPLIER, APP, MIN_SUPPLIER / 2, 0, TREASURY);
        vm.prank(APP);
        vm.expectRevert(abi.encodeWithSelector(IAviaryRegistry.UnsettledClaims.selector, APP, 1));
        registry.withdrawApplication();
        vm.prank(SETTLEMENT);
        registry.releaseClaimCollateral(SUPPLIER, APP, MIN_SUPPLIER / 2, 0, TREASURY);
        vm.prank(APP);
        vm.assertEq(registry.withdrawApplication(), MIN_APP);
        assertBalanceInvariant();
    }

    function test_fuzz_collateral_lockedNeverAboveStake(uint256 seed) public {
        stakeSupplier(SUPPLIER, 10 * MIN_SUPPLIER);
        uint256[] memory parts = new uint256[](12);
        uint256 claims;
        for (uint256 i; i < 24; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            (uint256 locked, uint256 unlocked) = registry.supplierCollateral(SUPPLIER);
            uint256 action = r % 4;
            if (action == 0 && claims < parts.length && unlocked != 0) {
                uint256 amount = (r >> 8) % unlocked + 1;
                _lock(amount);
                parts[claims++] = amount;
            } else if (action == 1 && claims != 0) {
                uint256 amount = parts[--claims];
                vm.prank(SETTLEMENT);
                registry.releaseClaimCollateral(SUPPLIER, APP, amount, (r >> 8) % 2 == 0 ? 0 : amount, TREASURY);
            } else if (action == 2) {
                (uint256 stake, uint256 unbonding,) = registry.supplierStake(SUPPLIER);
                vm.prank(SETTLEMENT);
                registry.slashSupplier(SUPPLIER, (r >> 8) % (stake + unbonding + 1), PAYEE);
            } else if (unlocked != 0) {
                (uint256 stake,,) = registry.supplierStake(SUPPLIER);
                uint256 amount = (r >> 8) % unlocked + 1;
                if (stake - amount != 0 && stake - amount < MIN_SUPPLIER) continue;
                vm.prank(SUPPLIER);
                registry.unstakeSupplier(amount);
            }
            (locked, unlocked) = registry.supplierCollateral(SUPPLIER); // reverts if locked > stake
            (uint256 stakeNow,,) = registry.supplierStake(SUPPLIER);
            vm.assertLe(locked, stakeNow);
            vm.assertEq(registry.unsettledClaimsOf(APP), claims);
            assertBalanceInvariant();
        }
    }
}

/// @dev Fuzz tests of every money path: tokens in and out always match the registry's books.
contract AviaryRegistryFuzzTest is RegistryFixture {
    uint8 internal constant SUPPLIER_ROLE = 0;
    uint8 internal constant APP_ROLE = 1;
    uint8 internal constant GATEWAY_ROLE = 2;

    function minimumOf(uint8 role) internal pure returns (uint256) {
        return role == SUPPLIER_ROLE ? MIN_SUPPLIER : role == APP_ROLE ? MIN_APP : MIN_GATEWAY;
    }

    function unbondingOf(uint8 role) internal pure returns (uint64) {
        return role == SUPPLIER_ROLE ? SUPPLIER_UNBONDING : role == APP_ROLE ? APP_UNBONDING : GATEWAY_UNBONDING;
    }

    function stakeAs(uint8 role, address account, uint256 amount) internal {
        vm.prank(account);
        if (role == SUPPLIER_ROLE) registry.stakeSupplier(amount, OPERATOR, ENDPOINT);
        else if (role == APP_ROLE) registry.stakeApplication(amount);
        else registry.stakeGateway(amount, "https://gw");
    }

    function unstakeAs(uint8 role, address account, uint256 amount) internal {
        vm.prank(account);
        if (role == SUPPLIER_ROLE) registry.unstakeSupplier(amount);
        else if (role == APP_ROLE) registry.unstakeApplication(amount);
        else registry.unstakeGateway(amount);
    }

    function withdrawAs(uint8 role, address account) internal returns (uint256) {
        vm.prank(account);
        if (role == SUPPLIER_ROLE) return registry.withdrawSupplier();
        if (role == APP_ROLE) return registry.withdrawApplication();
        return registry.withdrawGateway();
    }

    function stakeOf(uint8 role, address account) internal view returns (uint256, uint256, uint64) {
        if (role == SUPPLIER_ROLE) return registry.supplierStake(account);
        if (role == APP_ROLE) return registry.applicationStake(account);
        return registry.gatewayStake(account);
    }

    /// @dev stake → unstake → (early withdraw reverts) → withdraw, for one role.
    function checkStakeUnstakeWithdraw(uint8 role, uint256 stakeAmount, uint256 unstakeAmount, uint256 waitBlocks)
        internal
    {
        address account = address(0xF00D);
        uint256 minimum = minimumOf(role);
        stakeAmount = bound(stakeAmount, minimum, 1e30);
        unstakeAmount = bound(unstakeAmount, 1, stakeAmount);
        fund(account, stakeAmount);
        stakeAs(role, account, stakeAmount);
        vm.assertEq(registry.totalHeld(), stakeAmount);
        assertBalanceInvariant();

        uint256 remaining = stakeAmount - unstakeAmount;
        if (remaining != 0 && remaining < minimum) {
            vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, remaining, minimum));
            unstakeAs(role, account, unstakeAmount);
            return;
        }
        unstakeAs(role, account, unstakeAmount);
        (uint256 stake, uint256 unbonding, uint64 release) = stakeOf(role, account);
        vm.assertEq(stake, remaining);
        vm.assertEq(unbonding, unstakeAmount);
        vm.assertEq(release, 50 + unbondingOf(role));
        vm.assertEq(registry.totalHeld(), stakeAmount);

        waitBlocks = bound(waitBlocks, 0, 10 * L);
        vm.roll(block.number + waitBlocks);
        if (registry.currentSession() < release) {
            vm.expectRevert(err(IAviaryRegistry.NothingToWithdraw.selector, account));
            withdrawAs(role, account);
            vm.roll(uint256(release) * L);
        }
        vm.assertEq(withdrawAs(role, account), unstakeAmount);
        vm.assertEq(token.balanceOf(account), unstakeAmount);
        vm.assertEq(registry.totalHeld(), remaining);
        (stake, unbonding,) = stakeOf(role, account);
        vm.assertEq(stake, remaining);
        vm.assertEq(unbonding, 0);
        assertBalanceInvariant();
    }

    function test_fuzz_supplier_stakeUnstakeWithdraw(uint256 stakeAmount, uint256 unstakeAmount, uint256 waitBlocks)
        public
    {
        checkStakeUnstakeWithdraw(SUPPLIER_ROLE, stakeAmount, unstakeAmount, waitBlocks);
    }

    function test_fuzz_application_stakeUnstakeWithdraw(uint256 stakeAmount, uint256 unstakeAmount, uint256 waitBlocks)
        public
    {
        checkStakeUnstakeWithdraw(APP_ROLE, stakeAmount, unstakeAmount, waitBlocks);
    }

    function test_fuzz_gateway_stakeUnstakeWithdraw(uint256 stakeAmount, uint256 unstakeAmount, uint256 waitBlocks)
        public
    {
        checkStakeUnstakeWithdraw(GATEWAY_ROLE, stakeAmount, unstakeAmount, waitBlocks);
    }

    function test_fuzz_stake_belowMinimum_reverts(uint8 role, uint256 amount) public {
        role = uint8(bound(role, 0, 2));
        uint256 minimum = minimumOf(role);
        amount = bound(amount, 1, minimum - 1);
        fund(address(0xF00D), amount);
        vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, amount, minimum));
        stakeAs(role, address(0xF00D), amount);
    }

    function test_fuzz_unstake_twice_accumulates(uint8 role, uint256 first, uint256 second, uint256 gapSessions)
        public
    {
        role = uint8(bound(role, 0, 2));
        address account = address(0xF00D);
        uint256 total = 10 * minimumOf(role);
        fund(account, total);
        stakeAs(role, account, total);
        first = bound(first, 1, total / 2);
        second = bound(second, 1, total - first);
        gapSessions = bound(gapSessions, 0, 5);
        unstakeAs(role, account, first);
        rollSessions(gapSessions);
        uint256 remaining = total - first - second;
        if (remaining != 0 && remaining < minimumOf(role)) {
            vm.expectRevert(err(IAviaryRegistry.StakeTooLow.selector, remaining, minimumOf(role)));
            unstakeAs(role, account, second);
            return;
        }
        unstakeAs(role, account, second);
        (uint256 stake, uint256 unbonding, uint64 release) = stakeOf(role, account);
        vm.assertEq(stake, remaining);
        vm.assertEq(unbonding, first + second);
        vm.assertEq(release, 50 + gapSessions + unbondingOf(role));
        vm.roll(uint256(release) * L);
        vm.assertEq(withdrawAs(role, account), first + second);
        assertBalanceInvariant();
    }

    function test_fuzz_payFromApplication(uint256 stakeAmount, uint256 unstakeAmount, uint256 amount) public {
        stakeAmount = bound(stakeAmount, MIN_APP, 1e30);
        unstakeAmount = bound(unstakeAmount, 0, stakeAmount);
        if (stakeAmount - unstakeAmount != 0 && stakeAmount - unstakeAmount < MIN_APP) unstakeAmount = stakeAmount;
        amount = bound(amount, 0, 2 * stakeAmount);
        stakeApplication(APP, stakeAmount);
        if (unstakeAmount != 0) {
            vm.prank(APP);
            registry.unstakeApplication(unstakeAmount);
        }
        uint256 stakeBefore = stakeAmount - unstakeAmount;
        vm.roll(block.number + 1);

        vm.prank(SETTLEMENT);
        uint256 paid = registry.payFromApplication(APP, PAYEE, amount);

        uint256 expected = amount < stakeAmount ? amount : stakeAmount;
        vm.assertEq(paid, expected);
        vm.assertEq(token.balanceOf(PAYEE), paid);
        (uint256 stake, uint256 unbonding,) = registry.applicationStake(APP);
        uint256 fromStake = paid < stakeBefore ? paid : stakeBefore;
        vm.assertEq(stake, stakeBefore - fromStake);
        vm.assertEq(unbonding, unstakeAmount - (paid - fromStake));
        vm.assertEq(registry.totalHeld(), stakeAmount - paid);
        vm.assertEq(registry.applicationStakeAt(APP, 50), stakeBefore);
        vm.assertEq(registry.applicationStakeAt(APP, 51), stake);
        assertBalanceInvariant();
    }

    function test_fuzz_slashSupplier(uint256 stakeAmount, uint256 unstakeAmount, uint256 amount) public {
        stakeAmount = bound(stakeAmount, MIN_SUPPLIER, 1e30);
        unstakeAmount = bound(unstakeAmount, 0, stakeAmount);
        if (stakeAmount - unstakeAmount != 0 && stakeAmount - unstakeAmount < MIN_SUPPLIER) {
            unstakeAmount = stakeAmount;
        }
        amount = bound(amount, 0, 2 * stakeAmount);
        stakeSupplier(SUPPLIER, stakeAmount);
        if (unstakeAmount != 0) {
            vm.prank(SUPPLIER);
            registry.unstakeSupplier(unstakeAmount);
        }
        uint256 stakeBefore = stakeAmount - unstakeAmount;

        vm.prank(SETTLEMENT);
        uint256 slashed = registry.slashSupplier(SUPPLIER, amount, TREASURY);

        uint256 expected = amount < stakeAmount ? amount : stakeAmount;
        vm.assertEq(slashed, expected);
        vm.assertEq(token.balanceOf(TREASURY), slashed);
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(SUPPLIER);
        uint256 fromStake = slashed < stakeBefore ? slashed : stakeBefore;
        vm.assertEq(stake, stakeBefore - fromStake);
        vm.assertEq(unbonding, unstakeAmount - (slashed - fromStake));
        vm.assertEq(registry.totalHeld(), stakeAmount - slashed);
        assertBalanceInvariant();
    }

    function test_fuzz_payFromApplication_neverTouchesOthers(uint256 amount) public {
        stakeApplication(APP, MIN_APP);
        stakeApplication(address(0xA12), 2 * MIN_APP);
        stakeSupplier(SUPPLIER, MIN_SUPPLIER);
        amount = bound(amount, 0, 10 * MIN_APP);
        vm.prank(SETTLEMENT);
        registry.payFromApplication(APP, PAYEE, amount);
        (uint256 other,,) = registry.applicationStake(address(0xA12));
        (uint256 supplierStake,,) = registry.supplierStake(SUPPLIER);
        vm.assertEq(other, 2 * MIN_APP);
        vm.assertEq(supplierStake, MIN_SUPPLIER);
        assertBalanceInvariant();
    }

    /// @dev Random stake changes at random blocks; applicationStakeAt(s) equals the stake after block s * L.
    function test_fuzz_applicationStakeAt_matchesReplay(uint256 seed) public {
        uint256 steps = 8;
        uint256[] memory blocks = new uint256[](steps);
        uint256[] memory stakes = new uint256[](steps);
        fund(APP, 100 * MIN_APP);
        for (uint256 i = 0; i < steps; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            vm.roll(block.number + (r % 45));
            (uint256 stake,,) = registry.applicationStake(APP);
            uint256 action = (r >> 8) % 3;
            if (action == 0 || stake == 0) {
                vm.prank(APP);
                registry.stakeApplication(MIN_APP + ((r >> 16) % MIN_APP));
            } else if (action == 1) {
                vm.prank(APP);
                registry.unstakeApplication(stake); // all of it
            } else {
                vm.prank(SETTLEMENT);
                registry.payFromApplication(APP, PAYEE, (r >> 16) % (stake + 1) + 1);
            }
            (stake,,) = registry.applicationStake(APP);
            blocks[i] = block.number;
            stakes[i] = stake;
        }
        uint64 lastSession = registry.currentSession() + 1;
        for (uint64 s = 49; s <= lastSession; ++s) {
            uint256 expected = 0;
            for (uint256 i = 0; i < steps; ++i) {
                if (blocks[i] <= uint256(s) * L) expected = stakes[i];
            }
            vm.assertEq(registry.applicationStakeAt(APP, s), expected);
        }
        assertBalanceInvariant();
    }
}
