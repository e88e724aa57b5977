// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Model, ModelKind, Parameter, RegistryParams} from "../types/AviaryTypes.sol";

/// @title Aviary registry: models, suppliers, applications, gateways and their stakes (protocol.md §2–§3).
/// @notice Holds every staked token. Everything settlement reads is readable as of a session:
///         - application stake "at session s" is the stake after the session's first block (s * L);
///         - delegations, offers and operator changes take effect at the next session's first block;
///         - history is kept with checkpoints, so any past session can be read later.
/// Session s spans blocks [s*L, (s+1)*L - 1]. Unstaking moves tokens into unbonding, still payable and
/// slashable, withdrawable once `unbondingSessions` whole sessions have passed.
/// Claim collateral: settlement locks part of a supplier's stake per claim; locked stake cannot be unstaked,
/// and settlement unlocks or slashes it. An application cannot withdraw while claims on it are unsettled.
interface IAviaryRegistry {
    // ───────────────────────────── errors ─────────────────────────────
    /// @notice A deployment parameter is out of range.
    error InvalidParameter(Parameter parameter);
    error NotSettlement(address caller);
    error NotDeployer(address caller);
    error SettlementAlreadySet(address settlement);
    error ModelAlreadyRegistered(bytes32 modelId);
    error ModelNotRegistered(bytes32 modelId);
    error NotModelSource(bytes32 modelId, address caller);
    error SourceShareTooHigh(uint16 shareBps, uint16 maxShareBps);
    error InvalidModel(string reason);
    error StakeTooLow(uint256 stake, uint256 minimum);
    error ZeroAmount();
    error ZeroAddress();
    error NotSupplier(address account);
    error NotApplication(address account);
    error NotGateway(address account);
    error InsufficientStake(uint256 requested, uint256 available);
    error NothingToWithdraw(address account);
    error TooManyDelegates(address application, uint8 maximum);
    error AlreadyDelegated(address application, address gateway);
    error NotDelegated(address application, address gateway);
    error EmptyEndpoint();
    /// @notice The supplier's unlocked stake is smaller than `requested` (locked collateral cannot be unstaked).
    error InsufficientUnlockedStake(address supplier, uint256 requested, uint256 available);
    /// @notice The application has `count` unsettled claims: settle them before withdrawing.
    error UnsettledClaims(address application, uint256 count);

    // ───────────────────────────── events ─────────────────────────────
    event SettlementSet(address indexed settlement);
    event ModelRegistered(
        bytes32 indexed modelId, string name, bytes32 weightsDigest, string uri, ModelKind kind, address indexed source, uint16 sourceShareBps
    );
    event ModelUpdated(bytes32 indexed modelId, string uri, address indexed source);
    event SupplierStaked(address indexed supplier, address indexed operator, uint256 amount, uint256 totalStake, string endpoint);
    event SupplierEndpointSet(address indexed supplier, string endpoint);
    event SupplierOperatorSet(address indexed supplier, address indexed operator, uint64 effectiveSession);
    event OfferSet(address indexed supplier, bytes32 indexed model, uint128 inputPrice, uint128 outputPrice, uint64 effectiveSession);
    event OfferRemoved(address indexed supplier, bytes32 indexed model, uint64 effectiveSession);
    event ApplicationStaked(address indexed application, uint256 amount, uint256 totalStake);
    event Delegated(address indexed application, address indexed gateway, uint64 effectiveSession);
    event Undelegated(address indexed application, address indexed gateway, uint64 effectiveSession);
    event GatewayStaked(address indexed gateway, uint256 amount, uint256 totalStake, string metadataUrl);
    event Unstaked(address indexed account, uint8 indexed role, uint256 amount, uint64 releaseSession);
    event Withdrawn(address indexed account, uint8 indexed role, uint256 amount);
    /// @notice Every token that leaves an application's stake through settlement.
    event ApplicationPaid(address indexed application, address indexed to, uint256 amount);
    /// @notice Every token taken from a supplier's stake by settlement.
    event SupplierSlashed(address indexed supplier, address indexed to, uint256 amount);
    /// @notice Claim collateral locked in (positive) or released from (negative) a supplier's stake; `locked` is
    ///         the new total.
    event SupplierCollateralChanged(address indexed supplier, int256 change, uint256 locked);

    // Roles used in Unstaked / Withdrawn.
    // 0 = supplier, 1 = application, 2 = gateway

    // ───────────────────────────── setup ─────────────────────────────
    /// @notice Sets the only contract allowed to pay from stakes. Callable once, by the deployer.
    function setSettlement(address settlement) external;
    function settlement() external view returns (address);
    function token() external view returns (address);
    function params() external view returns (RegistryParams memory);
    /// @notice Session number of `blockNumber`: blockNumber / sessionBlocks.
    function sessionOf(uint256 blockNumber) external view returns (uint64);
    function currentSession() external view returns (uint64);

