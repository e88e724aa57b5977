// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {IAviaryRegistry} from "./interfaces/IAviaryRegistry.sol";
import {SessionWindows} from "./libraries/SessionWindows.sol";
import {Model, ModelKind, Parameter, RegistryParams} from "./types/AviaryTypes.sol";

/// @title Aviary registry: models, suppliers, applications, gateways and their stakes (protocol.md §2–§3).
/// @notice The spec is {IAviaryRegistry}. This contract holds every staked and unbonding token; `totalHeld`
///         is a running sum of them and always equals the token balance of this contract (for a token without
///         transfer fees or rebasing, which the registry does not support).
/// @dev History:
///      - application stake: a checkpoint per change, keyed by block number; read at block session * L;
///      - supplier operator, offers and delegations: checkpoints keyed by the session from which they apply
///        (changes are written for `currentSession() + 1`; the operator given at the first stake applies from
///        the session of that stake).
///      An account is "staked" in a role while its stake is non-zero and at least that role's minimum.
///      Every state change follows checks, effects, interactions, then the event.
contract AviaryRegistry is IAviaryRegistry {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    uint8 internal constant ROLE_SUPPLIER = 0;
    uint8 internal constant ROLE_APPLICATION = 1;
    uint8 internal constant ROLE_GATEWAY = 2;

    /// @dev Stake and unbonding balance of one account in one role.
    struct Account {
        uint256 stake;
        uint256 unbonding;
        uint64 releaseSession;
    }



    /// @dev One offer; the history of (supplier, model) stores `index + 1` into `_offers` (0 = no offer).
    struct Offer {
        uint128 inputPrice;
        uint128 outputPrice;
    }

    IERC20 internal immutable _token;
    address internal immutable _deployer;

    uint64 internal immutable _sessionBlocks;
    uint64 internal immutable _graceBlocks;
    uint64 internal immutable _claimBlocks;
    uint64 internal immutable _proofBlocks;
    uint256 internal immutable _minSupplierStake;
    uint256 internal immutable _minApplicationStake;
    uint256 internal immutable _minGatewayStake;
    uint256 internal immutable _modelFee;
    uint16 internal immutable _maxSourceShareBps;
    uint8 internal immutable _maxDelegates;
    uint64 internal immutable _supplierUnbondingSessions;
    uint64 internal immutable _applicationUnbondingSessions;
    uint64 internal immutable _gatewayUnbondingSessions;
    address internal immutable _treasury;

    /// @inheritdoc IAviaryRegistry
    address public settlement;
    /// @inheritdoc IAviaryRegistry
    uint256 public totalHeld;

    mapping(bytes32 modelId => Model) internal _models;

    mapping(address supplier => Account) internal _suppliers;
    mapping(address supplier => string) internal _supplierEndpoints;
    mapping(address supplier => Checkpoints.Trace208) internal _supplierOperators; // session => operator
    mapping(address supplier => bool) internal _supplierRegistered;
    address[] internal _supplierList;
    Offer[] internal _offers;
    mapping(address supplier => mapping(bytes32 model => Checkpoints.Trace208)) internal _offerHistory; // session => index+1

    mapping(address supplier => uint256) internal _lockedCollateral;

    mapping(address application => Account) internal _applications;
    mapping(address application => uint256) internal _unsettledClaims;
    mapping(address application => Checkpoints.Trace208) internal _applicationStakeHistory; // block => stake
    mapping(address application => mapping(address gateway => Checkpoints.Trace208)) internal _delegations; // session => 0/1
    mapping(address application => address[]) internal _delegates;
    mapping(address application => mapping(address gateway => uint256)) internal _delegateIndex; // index + 1

    mapping(address gateway => Account) internal _gateways;
    mapping(address gateway => string) internal _gatewayMetadataUrls;

    modifier onlySettlement() {
        if (msg.sender != settlement) revert NotSettlement(msg.sender);
        _;
    }

    /// @param token_ the staking and payment token (plain ERC-20: no transfer fee, no rebasing).
    /// @param params_ fixed parameters; reverts InvalidParameter when the session windows cannot work.
    constructor(IERC20 token_, RegistryParams memory params_) {
        if (address(token_) == address(0)) revert InvalidParameter(Parameter.Token);
        if (params_.sessionBlocks == 0) revert InvalidParameter(Parameter.SessionBlocks);
        if (params_.claimBlocks == 0) revert InvalidParameter(Parameter.ClaimBlocks);
        if (params_.proofBlocks == 0) revert InvalidParameter(Parameter.ProofBlocks);
        // The claim window of session s ([E + g + 2, E + g + 1 + c]) ends inside session s + 1, so a session's
        // claims are all in before the difficulty of the session after next is fixed.
        if (uint256(params_.graceBlocks) + 1 + params_.claimBlocks > params_.sessionBlocks) {
            revert InvalidParameter(Parameter.GraceAndClaimBlocks);
        }
        // blockhash reaches 256 blocks back: the mining seed (M) is read in the claim window and the proof seed
        // (B = M + c) in the proof window, which must end within 256 blocks of M.
        if (uint256(params_.claimBlocks) + params_.proofBlocks >= 256) revert InvalidParameter(Parameter.SeedReach);
        if (params_.maxSourceShareBps > 10_000) revert InvalidParameter(Parameter.MaxSourceShareBps);
        if (params_.treasury == address(0)) revert InvalidParameter(Parameter.Treasury);
        if (params_.maxDelegates == 0) revert InvalidParameter(Parameter.MaxDelegates);
        // An application's unstaked tokens stay payable until every session its stake budgeted for has settled.
        uint256 pending = SessionWindows.pendingSessions(
            params_.sessionBlocks, params_.graceBlocks, params_.claimBlocks, params_.proofBlocks
        );
        if (params_.applicationUnbondingSessions < pending + 1) {
            revert InvalidParameter(Parameter.ApplicationUnbondingSessions);
        }

        _token = token_;
        _deployer = msg.sender;
        _sessionBlocks = params_.sessionBlocks;
        _graceBlocks = params_.graceBlocks;
        _claimBlocks = params_.claimBlocks;
        _proofBlocks = params_.proofBlocks;
        _minSupplierStake = params_.minSupplierStake;
        _minApplicationStake = params_.minApplicationStake;
        _minGatewayStake = params_.minGatewayStake;
        _modelFee = params_.modelFee;
        _maxSourceShareBps = params_.maxSourceShareBps;
        _maxDelegates = params_.maxDelegates;
        _supplierUnbondingSessions = params_.supplierUnbondingSessions;
        _applicationUnbondingSessions = params_.applicationUnbondingSessions;
        _gatewayUnbondingSessions = params_.gatewayUnbondingSessions;
        _treasury = params_.treasury;
    }

    // ───────────────────────────── setup ─────────────────────────────

    /// @inheritdoc IAviaryRegistry
    function setSettlement(address settlement_) external {
        if (msg.sender != _deployer) revert NotDeployer(msg.sender);
        if (settlement != address(0)) revert SettlementAlreadySet(settlement);
        if (settlement_ == address(0)) revert ZeroAddress();
        settlement = settlement_;
        emit SettlementSet(settlement_);
    }

    /// @inheritdoc IAviaryRegistry
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IAviaryRegistry
    function params() external view returns (RegistryParams memory) {
        return RegistryParams({
            sessionBlocks: _sessionBlocks,
            graceBlocks: _graceBlocks,
            claimBlocks: _claimBlocks,
            proofBlocks: _proofBlocks,
            minSupplierStake: _minSupplierStake,
            minApplicationStake: _minApplicationStake,
            minGatewayStake: _minGatewayStake,
            modelFee: _modelFee,
            maxSourceShareBps: _maxSourceShareBps,
            maxDelegates: _maxDelegates,
            supplierUnbondingSessions: _supplierUnbondingSessions,
            applicationUnbondingSessions: _applicationUnbondingSessions,
            gatewayUnbondingSessions: _gatewayUnbondingSessions,
            treasury: _treasury
        });
    }

    /// @inheritdoc IAviaryRegistry
    function sessionOf(uint256 blockNumber) public view returns (uint64) {
        return SafeCast.toUint64(blockNumber / _sessionBlocks);
    }

    /// @inheritdoc IAviaryRegistry
    function currentSession() public view returns (uint64) {
        return sessionOf(block.number);
    }

    // ───────────────────────────── models ─────────────────────────────

    /// @inheritdoc IAviaryRegistry
    function registerModel(
        string calldata name,
        bytes32 weightsDigest,
        string calldata uri,
        ModelKind kind,
        address source,
        uint16 sourceShareBps
    ) external returns (bytes32 modelId) {
        if (bytes(name).length == 0) revert InvalidModel("empty name");
        if (bytes(uri).length == 0) revert InvalidModel("empty uri");
        if (weightsDigest == bytes32(0)) revert InvalidModel("zero weightsDigest");
        if (source == address(0)) revert ZeroAddress();
        if (sourceShareBps > _maxSourceShareBps) revert SourceShareTooHigh(sourceShareBps, _maxSourceShareBps);
        modelId = keccak256(bytes(name));
        if (_isRegistered(modelId)) revert ModelAlreadyRegistered(modelId);

        _models[modelId] = Model({
            name: name,
            weightsDigest: weightsDigest,
            uri: uri,
            kind: kind,
            source: source,
            sourceShareBps: sourceShareBps,
            registeredAt: uint64(block.number)
        });

        // The fee goes straight to the treasury: it is never held, so totalHeld is unchanged.
        if (_modelFee != 0) _token.safeTransferFrom(msg.sender, _treasury, _modelFee);

        emit ModelRegistered(modelId, name, weightsDigest, uri, kind, source, sourceShareBps);
    }

    /// @inheritdoc IAviaryRegistry
    function updateModel(bytes32 modelId, string calldata uri, address source) external {
        Model storage model = _models[modelId];
        if (!_isRegistered(modelId)) revert ModelNotRegistered(modelId);
        if (msg.sender != model.source) revert NotModelSource(modelId, msg.sender);
        if (bytes(uri).length == 0) revert InvalidModel("empty uri");
        if (source == address(0)) revert ZeroAddress();

        model.uri = uri;
        model.source = source;

        emit ModelUpdated(modelId, uri, source);
    }

    /// @inheritdoc IAviaryRegistry
    /// @dev An unknown model reads as all zeroes (empty name).
    function getModel(bytes32 modelId) external view returns (Model memory) {
        return _models[modelId];
    }

    // ───────────────────────────── suppliers ─────────────────────────────

    /// @inheritdoc IAviaryRegistry
    function stakeSupplier(uint256 amount, address operator, string calldata endpoint) external {
        bool first = !_supplierRegistered[msg.sender];
        if (first) {
            if (operator == address(0)) revert ZeroAddress();
            if (bytes(endpoint).length == 0) revert EmptyEndpoint();
        }
        uint256 newStake = _addStake(_suppliers[msg.sender], amount, _minSupplierStake);

        if (first) {
            _supplierRegistered[msg.sender] = true;
            _supplierList.push(msg.sender);
            _supplierEndpoints[msg.sender] = endpoint;
            // The first operator applies from the session of the first stake.
            _supplierOperators[msg.sender].push(_key(currentSession()), uint160(operator));
        }

        _token.safeTransferFrom(msg.sender, address(this), amount);

        emit SupplierStaked(
            msg.sender,
            address(uint160(_supplierOperators[msg.sender].latest())),
            amount,
            newStake,
            _supplierEndpoints[msg.sender]
        );
    }

    /// @inheritdoc IAviaryRegistry
    function setSupplierEndpoint(string calldata endpoint) external {
        if (!_supplierRegistered[msg.sender]) revert NotSupplier(msg.sender);
        if (bytes(endpoint).length == 0) revert EmptyEndpoint();
        _supplierEndpoints[msg.sender] = endpoint;
        emit SupplierEndpointSet(msg.sender, endpoint);
    }

    /// @inheritdoc IAviaryRegistry
    function setSupplierOperator(address operator) external {
        if (!_supplierRegistered[msg.sender]) revert NotSupplier(msg.sender);
        if (operator == address(0)) revert ZeroAddress();
        uint64 effective = currentSession() + 1;
        _supplierOperators[msg.sender].push(_key(effective), uint160(operator));
        emit SupplierOperatorSet(msg.sender, operator, effective);
    }

    /// @inheritdoc IAviaryRegistry
    /// @dev The caller must be staked as a supplier and the model registered.
    function setOffer(bytes32 model, uint128 inputPrice, uint128 outputPrice) external {
        if (!_isStaked(_suppliers[msg.sender].stake, _minSupplierStake)) revert NotSupplier(msg.sender);
        if (!_isRegistered(model)) revert ModelNotRegistered(model);
        uint64 effective = currentSession() + 1;
        _offers.push(Offer({inputPrice: inputPrice, outputPrice: outputPrice}));
        _offerHistory[msg.sender][model].push(_key(effective), SafeCast.toUint208(_offers.length));
        emit OfferSet(msg.sender, model, inputPrice, outputPrice, effective);
    }

    /// @inheritdoc IAviaryRegistry
    /// @dev Any supplier that ever staked may remove an offer (also after unstaking everything).
    function removeOffer(bytes32 model) external {
        if (!_supplierRegistered[msg.sender]) revert NotSupplier(msg.sender);
        if (!_isRegistered(model)) revert ModelNotRegistered(model);
        uint64 effective = currentSession() + 1;
        _offerHistory[msg.sender][model].push(_key(effective), 0);
        emit OfferRemoved(msg.sender, model, effective);
    }

    /// @inheritdoc IAviaryRegistry
    function unstakeSupplier(uint256 amount) external {
        uint256 unlocked = _suppliers[msg.sender].stake - _lockedCollateral[msg.sender];
        if (amount > unlocked) revert InsufficientUnlockedStake(msg.sender, amount, unlocked);
        uint64 release = _unstake(_suppliers[msg.sender], amount, _minSupplierStake, _supplierUnbondingSessions);
        emit Unstaked(msg.sender, ROLE_SUPPLIER, amount, release);
    }

    /// @inheritdoc IAviaryRegistry
    function withdrawSupplier() external returns (uint256 amount) {
        amount = _withdraw(_suppliers[msg.sender]);
        _token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, ROLE_SUPPLIER, amount);
    }

    /// @inheritdoc IAviaryRegistry
    function supplierStake(address supplier)
        external
        view
        returns (uint256 stake, uint256 unbonding, uint64 releaseSession)
    {
        Account storage account = _suppliers[supplier];
        return (account.stake, account.unbonding, account.releaseSession);
    }

    /// @inheritdoc IAviaryRegistry
    function supplierCollateral(address supplier) external view returns (uint256 locked, uint256 unlocked) {
        locked = _lockedCollateral[supplier];
        unlocked = _suppliers[supplier].stake - locked;
    }

    /// @inheritdoc IAviaryRegistry
    function supplierEndpoint(address supplier) external view returns (string memory) {
        return _supplierEndpoints[supplier];
    }

    /// @inheritdoc IAviaryRegistry
    /// @dev Zero before the supplier's first stake.
    function supplierOperatorAt(address supplier, uint64 session) external view returns (address) {
        return address(uint160(_supplierOperators[supplier].upperLookupRecent(_lookupKey(session))));
    }

    /// @inheritdoc IAviaryRegistry
    function offerAt(address supplier, bytes32 model, uint64 session)
        external
        view
        returns (bool active, uint128 inputPrice, uint128 outputPrice)
    {
        uint256 index = _offerHistory[supplier][model].upperLookupRecent(_lookupKey(session));
        if (index == 0) return (false, 0, 0);
        Offer storage offer = _offers[index - 1];
        return (true, offer.inputPrice, offer.outputPrice);
    }

    /// @inheritdoc IAviaryRegistry
    function suppliers(uint256 offset, uint256 limit) external view returns (address[] memory page) {
        uint256 count = _supplierList.length;
        if (offset >= count) return new address[](0);
        uint256 end = count - offset < limit ? count : offset + limit;
        page = new address[](end - offset);
        for (uint256 i = 0; i < page.length; ++i) {
            page[i] = _supplierList[offset + i];
        }
    }

    /// @inheritdoc IAviaryRegistry
    function supplierCount() external view returns (uint256) {
        return _supplierList.length;
    }

    // ───────────────────────────── applications ─────────────────────────────

    /// @inheritdoc IAviaryRegistry
    function stakeApplication(uint256 amount) external {
        uint256 newStake = _addStake(_applications[msg.sender], amount, _minApplicationStake);
        _checkpointApplication(msg.sender, newStake);
        _token.safeTransferFrom(msg.sender, address(this), amount);
        emit ApplicationStaked(msg.sender, amount, newStake);
    }

    /// @inheritdoc IAviaryRegistry
    function unstakeApplication(uint256 amount) external {
        Account storage account = _applications[msg.sender];
        uint64 release = _unstake(account, amount, _minApplicationStake, _applicationUnbondingSessions);
        _checkpointApplication(msg.sender, account.stake);
        emit Unstaked(msg.sender, ROLE_APPLICATION, amount, release);
    }

    /// @inheritdoc IAviaryRegistry
    function withdrawApplication() external returns (uint256 amount) {
        uint256 unsettled = _unsettledClaims[msg.sender];
        if (unsettled != 0) revert UnsettledClaims(msg.sender, unsettled);
        amount = _withdraw(_applications[msg.sender]);
        _token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, ROLE_APPLICATION, amount);
    }

    /// @inheritdoc IAviaryRegistry
    /// @dev The caller must be staked as an application; at most maxDelegates current delegates.
    function delegate(address gateway) external {
        if (!_isStaked(_applications[msg.sender].stake, _minApplicationStake)) revert NotApplication(msg.sender);
        if (!_isStaked(_gateways[gateway].stake, _minGatewayStake)) revert NotGateway(gateway);
        if (_delegateIndex[msg.sender][gateway] != 0) revert AlreadyDelegated(msg.sender, gateway);
        address[] storage current = _delegates[msg.sender];
        if (current.length >= _maxDelegates) revert TooManyDelegates(msg.sender, _maxDelegates);

        current.push(gateway);
        _delegateIndex[msg.sender][gateway] = current.length;
        uint64 effective = currentSession() + 1;
        _delegations[msg.sender][gateway].push(_key(effective), 1);

        emit Delegated(msg.sender, gateway, effective);
    }

    /// @inheritdoc IAviaryRegistry
    function undelegate(address gateway) external {
        uint256 index = _delegateIndex[msg.sender][gateway];
        if (index == 0) revert NotDelegated(msg.sender, gateway);

        address[] storage current = _delegates[msg.sender];
        address last = current[current.length - 1];
        current[index - 1] = last;
        _delegateIndex[msg.sender][last] = index;
        current.pop();
        delete _delegateIndex[msg.sender][gateway];
        uint64 effective = currentSession() + 1;
        _delegations[msg.sender][gateway].push(_key(effective), 0);

        emit Undelegated(msg.sender, gateway, effective);
    }

    /// @inheritdoc IAviaryRegistry
    function applicationStake(address application)
        external
        view
        returns (uint256 stake, uint256 unbonding, uint64 releaseSession)
    {
        Account storage account = _applications[application];
        return (account.stake, account.unbonding, account.releaseSession);
    }

    /// @inheritdoc IAviaryRegistry
    /// @dev The stake at the end of block session * sessionBlocks (changes made in that block included).
    function applicationStakeAt(address application, uint64 session) external view returns (uint256) {
        uint256 blockNumber = uint256(session) * _sessionBlocks;
        // casting to 'uint48' is safe because larger values are clamped first
        // forge-lint: disable-next-line(unsafe-typecast)
        uint48 key = blockNumber > type(uint48).max ? type(uint48).max : uint48(blockNumber);
        return _applicationStakeHistory[application].upperLookupRecent(key);
    }

    /// @inheritdoc IAviaryRegistry
    function unsettledClaimsOf(address application) external view returns (uint256) {
        return _unsettledClaims[application];
    }

    /// @inheritdoc IAviaryRegistry
    function isDelegatedAt(address application, address gateway, uint64 session) external view returns (bool) {
        return _delegations[application][gateway].upperLookupRecent(_lookupKey(session)) != 0;
    }

    /// @inheritdoc IAviaryRegistry
    /// @dev The current set (delegations made and not undone), some of which may apply only from the next session.
    function delegatesOf(address application) external view returns (address[] memory) {
        return _delegates[application];
    }

    // ───────────────────────────── gateways ─────────────────────────────

    /// @inheritdoc IAviaryRegistry
    /// @dev A non-empty `metadataUrl` replaces the stored one; an empty one keeps it.
    function stakeGateway(uint256 amount, string calldata metadataUrl) external {
        uint256 newStake = _addStake(_gateways[msg.sender], amount, _minGatewayStake);
        if (bytes(metadataUrl).length != 0) _gatewayMetadataUrls[msg.sender] = metadataUrl;
        _token.safeTransferFrom(msg.sender, address(this), amount);
        emit GatewayStaked(msg.sender, amount, newStake, _gatewayMetadataUrls[msg.sender]);
    }

    /// @inheritdoc IAviaryRegistry
    function unstakeGateway(uint256 amount) external {
        uint64 release = _unstake(_gateways[msg.sender], amount, _minGatewayStake, _gatewayUnbondingSessions);
        emit Unstaked(msg.sender, ROLE_GATEWAY, amount, release);
    }

    /// @inheritdoc IAviaryRegistry
    function withdrawGateway() external returns (uint256 amount) {
        amount = _withdraw(_gateways[msg.sender]);
        _token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, ROLE_GATEWAY, amount);
    }

    /// @inheritdoc IAviaryRegistry
    function gatewayStake(address gateway)
        external
        view
        returns (uint256 stake, uint256 unbonding, uint64 releaseSession)
    {
        Account storage account = _gateways[gateway];
        return (account.stake, account.unbonding, account.releaseSession);
    }

    /// @inheritdoc IAviaryRegistry
    function gatewayMetadataUrl(address gateway) external view returns (string memory) {
        return _gatewayMetadataUrls[gateway];
    }

    // ───────────────────────────── settlement hooks ─────────────────────────────

    /// @inheritdoc IAviaryRegistry
    function payFromApplication(address application, address to, uint256 amount)
        external
        onlySettlement
        returns (uint256 paid)
    {
        if (to == address(0)) revert ZeroAddress();
        Account storage account = _applications[application];
        bool stakeChanged;
        (paid, stakeChanged) = _take(account, amount);
        if (paid == 0) return 0;
        if (stakeChanged) _checkpointApplication(application, account.stake);

        _token.safeTransfer(to, paid);

        emit ApplicationPaid(application, to, paid);
    }

    /// @inheritdoc IAviaryRegistry
    function slashSupplier(address supplier, uint256 amount, address to)
        external
        onlySettlement
        returns (uint256 slashed)
    {
        if (to == address(0)) revert ZeroAddress();
        Account storage account = _suppliers[supplier];
        uint256 locked = _lockedCollateral[supplier];
        uint256 stake = account.stake;
        // Unlocked stake first, then unbonding, then locked stake: claims stay backed as long as anything else is left.
        uint256 unlocked = stake - locked;
        uint256 fromUnlocked = amount < unlocked ? amount : unlocked;
        uint256 rest = amount - fromUnlocked;
        uint256 unbonding = account.unbonding;
        uint256 fromUnbonding = rest < unbonding ? rest : unbonding;
        rest -= fromUnbonding;
        uint256 fromLocked = rest < locked ? rest : locked;
        slashed = fromUnlocked + fromUnbonding + fromLocked;
        if (slashed == 0) return 0;

        account.stake = stake - fromUnlocked - fromLocked;
        account.unbonding = unbonding - fromUnbonding;
        totalHeld -= slashed;
        if (fromLocked != 0) {
            _lockedCollateral[supplier] = locked - fromLocked;
            emit SupplierCollateralChanged(supplier, -SafeCast.toInt256(fromLocked), locked - fromLocked);
        }

        _token.safeTransfer(to, slashed);

        emit SupplierSlashed(supplier, to, slashed);
    }

    /// @inheritdoc IAviaryRegistry
    function lockClaimCollateral(address supplier, address application, uint256 amount) external onlySettlement {
        uint256 locked = _lockedCollateral[supplier];
        uint256 unlocked = _suppliers[supplier].stake - locked;
        if (amount > unlocked) revert InsufficientUnlockedStake(supplier, amount, unlocked);

        _lockedCollateral[supplier] = locked + amount;
        ++_unsettledClaims[application];

        emit SupplierCollateralChanged(supplier, SafeCast.toInt256(amount), locked + amount);
    }

    /// @inheritdoc IAviaryRegistry
    function releaseClaimCollateral(address supplier, address application, uint256 amount, uint256 slash, address to)
        external
        onlySettlement
        returns (uint256 slashed)
    {
        if (to == address(0)) revert ZeroAddress();
        uint256 locked = _lockedCollateral[supplier];
        // An equivocation slash may have taken locked stake: release and slash what is left of this claim's part.
        uint256 release = amount < locked ? amount : locked;
        slashed = slash < release ? slash : release;

        _lockedCollateral[supplier] = locked - release;
        --_unsettledClaims[application];
        if (slashed != 0) {
            _suppliers[supplier].stake -= slashed;
            totalHeld -= slashed;
        }

        if (release != 0) emit SupplierCollateralChanged(supplier, -SafeCast.toInt256(release), locked - release);
        if (slashed != 0) {
            _token.safeTransfer(to, slashed);
            emit SupplierSlashed(supplier, to, slashed);
        }
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev Adds `amount` to the stake (effects only; the caller pulls the tokens). The resulting stake must
    ///      reach `minimum`, also after a top-up of a stake that settlement took below it.
    function _addStake(Account storage account, uint256 amount, uint256 minimum) internal returns (uint256 newStake) {
        if (amount == 0) revert ZeroAmount();
        newStake = account.stake + amount;
        if (newStake < minimum) revert StakeTooLow(newStake, minimum);
        account.stake = newStake;
        totalHeld += amount;
    }

    /// @dev Moves `amount` of stake into unbonding and pushes the release out to now + `unbondingSessions`.
    function _unstake(Account storage account, uint256 amount, uint256 minimum, uint64 unbondingSessions)
        internal
        returns (uint64 releaseSession)
    {
        if (amount == 0) revert ZeroAmount();
        uint256 stake = account.stake;
        if (amount > stake) revert InsufficientStake(amount, stake);
        uint256 remaining = stake - amount;
        if (remaining != 0 && remaining < minimum) revert StakeTooLow(remaining, minimum);

        releaseSession = currentSession() + unbondingSessions;
        account.stake = remaining;
        account.unbonding += amount;
        account.releaseSession = releaseSession;
    }

    /// @dev Empties a released unbonding balance (effects only; the caller transfers `amount`).
    function _withdraw(Account storage account) internal returns (uint256 amount) {
        amount = account.unbonding;
        if (amount == 0 || currentSession() < account.releaseSession) revert NothingToWithdraw(msg.sender);
        account.unbonding = 0;
        account.releaseSession = 0;
        totalHeld -= amount;
    }

    /// @dev Takes up to `amount` from the stake, then from unbonding (effects only).
    function _take(Account storage account, uint256 amount) internal returns (uint256 taken, bool stakeChanged) {
        uint256 stake = account.stake;
        uint256 fromStake = amount < stake ? amount : stake;
        uint256 unbonding = account.unbonding;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < unbonding ? rest : unbonding;
        taken = fromStake + fromUnbonding;
        if (fromStake != 0) {
            account.stake = stake - fromStake;
            stakeChanged = true;
        }
        if (fromUnbonding != 0) account.unbonding = unbonding - fromUnbonding;
        totalHeld -= taken;
    }

    function _checkpointApplication(address application, uint256 stake) internal {
        _applicationStakeHistory[application].push(SafeCast.toUint48(block.number), SafeCast.toUint208(stake));
    }

    function _isStaked(uint256 stake, uint256 minimum) internal pure returns (bool) {
        return stake != 0 && stake >= minimum;
    }

    function _isRegistered(bytes32 modelId) internal view returns (bool) {
        return bytes(_models[modelId].name).length != 0;
    }

    /// @dev Checkpoint key for a session being written (reverts past uint48, which no chain reaches).
    function _key(uint64 session) internal pure returns (uint48) {
        return SafeCast.toUint48(session);
    }

    /// @dev Checkpoint key for a session being read: sessions past uint48 read the latest value.
    function _lookupKey(uint64 session) internal pure returns (uint48) {
        // casting to 'uint48' is safe because larger values are clamped first
        // forge-lint: disable-next-line(unsafe-typecast)
        return session > type(uint48).max ? type(uint48).max : uint48(session);
    }
}
