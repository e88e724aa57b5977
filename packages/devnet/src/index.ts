export { resolveAnvilBinary } from "./anvil/resolveAnvilBinary.ts";
export {
  type AnvilInstance,
  aviaryHardfork,
  type StartAnvilParameters,
  startAnvil,
} from "./anvil/startAnvil.ts";
export {
  type AviaryContracts,
  type DeployAviaryParameters,
  type DeployAviaryReturnType,
  deployAviary,
  devnetChain,
} from "./deploy/deployAviary.ts";
export { type DevAccount, devAccounts, devMnemonic } from "./deploy/devAccounts.ts";
export {
  devnetRegistryParameters,
  devnetSettlementParameters,
  type RegistryParameters,
  type SettlementParameters,
  token,
} from "./deploy/devnetParameters.ts";
export { AnvilNotFoundError, AnvilStartError, DeploymentError, DevnetStateError } from "./errors.ts";
export { type Devnet, devnetRoles, type StartDevnetParameters, startDevnet } from "./startDevnet.ts";
export {
  type DevnetState,
  devnetStatePath,
  devnetStateSchema,
  readDevnetState,
  resolveAviaryHome,
  writeDevnetState,
} from "./state/devnetState.ts";
