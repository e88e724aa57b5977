// @aviary/network: the whole local network in one call, for `npm start`, tests and demos: the on-chain setup
// here, each node in its own supervised process.
export { type EnsureOnChainSetupParameters, ensureOnChainSetup } from "./ensureOnChainSetup.ts";
export { LocalNetworkModelError, LocalNetworkStartError } from "./errors.ts";
export {
  type NetworkProcesses,
  networkProcessesPath,
  networkProcessesSchema,
  readNetworkProcesses,
} from "./networkProcesses.ts";
export {
  type NetworkImageModel,
  type ResolveNetworkImageModelParameters,
  resolveNetworkImageModel,
} from "./resolveNetworkImageModel.ts";
export { type NetworkModel, resolveNetworkModel } from "./resolveNetworkModel.ts";
export {
  type LocalNetwork,
  type LocalNetworkExplorer,
  type LocalNetworkExplorerParameters,
  localSupplierImagePrices,
  localSupplierPrices,
  type StartLocalNetworkParameters,
  startLocalNetwork,
} from "./startLocalNetwork.ts";
export {
  type SupervisedProcess,
  type SupervisedProcessStatus,
  type SuperviseProcessParameters,
  superviseProcess,
} from "./superviseProcess.ts";
export { waitUntilServing } from "./waitUntilServing.ts";
