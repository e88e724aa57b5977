import type { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, GetContractEventsReturnType } from "viem";
import { type ExplorerState, type IndexedSupplier, modelKindNames, type Stake } from "./types.ts";

/** A decoded log of the registry. */
export type RegistryLog = GetContractEventsReturnType<typeof aviaryRegistryAbi, undefined, true>[number];

/** Accounts whose stake changed: their `<role>Stake` view is read again after the batch. */
export type StakeRefresh = { suppliers: Set<Address>; applications: Set<Address>; gateways: Set<Address> };

/** Role numbers of `Unstaked` / `Withdrawn`. */
const roles = ["suppliers", "applications", "gateways"] as const;

const emptyStake = (): Stake => ({ stake: 0n, unbonding: 0n, releaseSession: 0n });

/**
 * Applies one registry event to the index (models, suppliers with their locked collateral and slashes,
 * offers, applications, delegations, gateways) and notes whose stake must be read again.
 *
 * @example
 * ```ts
 * for (const log of logs) applyRegistryLog(state, log, refresh);
 * ```
 */
export function applyRegistryLog(state: ExplorerState, log: RegistryLog, refresh: StakeRefresh): void {
  switch (log.eventName) {
    case "ModelRegistered": {
      const { args } = log;
      state.models.set(args.modelId, {
        id: args.modelId,
        name: args.name,
        weightsDigest: args.weightsDigest,
        uri: args.uri,
        kind: modelKindNames[args.kind] ?? `kind ${args.kind}`,
        source: args.source,
        sourceShareBps: args.sourceShareBps,
        registeredAt: log.blockNumber,
        probabilityWad: undefined,
      });
      return;
    }
    case "ModelUpdated": {
      const model = state.models.get(log.args.modelId);
      if (model) {
        model.uri = log.args.uri;
        model.source = log.args.source;
      }
      return;
    }
    case "SupplierStaked": {
      const known = state.suppliers.has(log.args.supplier);
      const supplier = supplierOf(state, log.args.supplier, log.blockNumber);
      if (!known) {
        // The first stake registers the operator and endpoint; later stakes ignore them.
        supplier.operator = log.args.operator;
        supplier.endpoint = log.args.endpoint;
      }
      supplier.stake.stake = log.args.totalStake;
      refresh.suppliers.add(log.args.supplier);
      return;
    }
    case "SupplierEndpointSet":
      supplierOf(state, log.args.supplier, log.blockNumber).endpoint = log.args.endpoint;
      return;
    case "SupplierOperatorSet":
      supplierOf(state, log.args.supplier, log.blockNumber).operator = log.args.operator;
      return;
    case "OfferSet":
      supplierOf(state, log.args.supplier, log.blockNumber).offers.set(log.args.model, {
        model: log.args.model,
        inputPrice: log.args.inputPrice,
        outputPrice: log.args.outputPrice,
        effectiveSession: log.args.effectiveSession,
        active: true,
      });
      return;
    case "OfferRemoved": {
      const offer = supplierOf(state, log.args.supplier, log.blockNumber).offers.get(log.args.model);
      if (offer) {
        offer.active = false;
        offer.effectiveSession = log.args.effectiveSession;
      }
      return;
    }
    case "ApplicationStaked":
      applicationOf(state, log.args.application).stake.stake = log.args.totalStake;
      refresh.applications.add(log.args.application);
      return;
    case "Delegated":
      applicationOf(state, log.args.application).delegations.set(log.args.gateway, log.args.effectiveSession);
      return;
    case "Undelegated":
      applicationOf(state, log.args.application).delegations.delete(log.args.gateway);
      return;
    case "GatewayStaked": {
      const gateway = state.gateways.get(log.args.gateway) ?? {
        address: log.args.gateway,
        metadataUrl: log.args.metadataUrl,
        stake: emptyStake(),
      };
      gateway.stake.stake = log.args.totalStake;
      state.gateways.set(log.args.gateway, gateway);
      refresh.gateways.add(log.args.gateway);
      return;
    }
    case "Unstaked":
    case "Withdrawn": {
      const role = roles[log.args.role];
      if (role) refresh[role].add(log.args.account);
      return;
    }
    case "ApplicationPaid":
      applicationOf(state, log.args.application).paid += log.args.amount;
      refresh.applications.add(log.args.application);
      return;
    case "SupplierSlashed":
      supplierOf(state, log.args.supplier, log.blockNumber).slashed += log.args.amount;
      refresh.suppliers.add(log.args.supplier);
      return;
    case "SupplierCollateralChanged":
      // `locked` is the new total: locked by a claim, released at settlement, or taken by a slash.
      supplierOf(state, log.args.supplier, log.blockNumber).lockedCollateral = log.args.locked;
      return;
    default:
      // SettlementSet, OwnershipTransferred-like events: nothing to show.
      return;
  }
}

function supplierOf(state: ExplorerState, address: Address, blockNumber: bigint): IndexedSupplier {
  let supplier = state.suppliers.get(address);
  if (!supplier) {
    supplier = {
      address,
      operator: address,
      endpoint: "",
      stakedAt: blockNumber,
      stake: emptyStake(),
      offers: new Map(),
      lockedCollateral: 0n,
      slashed: 0n,
    };
    state.suppliers.set(address, supplier);
  }
  return supplier;
}

function applicationOf(state: ExplorerState, address: Address) {
  let application = state.applications.get(address);
  if (!application) {
    application = { address, stake: emptyStake(), delegations: new Map(), paid: 0n };
    state.applications.set(address, application);
  }
  return application;
}
