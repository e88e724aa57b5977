// Cross-package test support that loads no runtime: the chain scenario, signed relays, load and process
// helpers, an instant OpenAI-compatible stub. The heavier parts have their own entry points, so a test loads
// only what it uses: `@aviary/testkit/network` (chain + suppliers + gateway in process),
// `@aviary/testkit/direct-network` (chain + suppliers behind controllable proxies, for the SDK),
// `@aviary/testkit/openai` (OpenAI-compatible test servers over a backend), `@aviary/testkit/postgres` (a
// temporary PostgreSQL), `@aviary/testkit/chromium` and `@aviary/testkit/cross-implementation` (the reference
// sum trie and contract checks).

export { type ControlledProxy, type ProxyMode, startControlledProxy } from "./controlledProxy.ts";
export { devnetChainConfig } from "./devnetChainConfig.ts";
export { type InstantServer, startInstantOpenAiServer } from "./instantOpenAiServer.ts";
export { type PresignRelaysParameters, presignRelays } from "./presignRelays.ts";
export { residentMemoryMiB, spawnAndWait } from "./processes.ts";
export { type RelayTarget, sendRelay, signedRelayHeader } from "./relayClient.ts";
export { type LoadResult, runLoad } from "./runLoad.ts";
export {
  type Actor,
  actor,
  approveRegistry,
  type Clients,
  clients,
  devnetSessionParams,
  driveSessionToSettlement,
  type NetworkSetup,
  registry,
  relayKeyOf,
  settlement,
  setUpNetwork,
  signRelay,
  testModelId,
  testModelName,
} from "./scenario.ts";