    // ───────────────────────────── models ─────────────────────────────
    /// @notice Registers a model; the caller pays `modelFee` to the treasury. modelId = keccak256(bytes(name)).
    /// @dev Reverts ModelAlreadyRegistered, SourceShareTooHigh, InvalidModel (empty name/uri, zero digest), ZeroAddress.
    function registerModel(string calldata name, bytes32 weightsDigest, string calldata uri, ModelKind kind, address source, uint16 sourceShareBps)
        external
        returns (bytes32 modelId);
    /// @notice The source may change uri and payee, never the digest (a new digest is a new model).
    function updateModel(bytes32 modelId, string calldata uri, address source) external;
    function getModel(bytes32 modelId) external view returns (Model memory);

    // ───────────────────────────── suppliers ─────────────────────────────
    /// @notice Stakes `amount` (transferFrom the caller, who becomes or is the supplier/owner).
    ///         First call registers with `operator` and `endpoint` (total must reach minSupplierStake);
    ///         later calls add stake (operator/endpoint arguments are then ignored).
    function stakeSupplier(uint256 amount, address operator, string calldata endpoint) external;
    function setSupplierEndpoint(string calldata endpoint) external;
    /// @notice Takes effect at the next session.
    function setSupplierOperator(address operator) external;
    /// @notice Offer (token wei per unit); takes effect at the next session.
    function setOffer(bytes32 model, uint128 inputPrice, uint128 outputPrice) external;
    function removeOffer(bytes32 model) external;
    /// @notice Moves `amount` of unlocked stake into unbonding; the rest must stay >= minSupplierStake or be zero.
    function unstakeSupplier(uint256 amount) external;
    function withdrawSupplier() external returns (uint256 amount);

    function supplierStake(address supplier) external view returns (uint256 stake, uint256 unbonding, uint64 releaseSession);
    /// @notice Stake locked as claim collateral, and the stake still free to back new claims or to unstake.
    function supplierCollateral(address supplier) external view returns (uint256 locked, uint256 unlocked);
    function supplierEndpoint(address supplier) external view returns (string memory);
    function supplierOperatorAt(address supplier, uint64 session) external view returns (address);
    function offerAt(address supplier, bytes32 model, uint64 session)
        external
        view
        returns (bool active, uint128 inputPrice, uint128 outputPrice);
    /// @notice Every supplier that ever staked, for discovery (paged).
    function suppliers(uint256 offset, uint256 limit) external view returns (address[] memory);
    function supplierCount() external view returns (uint256);

    // ───────────────────────────── applications ─────────────────────────────
    function stakeApplication(uint256 amount) external;
    function unstakeApplication(uint256 amount) external;
    /// @notice Reverts UnsettledClaims while claims on the application are unsettled.
    function withdrawApplication() external returns (uint256 amount);
    /// @notice Takes effect at the next session. The gateway must be staked.
    function delegate(address gateway) external;
    function undelegate(address gateway) external;

    function applicationStake(address application) external view returns (uint256 stake, uint256 unbonding, uint64 releaseSession);
    /// @notice Stake after block session * sessionBlocks (the session's first block).
    function applicationStakeAt(address application, uint64 session) external view returns (uint256);
    /// @notice Claims on the application that are not settled yet.
    function unsettledClaimsOf(address application) external view returns (uint256);
    function isDelegatedAt(address application, address gateway, uint64 session) external view returns (bool);
    function delegatesOf(address application) external view returns (address[] memory);

    // ───────────────────────────── gateways ─────────────────────────────
    function stakeGateway(uint256 amount, string calldata metadataUrl) external;
    function unstakeGateway(uint256 amount) external;
    function withdrawGateway() external returns (uint256 amount);
    function gatewayStake(address gateway) external view returns (uint256 stake, uint256 unbonding, uint64 releaseSession);
    function gatewayMetadataUrl(address gateway) external view returns (string memory);

    // ───────────────────────────── settlement hooks ─────────────────────────────
    /// @notice Pays up to `amount` from the application's stake, then its unbonding, to `to`.
    /// @return paid what was actually available and transferred. Only the settlement contract.
    function payFromApplication(address application, address to, uint256 amount) external returns (uint256 paid);
    /// @notice Takes up to `amount` from the supplier's unlocked stake, then unbonding, then locked stake (which then
    ///         shrinks too), and transfers it to `to`. Only the settlement contract.
    /// @return slashed what was actually taken.
    function slashSupplier(address supplier, uint256 amount, address to) external returns (uint256 slashed);
    /// @notice Locks `amount` of the supplier's unlocked stake (InsufficientUnlockedStake) for a claim on
    ///         `application`, whose unsettled-claim count goes up by one. Only the settlement contract.
    function lockClaimCollateral(address supplier, address application, uint256 amount) external;
    /// @notice Settles a claim's collateral: takes `slash` of it (at most what is locked) to `to`, unlocks the rest
    ///         of `amount`, and lowers the application's unsettled-claim count. Only the settlement contract.
    /// @return slashed what was actually taken.
    function releaseClaimCollateral(address supplier, address application, uint256 amount, uint256 slash, address to)
        external
        returns (uint256 slashed);
    /// @notice Sum of every stake and unbonding balance; equals the registry's token balance (invariant).
    function totalHeld() external view returns (uint256);
}
