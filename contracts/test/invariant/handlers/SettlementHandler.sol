// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../../utils/Test.sol";
import {TrieBuilder, TrieLeaf, TrieProof} from "../../utils/TrieBuilder.sol";
import {AviaryToken} from "../../../src/AviaryToken.sol";
import {AviaryRegistry} from "../../../src/AviaryRegistry.sol";
import {AviarySettlement} from "../../../src/AviarySettlement.sol";
import {IAviarySettlement} from "../../../src/interfaces/IAviarySettlement.sol";
import {RelayHashing} from "../../../src/libraries/RelayHashing.sol";
import {LeafValue, RelayReceipt, RelayRequest, TrieNode} from "../../../src/types/AviaryTypes.sol";

/// @dev Drives the settlement through random claims (honest tries of signed relays, or fabricated roots), proofs,
///      seed recording, settlements (repeated ones included), equivocation reports, application stake changes and
///      block rolls. Keeps ghost totals for the invariants; never reverts on an expected path.
contract SettlementHandler is Test {
    struct ClaimInfo {
        bytes32 key;
        uint8 supplier;
        uint8 application;
        uint64 session;
        uint64 firstNonce;
        uint8 count; // 0: fabricated root
    }

    struct AppSession {
        address application;
        uint64 session;
    }

    AviarySettlement public immutable settlement;
    AviaryRegistry public immutable registry;
    AviaryToken public immutable token;
    bytes32 public immutable model;
    uint128 public immutable inputPrice;
    uint128 public immutable outputPrice;

    address[] public suppliers;
    uint256[] internal _operatorKeys;
    address[] public applications;
    uint256[] internal _applicationKeys;

    ClaimInfo[] internal _claims;
    AppSession[] internal _appSessions;
    mapping(address application => mapping(uint64 session => bool)) internal _appSessionSeen;

    mapping(bytes32 claimKey => uint256) public paidPerClaim;
    mapping(bytes32 claimKey => uint256) public settlements;
    mapping(address application => mapping(uint64 session => uint256)) public paidPerAppSession;
    uint256 public totalPaid;
    uint256 public totalSlashed;
    uint256 public totalStaked; // stake added by the handler
    uint256 public doubleSettlements; // second settle calls that did not revert AlreadySettled
    uint256 public failedHonestProofs; // proofs of honest claims in their window that reverted
    uint64 internal _nonce = 1_000_000;

    mapping(bytes32 => uint256) public calls;

    constructor(
        AviarySettlement settlement_,
        AviaryRegistry registry_,
        AviaryToken token_,
        bytes32 model_,
        uint128 inputPrice_,
        uint128 outputPrice_,
        address[] memory suppliers_,
        uint256[] memory operatorKeys_,
        uint256[] memory applicationKeys_
    ) {
        settlement = settlement_;
        registry = registry_;
        token = token_;
        model = model_;
        inputPrice = inputPrice_;
        outputPrice = outputPrice_;
        suppliers = suppliers_;
        _operatorKeys = operatorKeys_;
        _applicationKeys = applicationKeys_;
        for (uint256 i; i < applicationKeys_.length; ++i) {
            applications.push(vm.addr(applicationKeys_[i]));
        }
    }

    // ───────────────────────────── actions ─────────────────────────────

    function roll(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, 1, 12));
        ++calls["roll"];
    }

    /// @dev Claims for the session whose claim window is open, rolling to the next claim window if none is.
    function claim(uint256 supplierSeed, uint256 applicationSeed, uint256 relays, uint128 fakeSum, uint64 fakeCount)
        external
    {
        uint64 session = _claimableSession();
        ClaimInfo memory info;
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        info.supplier = uint8(supplierSeed % suppliers.length);
        // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
        info.application = uint8(applicationSeed % applications.length);
        info.session = session;
        info.key = settlement.claimKeyOf(suppliers[info.supplier], applications[info.application], model, session);
        if (settlement.getClaim(info.key).supplier != address(0)) return;

        TrieNode memory root;
        if (relays % 3 == 0) {
            // A fabricated root: no proof can exist.
            root = TrieNode(
                keccak256(abi.encode(info.key)), uint128(bound(fakeSum, 1, 40e18)), uint64(bound(fakeCount, 1, 50))
            );
        } else {
            info.count = uint8(bound(relays, 1, 6));
            info.firstNonce = _nonce;
            _nonce += info.count;
            (, root) = _trie(info);
        }
        vm.prank(vm.addr(_operatorKeys[info.supplier]));
        settlement.claim(suppliers[info.supplier], applications[info.application], model, session, root);
        _claims.push(info);
        if (!_appSessionSeen[applications[info.application]][session]) {
            _appSessionSeen[applications[info.application]][session] = true;
            _appSessions.push(AppSession(applications[info.application], session));
        }
        ++calls["claim"];
    }

    /// @dev Proves one of the honest, unproven claims whose proof window has not passed (rolling into it).
    function prove(uint256 claimSeed) external {
        ClaimInfo[] memory candidates = new ClaimInfo[](_claims.length);
        uint256 found;
        for (uint256 i = _claims.length; i > 0; --i) {
            ClaimInfo memory candidate = _claims[i - 1];
            (,,, uint256 end,) = settlement.windows(candidate.session);
            if (block.number > end) break; // claims are pushed in session order
            if (candidate.count != 0 && !settlement.getClaim(candidate.key).proven) candidates[found++] = candidate;
        }
        if (found == 0) return;
        ClaimInfo memory info = candidates[claimSeed % found];
        (,, uint256 proofStart,,) = settlement.windows(info.session);
        if (block.number < proofStart) vm.roll(proofStart);
        (LeafValue[] memory values,) = _trie(info);
        TrieLeaf[] memory leaves = new TrieLeaf[](values.length);
        for (uint256 i; i < values.length; ++i) {
            leaves[i] = _leafOf(values[i]);
        }
        TrieProof memory proof = TrieBuilder.closestProof(leaves, settlement.proofTarget(info.key));
        try settlement.prove(info.key, values[proof.leafIndex], proof.sideNodes, proof.emptyMask) {
            ++calls["prove"];
        } catch {
            ++failedHonestProofs;
        }
    }

    function recordSeed(uint256 claimSeed) external {
        if (_claims.length == 0) return;
        uint64 session = _claims[claimSeed % _claims.length].session;
        (,, uint256 proofStart, uint256 proofEnd,) = settlement.windows(session);
        if (block.number < proofStart || block.number > proofEnd) return;
        settlement.recordSeed(session);
        ++calls["recordSeed"];
    }

    function settle(uint256 claimSeed) external {
        if (_claims.length == 0) return;
        ClaimInfo memory info = _claims[claimSeed % _claims.length];
        (,,,, uint256 settleFrom) = settlement.windows(info.session);
        if (block.number < settleFrom) vm.roll(settleFrom);
        if (settlements[info.key] != 0) {
            try settlement.settle(info.key) {
                ++doubleSettlements;
            } catch (bytes memory reason) {
                if (
                    keccak256(reason)
                        != keccak256(abi.encodeWithSelector(IAviarySettlement.AlreadySettled.selector, info.key))
                ) {
                    ++doubleSettlements;
                }
            }
            ++calls["settleAgain"];
            return;
        }
        address supplier = suppliers[info.supplier];
        (uint256 stakeBefore, uint256 unbondingBefore,) = registry.supplierStake(supplier);
        uint256 paid = settlement.settle(info.key);
        (uint256 stakeAfter, uint256 unbondingAfter,) = registry.supplierStake(supplier);
        totalSlashed += stakeBefore + unbondingBefore - stakeAfter - unbondingAfter;
        settlements[info.key] += 1;
        paidPerClaim[info.key] += paid;
        paidPerAppSession[applications[info.application]][info.session] += paid;
        totalPaid += paid;
        if (paid == 0) ++calls["settleZero"];
        else ++calls["settlePaid"];
    }

    function reportEquivocation(uint256 supplierSeed, uint64 outputUnits) external {
        uint256 index = supplierSeed % suppliers.length;
        RelayRequest memory request = _request(index, 0, settlement.currentSession(), _nonce++);
        RelayReceipt memory a = _receipt(request, 10, outputUnits);
        RelayReceipt memory b = _receipt(request, 10, outputUnits == type(uint64).max ? 0 : outputUnits + 1);
        bytes memory signatureA = signDigest(_operatorKeys[index], settlement.hashRelayReceipt(a));
        bytes memory signatureB = signDigest(_operatorKeys[index], settlement.hashRelayReceipt(b));
        (uint256 stakeBefore, uint256 unbondingBefore,) = registry.supplierStake(suppliers[index]);
        settlement.reportEquivocation(request, a, signatureA, b, signatureB);
        (uint256 stakeAfter, uint256 unbondingAfter,) = registry.supplierStake(suppliers[index]);
        totalSlashed += stakeBefore + unbondingBefore - stakeAfter - unbondingAfter;
        ++calls["equivocation"];
    }

    /// @dev Applications top up or unstake (unbonding stays payable), which moves later sessions' budgets.
    function changeApplicationStake(uint256 applicationSeed, uint256 amount, bool add) external {
        address application = applications[applicationSeed % applications.length];
        if (add) {
            amount = bound(amount, 1, 100e18);
            token.mint(application, amount);
            vm.startPrank(application);
            token.approve(address(registry), amount);
            registry.stakeApplication(amount);
            vm.stopPrank();
            totalStaked += amount;
        } else {
            (uint256 stake,,) = registry.applicationStake(application);
            uint256 minimum = registry.params().minApplicationStake;
            if (stake <= minimum) return;
            amount = bound(amount, 1, stake - minimum);
            vm.prank(application);
            registry.unstakeApplication(amount);
        }
        ++calls["stake"];
    }

    // ───────────────────────────── views for the invariants ─────────────────────────────

    function claimCount() external view returns (uint256) {
        return _claims.length;
    }

    function claimAt(uint256 index) external view returns (ClaimInfo memory) {
        return _claims[index];
    }

    function appSessionCount() external view returns (uint256) {
        return _appSessions.length;
    }

    function appSessionAt(uint256 index) external view returns (address application, uint64 session) {
        AppSession memory entry = _appSessions[index];
        return (entry.application, entry.session);
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev The session whose claim window contains this block, after rolling to the next claim window if none
    ///      does (the claim window of session s lies inside session s + 1, so windows never overlap).
    function _claimableSession() internal returns (uint64 session) {
        session = settlement.currentSession() - 1;
        (uint256 claimStart, uint256 claimEnd,,,) = settlement.windows(session);
        if (block.number > claimEnd) {
            ++session;
            (claimStart,,,,) = settlement.windows(session);
        }
        if (block.number < claimStart) vm.roll(claimStart);
    }

    function _request(uint256 supplierIndex, uint256 applicationIndex, uint64 session, uint64 nonce)
        internal
        view
        returns (RelayRequest memory)
    {
        return RelayRequest({
            application: applications[applicationIndex],
            supplier: suppliers[supplierIndex],
            model: model,
            session: session,
            nonce: nonce,
            bodyHash: keccak256(abi.encode(nonce)),
            inputPrice: inputPrice,
            outputPrice: outputPrice,
            maxCost: type(uint128).max
        });
    }

    function _receipt(RelayRequest memory request, uint64 inputUnits, uint64 outputUnits)
        internal
        pure
        returns (RelayReceipt memory)
    {
        return RelayReceipt({
            request: RelayHashing.hashRequest(request),
            responseHash: keccak256(abi.encode(request.nonce, outputUnits)),
            inputUnits: inputUnits,
            outputUnits: outputUnits
        });
    }

    function _trie(ClaimInfo memory info) internal view returns (LeafValue[] memory values, TrieNode memory root) {
        values = new LeafValue[](info.count);
        TrieLeaf[] memory leaves = new TrieLeaf[](info.count);
        for (uint256 i; i < info.count; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            uint64 nonce = info.firstNonce + uint64(i);
            RelayRequest memory request = _request(info.supplier, info.application, info.session, nonce);
            values[i].request = request;
            values[i].requestSignature = signDigest(_applicationKeys[info.application], settlement.relayKey(request));
            values[i].receipt = _receipt(request, uint64(1_000 + nonce % 1_000), uint64(nonce % 5_000_000));
            values[i].receiptSignature =
                signDigest(_operatorKeys[info.supplier], settlement.hashRelayReceipt(values[i].receipt));
            leaves[i] = _leafOf(values[i]);
        }
        root = TrieBuilder.root(leaves);
    }

    function _leafOf(LeafValue memory value) internal view returns (TrieLeaf memory) {
        return TrieLeaf({
            key: settlement.relayKey(value.request),
            valueHash: RelayHashing.valueHash(
                value.request, value.requestSignature, value.receipt, value.receiptSignature
            ),
            weight: uint128(RelayHashing.cost(value.request, value.receipt))
        });
    }
}
