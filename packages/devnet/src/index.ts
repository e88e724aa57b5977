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
export {
  deploymentFile,
  readDeploymentFile,
  writeDeploymentFile,
} from "./deploy/deploymentFile.ts";
export {
  checkDeploymentParameters,
  type DeploymentParametersInput,
  deploymentParametersSchema,
  type ParseDeploymentParametersOptions,
  type ParseDeploymentParametersReturnType,
  parseDeploymentParameters,
} from "./deploy/deploymentParameters.ts";
export { type DevAccount, devAccounts, devMnemonic } from "./deploy/devAccounts.ts";
export {
  devnetRegistryParameters,
  devnetSettlementParameters,
  type RegistryParameters,
  type SettlementParameters,
  token,
} from "./deploy/devnetParameters.ts";
export {
  type ContractCode,
  type VerifyDeploymentParameters,
  type VerifyDeploymentReturnType,
  verifyDeployment,
} from "./deploy/verifyDeployment.ts";
export {
  AnvilNotFoundError,
  AnvilStartError,
  DeploymentError,
  DeploymentFileError,
  DeploymentParametersError,
  DeploymentVerificationError,
  DevnetStateError,
} from "./errors.ts";
export { type Devnet, devnetRoles, type StartDevnetParameters, startDevnet } from "./startDevnet.ts";
export {
  currentHomePath,
  type DevnetState,
  devnetStatePath,
  devnetStateSchema,
  readDevnetState,
  recordCurrentHome,
  resolveAviaryHome,
  writeDevnetState,
} from "./state/devnetState.ts";
