import { readDevnetState, resolveAviaryHome } from "@aviary/devnet";
import { createPublicClient, http } from "viem";

/** `aviary devnet status`: what devnet.json says, and whether the chain and each node answer. */
export async function devnetStatus(options: { home?: string; json: boolean }): Promise<void> {
  const home = resolveAviaryHome(options.home);
  const state = readDevnetState(home);
  if (!state) {
    console.log(`No devnet in ${home}. Start one with \`npm start\` or \`npx aviary devnet up\`.`);
    process.exitCode = 1;
    return;
  }
  let blockNumber: bigint | undefined;
  try {
    blockNumber = await createPublicClient({
      transport: http(state.rpcUrl, { retryCount: 0, timeout: 2_000 }),
    }).getBlockNumber();
  } catch {
    blockNumber = undefined;
  }
  if (options.json) {
    console.log(
      JSON.stringify({ ...state, running: blockNumber !== undefined, blockNumber: blockNumber?.toString() }),
    );
    return;
  }
  console.log(`devnet in ${home}`);
  console.log(
    `  RPC URL      ${state.rpcUrl}  ${blockNumber === undefined ? "(not answering)" : `(block ${blockNumber})`}`,
  );
  console.log(`  registry     ${state.contracts.registry}`);
  console.log(`  settlement   ${state.contracts.settlement}`);
  console.log(`  token        ${state.contracts.token}`);
  // The nodes `npm start` runs, when it ran them: each is asked for its health.
  const answers = async (url: string) =>
    fetch(url, { signal: AbortSignal.timeout(2_000) })
      .then((response) => (response.ok ? "up" : `HTTP ${response.status}`))
      .catch(() => "not answering");
  if (state.model) console.log(`  model        ${state.model.name}  sha256 ${state.model.weightsDigest}`);
  for (const [index, supplier] of (state.suppliers ?? []).entries()) {
    console.log(
      `  supplier-${index + 1}   ${supplier.endpoint}  ${supplier.address}  (${await answers(`${supplier.endpoint}/health`)})`,
    );
  }
  if (state.gateway) {
    console.log(`  gateway      ${state.gateway.url}/v1  (${await answers(`${state.gateway.url}/health`)})`);
    console.log(`  API key      ${state.gateway.apiKey}`);
  }
  if (state.explorerUrl)
    console.log(`  explorer     ${state.explorerUrl}  (${await answers(state.explorerUrl)})`);
  if (blockNumber === undefined) process.exitCode = 1;
}
