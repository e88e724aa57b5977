// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../../utils/Test.sol";
import {TrieBuilder, TrieLeaf, TrieProof} from "../../utils/TrieBuilder.sol";
import {AviaryToken} from "../../../src/AviaryToken.sol";
import {AviaryRegistry} from "../../../src/AviaryRegistry.sol";
import {AviarySettlement} from "../../../src/AviarySettlement.sol";
import {IAviaryRegistry} from "../../../src/interfaces/IAviaryRegistry.sol";
import {IAviarySettlement} from "../../../src/interfaces/IAviarySettlement.sol";
import {Probability} from "../../../src/libraries/Probability.sol";
import {RelayHashing} from "../../../src/libraries/RelayHashing.sol";
import {
    Claim,
    LeafProof,
    LeafValue,
    ProofDraw,
    RelayReceipt,
    RelayRequest,
    TrieNode
} from "../../../src/types/AviaryTypes.sol";

/// @dev Drives the settlement through random claims (honest tries of signed, mined relays, or fabricated roots, some
///      of them above the proof threshold), proofs (honest ones, and attempts on fabricated claims), seed recording,
///      settlements (repeated ones included), equivocation reports, supplier and application stake changes
///      (top-ups, unstakes, withdrawals) and block rolls. Keeps ghost books for the invariants; never reverts on an
///      expected path, and counts every unexpected revert.
contract SettlementHandler is Test {
    struct ClaimInfo {
        bytes32 key;
        uint8 supplier;
        uint8 application;
        uint64 session;
        bool honest;
    }

    struct AppSession {
        address application;
        uint64 session;
    }

    uint256 internal constant MAX_RELAYS = 6;

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
    mapping(bytes32 claimKey => uint64[]) internal _nonces; // the relays of an honest claim
    AppSession[] internal _appSessions;
    mapping(address application => mapping(uint64 session => bool)) internal _appSessionSeen;

    mapping(bytes32 claimKey => uint256) public paidPerClaim;
    mapping(bytes32 claimKey => uint256) public settlements;
    mapping(bytes32 claimKey => uint256) public slashedPerClaim;
    mapping(address application => mapping(uint64 session => uint256)) public paidPerAppSession;
    /// @dev stake + unbonding each supplier should hold: initial + staked - withdrawn - slashed (every slash checked).
    mapping(address supplier => uint256) public expectedSupplierHoldings;

    uint256 public totalPaid;
    uint256 public totalSlashed;
    uint256 public totalStaked; // stake added by the handler
    uint256 public totalWithdrawn;
    uint256 public doubleSettlements; // second settle calls that did not revert AlreadySettled
    uint256 public failedHonestProofs; // proofs of honest claims in their window that reverted
    uint256 public fabricatedProven; // fabricated claims that a proof got through
    uint256 public wrongSlashes; // a settle that slashed a claim that was proven or not required
    uint256 public wrongPays; // a settle that paid a required-but-unproven claim, or not amount * min(1, B/T)
    uint256 public slashAboveCollateral; // a claim slash larger than the claim's collateral
    uint256 public blockedWithdrawals; // withdrawApplication refused for unsettled claims
    uint256 public withdrawnWithUnsettledClaims; // withdrawApplication that succeeded with claims unsettled
    uint256 public unexpectedReverts;
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
        for (uint256 i; i < suppliers_.length; ++i) {
            (uint256 stake, uint256 unbonding,) = registry_.supplierStake(suppliers_[i]);
            expectedSupplierHoldings[suppliers_[i]] = stake + unbonding;
        }
    }

    // ───────────────────────────── actions ─────────────────────────────

    function roll(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, 1, 12));
        ++calls["roll"];
    }

    /// @dev Claims for the session whose claim window is open, rolling to the next claim window if none is.
    ///      relays % 3 == 0: a fabricated root (relays % 9 == 0: a large one, above the proof threshold).
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
        address supplier = suppliers[info.supplier];
        address application = applications[info.application];
        info.key = settlement.claimKeyOf(supplier, application, model, session);
        if (settlement.getClaim(info.key).supplier != address(0)) return;

        TrieNode memory root;
        if (relays % 3 != 0) (info.honest, root) = _honestTrie(info, bound(relays, 1, MAX_RELAYS));
        if (!info.honest) {
            // A fabricated root: no proof can exist.
            uint256 maxSum = relays % 9 == 0 ? 600e18 : 40e18;
            root = TrieNode(
                keccak256(abi.encode(info.key)),
                uint128(bound(fakeSum, 1, maxSum)),
                uint64(bound(fakeCount, 1, 20))
            );
        }
        vm.prank(vm.addr(_operatorKeys[info.supplier]));
        try settlement.claim(supplier, application, model, session, root) {
            _claims.push(info);
            if (!_appSessionSeen[application][session]) {
                _appSessionSeen[application][session] = true;
                _appSessions.push(AppSession(application, session));
            }
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            ++calls[info.honest ? bytes32("claimHonest") : bytes32("claimFabricated")];
            ++calls["claim"];
        } catch (bytes memory reason) {
            delete _nonces[info.key];
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            if (bytes4(reason) == IAviarySettlement.InsufficientCollateral.selector) ++calls["claimRefused"];
            else ++unexpectedReverts;
        }
    }

    /// @dev Proves one of the honest, unproven claims whose proof window has not passed (rolling into it).
    function prove(uint256 claimSeed) external {
        (bool found, ClaimInfo memory info) = _provable(claimSeed, true);
        if (!found) return;
        try settlement.prove(info.key, _drawnProofs(info)) {
            ++calls["prove"];
        } catch {
            ++failedHonestProofs;
        }
    }

    /// @dev Tries to prove a fabricated claim with real signed relays of its parties: it must never pass.
    function proveFabricated(uint256 claimSeed) external {
        (bool found, ClaimInfo memory info) = _provable(claimSeed, false);
        if (!found) return;
        LeafValue memory value = _relay(info, _nonce++);
        LeafProof[] memory proofs = new LeafProof[](1);
        proofs[0] = LeafProof({leaf: value, sideNodes: new TrieNode[](0), emptyMask: 0});
        try settlement.prove(info.key, proofs) {
            ++fabricatedProven;
        } catch {
            ++calls["proveFabricatedRefused"];
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

    /// @dev Settles an unsettled claim (rolling to its settlement window), or one in four times any claim (so
    ///      repeated settlements are tried too).
    function settle(uint256 claimSeed) external {
        if (_claims.length == 0) return;
        ClaimInfo memory info = _claims[(claimSeed >> 2) % _claims.length];
        if (claimSeed % 4 != 0) {
            for (uint256 i; i < _claims.length; ++i) {
                ClaimInfo memory candidate = _claims[(claimSeed + i) % _claims.length];
                if (settlements[candidate.key] == 0) {
                    info = candidate;
                    break;
                }
            }
        }
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
        address application = applications[info.application];
        Claim memory before = settlement.getClaim(info.key);
        bool slashable = !before.proven && settlement.isProofRequired(info.key);
        uint256 expectedPay = _expectedPay(application, info.session, before.amount);
        uint256 held = _supplierHoldings(supplier);

        uint256 paid = settlement.settle(info.key);

        uint256 slashed = held - _supplierHoldings(supplier);
        if (slashed != 0 && !slashable) ++wrongSlashes;
        if (slashed > before.collateral) ++slashAboveCollateral;
        if (slashable ? paid != 0 : paid != expectedPay) ++wrongPays;
        expectedSupplierHoldings[supplier] -= slashed;
        slashedPerClaim[info.key] = slashed;
        totalSlashed += slashed;
        settlements[info.key] += 1;
        paidPerClaim[info.key] += paid;
        paidPerAppSession[application][info.session] += paid;
        totalPaid += paid;
        if (slashable) ++calls["settleSlashed"];
        else if (paid == 0) ++calls["settleZero"];
        else ++calls["settlePaid"];
    }

    function reportEquivocation(uint256 supplierSeed, uint64 outputUnits) external {
        uint256 index = supplierSeed % suppliers.length;
        RelayRequest memory request = _request(index, 0, settlement.currentSession(), _nonce++);
        RelayReceipt memory a = _receipt(request, 10, outputUnits);
        RelayReceipt memory b = _receipt(request, 10, outputUnits == type(uint64).max ? 0 : outputUnits + 1);
        bytes memory signatureA = signDigest(_operatorKeys[index], settlement.hashRelayReceipt(a));
        bytes memory signatureB = signDigest(_operatorKeys[index], settlement.hashRelayReceipt(b));
        address supplier = suppliers[index];
        uint256 held = _supplierHoldings(supplier);
        settlement.reportEquivocation(request, a, signatureA, b, signatureB);
        uint256 slashed = held - _supplierHoldings(supplier);
        expectedSupplierHoldings[supplier] -= slashed;
        totalSlashed += slashed;
        ++calls["equivocation"];
    }

    /// @dev Applications top up or unstake (unbonding stays payable), which moves later sessions' budgets.
    function changeApplicationStake(uint256 applicationSeed, uint256 amount, bool add) external {
        address application = applications[applicationSeed % applications.length];
        if (add) {
            (uint256 current,,) = registry.applicationStake(application);
            uint256 minimum = registry.params().minApplicationStake;
            // Payments may have taken the stake below the minimum: a top-up must reach it again.
            amount = bound(amount, current >= minimum ? 1 : minimum - current, 100e18);
            _mintAndApprove(application, amount);
            vm.prank(application);
            registry.stakeApplication(amount);
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

    /// @dev Withdrawal is refused while claims on the application are unsettled, and only then.
    function withdrawApplication(uint256 applicationSeed) external {
        address application = applications[applicationSeed % applications.length];
        (, uint256 unbonding, uint64 release) = registry.applicationStake(application);
        if (unbonding == 0 || registry.currentSession() < release) return;
        uint256 unsettled = registry.unsettledClaimsOf(application);
        vm.prank(application);
        try registry.withdrawApplication() returns (uint256 amount) {
            if (unsettled != 0) ++withdrawnWithUnsettledClaims;
            totalWithdrawn += amount;
            ++calls["withdrawApplication"];
        } catch (bytes memory reason) {
            if (
                unsettled != 0
                    && keccak256(reason)
                        == keccak256(abi.encodeWithSelector(IAviaryRegistry.UnsettledClaims.selector, application, unsettled))
            ) {
                ++blockedWithdrawals;
            } else {
                ++unexpectedReverts;
            }
        }
    }

    /// @dev Suppliers top up, unstake unlocked stake (keeping zero or at least the minimum) or withdraw.
    function changeSupplierStake(uint256 supplierSeed, uint256 amount, uint8 action) external {
        address supplier = suppliers[supplierSeed % suppliers.length];
        uint256 minimum = registry.params().minSupplierStake;
        (uint256 stake, uint256 unbonding, uint64 release) = registry.supplierStake(supplier);
        if (action % 3 == 0) {
            amount = bound(amount, stake >= minimum ? 1 : minimum - stake, 500e18);
            _mintAndApprove(supplier, amount);
            vm.prank(supplier);
            registry.stakeSupplier(amount, address(0), "");
            totalStaked += amount;
            expectedSupplierHoldings[supplier] += amount;
            ++calls["supplierStake"];
        } else if (action % 3 == 1) {
            (, uint256 unlocked) = registry.supplierCollateral(supplier);
            if (unlocked == 0) return;
            amount = bound(amount, 1, unlocked);
            uint256 remaining = stake - amount;
            if (remaining != 0 && remaining < minimum) {
                // Leave exactly the minimum, or (when that is impossible) unstake everything.
                amount = stake > minimum ? stake - minimum : stake;
                if (amount > unlocked) return;
            }
            vm.prank(supplier);
            registry.unstakeSupplier(amount);
            ++calls["supplierUnstake"];
        } else {
            if (unbonding == 0 || registry.currentSession() < release) return;
            vm.prank(supplier);
            uint256 withdrawn = registry.withdrawSupplier();
            expectedSupplierHoldings[supplier] -= withdrawn;
            totalWithdrawn += withdrawn;
            ++calls["supplierWithdraw"];
        }
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

    function supplierCount() external view returns (uint256) {
        return suppliers.length;
    }

    function applicationCount() external view returns (uint256) {
        return applications.length;
    }

    // ───────────────────────────── internals ─────────────────────────────

    function _supplierHoldings(address supplier) internal view returns (uint256) {
        (uint256 stake, uint256 unbonding,) = registry.supplierStake(supplier);
        return stake + unbonding;
    }

    /// @dev amount * min(1, budget / total), capped at what the application still holds (as settle computes it).
    function _expectedPay(address application, uint64 session, uint256 amount) internal view returns (uint256 pay) {
        uint256 budget = settlement.sessionBudget(application, session);
        uint256 total = settlement.sessionTotal(application, session);
        pay = total <= budget ? amount : amount * budget / total;
        (uint256 stake, uint256 unbonding,) = registry.applicationStake(application);
        if (pay > stake + unbonding) pay = stake + unbonding;
    }

    /// @dev The latest claim (of the requested kind, unproven) whose proof window is not over; rolls into it.
    function _provable(uint256 claimSeed, bool honest) internal returns (bool found, ClaimInfo memory info) {
        ClaimInfo[] memory candidates = new ClaimInfo[](_claims.length);
        uint256 count;
        for (uint256 i = _claims.length; i > 0; --i) {
            ClaimInfo memory candidate = _claims[i - 1];
            (,,, uint256 end,) = settlement.windows(candidate.session);
            if (block.number > end) break; // claims are pushed in session order
            if (candidate.honest == honest && !settlement.getClaim(candidate.key).proven) {
                candidates[count++] = candidate;
            }
        }
        if (count == 0) return (false, info);
        info = candidates[claimSeed % count];
        (,, uint256 proofStart,,) = settlement.windows(info.session);
        if (block.number < proofStart) vm.roll(proofStart);
        found = true;
    }

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

    /// @dev An honest trie of `count` relays mined under the session's seed and difficulty (false if too few are).
    function _honestTrie(ClaimInfo memory info, uint256 count) internal returns (bool ok, TrieNode memory root) {
        bytes32 seed = settlement.miningSeed(info.session);
        if (seed == bytes32(0)) {
            (uint256 claimStart,,,,) = settlement.windows(info.session);
            seed = blockhash(claimStart - 1);
        }
        uint64 probability = settlement.miningProbabilityAt(model, info.session);
        uint64[] storage nonces = _nonces[info.key];
        for (uint256 tries; tries < 8 * count && nonces.length < count; ++tries) {
            uint64 nonce = _nonce++;
            RelayRequest memory request = _request(info.supplier, info.application, info.session, nonce);
            if (Probability.isMined(settlement.relayKey(request), seed, probability)) nonces.push(nonce);
        }
        if (nonces.length == 0) return (false, root);
        (, root) = _trie(info);
        ok = true;
    }

    function _drawnProofs(ClaimInfo memory info) internal view returns (LeafProof[] memory proofs) {
        (LeafValue[] memory values, TrieLeaf[] memory leaves) = _values(info);
        (uint256 sumDraw, uint256 countDraw) = settlement.proofDraws(info.key);
        TrieProof memory bySum = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, sumDraw);
        TrieProof memory byCount = TrieBuilder.drawnProof(leaves, ProofDraw.Count, countDraw);
        proofs = new LeafProof[](bySum.leafIndex == byCount.leafIndex ? 1 : 2);
        proofs[0] = LeafProof(values[bySum.leafIndex], bySum.sideNodes, bySum.emptyMask);
        if (proofs.length == 2) proofs[1] = LeafProof(values[byCount.leafIndex], byCount.sideNodes, byCount.emptyMask);
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

    function _relay(ClaimInfo memory info, uint64 nonce) internal view returns (LeafValue memory value) {
        RelayRequest memory request = _request(info.supplier, info.application, info.session, nonce);
        value.request = request;
        value.requestSignature = signDigest(_applicationKeys[info.application], settlement.relayKey(request));
        value.receipt = _receipt(request, uint64(1_000 + nonce % 1_000), uint64(nonce % 5_000_000));
        value.receiptSignature = signDigest(_operatorKeys[info.supplier], settlement.hashRelayReceipt(value.receipt));
    }

    function _values(ClaimInfo memory info) internal view returns (LeafValue[] memory values, TrieLeaf[] memory leaves) {
        uint64[] storage nonces = _nonces[info.key];
        values = new LeafValue[](nonces.length);
        leaves = new TrieLeaf[](nonces.length);
        for (uint256 i; i < nonces.length; ++i) {
            values[i] = _relay(info, nonces[i]);
            leaves[i] = _leafOf(values[i]);
        }
    }

    function _trie(ClaimInfo memory info) internal view returns (LeafValue[] memory values, TrieNode memory root) {
        TrieLeaf[] memory leaves;
        (values, leaves) = _values(info);
        root = TrieBuilder.root(leaves);
    }

    function _leafOf(LeafValue memory value) internal view returns (TrieLeaf memory) {
        return TrieLeaf({
            key: settlement.relayKey(value.request),
            valueHash: RelayHashing.valueHash(
                value.request, value.requestSignature, value.receipt, value.receiptSignature
            ),
            // forge-lint: disable-next-line(unsafe-typecast) — bounded test values
            weight: uint128(RelayHashing.cost(value.request, value.receipt))
        });
    }

    function _mintAndApprove(address account, uint256 amount) internal {
        token.mint(account, amount);
        vm.prank(account);
        token.approve(address(registry), amount);
    }
}
