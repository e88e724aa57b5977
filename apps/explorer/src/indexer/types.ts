import type { Address, Hex } from "viem";

/** The registry's session rules (`params()`), the settlement's proof rules (`params()`). */
export type NetworkParams = {
  sessionBlocks: bigint;
  graceBlocks: bigint;
  claimBlocks: bigint;
  proofBlocks: bigint;
  minSupplierStake: bigint;
  treasury: Address;
  protocolShareBps: number;
  proofThreshold: bigint;
  proofProbabilityWad: bigint;
  missingProofPenalty: bigint;
  /** Every model's mining probability until its first difficulty update (wad). */
  initialMiningProbabilityWad: bigint;
};

/** `kind` of a registered model, by its `ModelKind` enum value. */
export const modelKindNames = ["chat", "completion", "embedding", "image"] as const;

export type IndexedModel = {
  id: Hex;
  name: string;
  weightsDigest: Hex;
  uri: string;
  kind: string;
  source: Address;
  sourceShareBps: number;
  registeredAt: bigint;
  /** Latest mining probability from DifficultyUpdated (wad); undefined until the first update. */
  probabilityWad: bigint | undefined;
};

/** A stake as the registry's `<role>Stake(address)` view returns it. */
export type Stake = { stake: bigint; unbonding: bigint; releaseSession: bigint };

export type IndexedOffer = {
  model: Hex;
  inputPrice: bigint;
  outputPrice: bigint;
  effectiveSession: bigint;
  /** False once an OfferRemoved was seen (from `effectiveSession`). */
  active: boolean;
};

export type IndexedSupplier = {
  address: Address;
  operator: Address;
  endpoint: string;
  stakedAt: bigint;
  stake: Stake;
  offers: Map<Hex, IndexedOffer>;
  /** Stake locked as collateral by unsettled claims (the registry's `SupplierCollateralChanged.locked`). */
  lockedCollateral: bigint;
  /** Tokens taken from the stake by settlement (missing proofs, equivocation): the sum of `SupplierSlashed`. */
  slashed: bigint;
};

export type IndexedApplication = {
  address: Address;
  stake: Stake;
  /** Gateways it delegates to, with the session the delegation took effect. */
  delegations: Map<Address, bigint>;
  /** Tokens paid from its stake by settlement. */
  paid: bigint;
};

export type IndexedGateway = { address: Address; metadataUrl: string; stake: Stake };

export type IndexedClaim = {
  claimKey: Hex;
  supplier: Address;
  application: Address;
  model: Hex;
  session: bigint;
  rootHash: Hex;
  rootSum: bigint;
  rootCount: bigint;
  amount: bigint;
  /** The supplier's stake the claim locked: `max(missingProofPenalty, amount)`. */
  collateral: bigint;
  claimedAt: bigint;
  claimTransaction: Hex;
  /** Known once the session's proof seed is on chain; undefined before. */
  proofRequired: boolean | undefined;
  /**
   * The two drawn leaves the proof showed (protocol.md §6): by sum and by count; the same relay key when
   * both draws landed on one leaf.
   */
  proof: { sumRelayKey: Hex; countRelayKey: Hex; block: bigint; transaction: Hex } | undefined;
  /** Set when settlement unlocked the collateral (the claim was not slashed). */
  collateralReleased: { amount: bigint; block: bigint } | undefined;
  settlement:
    | {
        paid: bigint;
        toSource: bigint;
        toTreasury: bigint;
        toSupplier: bigint;
        block: bigint;
        transaction: Hex;
      }
    | undefined;
  /** Set when settlement found a required proof missing: what was slashed from the supplier. */
  proofMissing: { slashed: bigint } | undefined;
};

export type IndexedSession = {
  session: bigint;
  miningSeed: Hex | undefined;
  proofSeed: Hex | undefined;
  claimKeys: Hex[];
};

export type EquivocationReport = {
  relayKey: Hex;
  supplier: Address;
  reporter: Address;
  slashed: bigint;
  reward: bigint;
  block: bigint;
  transaction: Hex;
};

/** Why settlement slashed a supplier. */
export type SlashReason = "missing proof" | "equivocation";

/**
 * One slash of a supplier's stake, from the settlement event that says why: `ProofMissing` (the claim's
 * whole collateral) or `EquivocationReported` (the equivocation penalty, for one relay).
 */
export type SupplierSlash = {
  supplier: Address;
  reason: SlashReason;
  /** The claim slashed for its missing proof; for an equivocation, see `relayKey`. */
  claimKey: Hex | undefined;
  /** The relay with two receipts (equivocation). */
  relayKey: Hex | undefined;
  amount: bigint;
  block: bigint;
  transaction: Hex;
};

export type DifficultyUpdate = {
  model: Hex;
  dataSession: bigint;
  effectiveSession: bigint;
  emaWad: bigint;
  probabilityWad: bigint;
  block: bigint;
};

/** Everything the explorer knows about the chain: built from logs, stakes read from views. */
export type ExplorerState = {
  params: NetworkParams | undefined;
  /** Last block whose logs are applied; undefined before the first sync. */
  indexedTo: bigint | undefined;
  indexedHash: Hex | undefined;
  head: bigint | undefined;
  /** Registry `totalHeld()`: every stake and unbonding balance. */
  totalHeld: bigint;
  models: Map<Hex, IndexedModel>;
  suppliers: Map<Address, IndexedSupplier>;
  applications: Map<Address, IndexedApplication>;
  gateways: Map<Address, IndexedGateway>;
  claims: Map<Hex, IndexedClaim>;
  sessions: Map<bigint, IndexedSession>;
  equivocations: EquivocationReport[];
  /** Every slash, in chain order. */
  slashes: SupplierSlash[];
  /** The claim whose proof showed each relay key (lowercase): links an equivocation to its claim. */
  provenRelays: Map<string, Hex>;
  difficultyUpdates: DifficultyUpdate[];
  lastSyncAt: number | undefined;
  lastError: string | undefined;
};
