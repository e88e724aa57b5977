// @aviary/network: the whole local network in one call, for `npm start`, tests and demos.
export { type EnsureOnChainSetupParameters, ensureOnChainSetup } from "./ensureOnChainSetup.ts";
export { LocalNetworkModelError, LocalNetworkStartError } from "./errors.ts";
export { type NetworkModel, resolveNetworkModel } from "./resolveNetworkModel.ts";
export {
  type LocalNetwork,
  localSupplierPrices,
  type StartLocalNetworkParameters,
  startLocalNetwork,
} from "./startLocalNetwork.ts";
export { waitUntilServing } from "./waitUntilServing.ts";
