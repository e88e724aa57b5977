import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createPublicClient, http } from "viem";
import { type AnvilInstance, startAnvil } from "./anvil/startAnvil.ts";
import { deployAviary, devnetChain } from "./deploy/deployAviary.ts";
import { devAccounts } from "./deploy/devAccounts.ts";
import {
  type DevnetState,
  readDevnetState,
  resolveAviaryHome,
  writeDevnetState,
} from "./state/devnetState.ts";

/** Roles of the dev accounts, by index. */
export const devnetRoles = [
  "deployer",
  "treasury",
  "model-source",
  "supplier-1",
  "supplier-2",
  "supplier-3",
  "application",
  "gateway",
  "spare-1",
  "spare-2",
] as const;

export type StartDevnetParameters = {
  /** State folder. @default resolveAviaryHome() */
  home?: string;
  /** Seconds per block; omitted: a block per transaction. @default undefined */
  blockTime?: number;
  /** Keep chain state across restarts (anvil state file in the home folder). @default true */
  persist?: boolean;
  /** Discard any previous state and deploy anew. @default false */
  fresh?: boolean;
  onProgress?: (message: string) => void;
};

export type Devnet = DevnetState & {
  home: string;
  anvil: AnvilInstance;
  /** True when the contracts were deployed by this start (false: resumed from saved state). */
  deployed: boolean;
  /** Stops anvil (its state is dumped on the way out when persisted). */
  stop: () => Promise<void>;
};

/**
 * Starts a local Aviary chain: anvil from npm, the contracts deployed (or resumed from the saved state),
 * ten funded dev accounts, and `devnet.json` written to the home folder.
 *
 * @example
 * const devnet = await startDevnet({ home: mkdtempSync(join(tmpdir(), "aviary-")), persist: false });
 * console.log(devnet.contracts.settlement);
 * await devnet.stop();
 */
export async function startDevnet(parameters: StartDevnetParameters = {}): Promise<Devnet> {
  const home = resolveAviaryHome(parameters.home);
  const persist = parameters.persist ?? true;
  const progress = parameters.onProgress ?? (() => {});
  mkdirSync(home, { recursive: true });
  const anvilStatePath = join(home, "anvil-state.json");
  if (parameters.fresh) {
    rmSync(anvilStatePath, { force: true });
    rmSync(join(home, "devnet.json"), { force: true });
  }
  const previous = persist && existsSync(anvilStatePath) ? readDevnetState(home) : undefined;

  const anvil = await startAnvil(persist ? { statePath: anvilStatePath } : {});
  progress(`anvil listening on ${anvil.rpcUrl}`);
  try {
    const publicClient = createPublicClient({
      chain: devnetChain(anvil.rpcUrl, anvil.chainId),
      transport: http(anvil.rpcUrl),
    });
    const accounts = devAccounts(devnetRoles.length).map((account, index) => ({
      role: devnetRoles[index] ?? `account-${index}`,
      address: account.address,
      privateKey: account.privateKey,
    }));

    let state: DevnetState | undefined;
    if (previous) {
      const code = await publicClient.getCode({ address: previous.contracts.settlement as `0x${string}` });
      if (code && code !== "0x") {
        state = { ...previous, rpcUrl: anvil.rpcUrl, updatedAt: new Date().toISOString() };
        progress("resumed the saved chain: contracts already deployed");
      }
    }
    const deployedNow = state === undefined;
    if (!state) {
      const [deployer, treasury] = accounts;
      if (!deployer || !treasury) throw new Error("unreachable: dev accounts missing");
      const deployment = await deployAviary({
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        deployerPrivateKey: deployer.privateKey as `0x${string}`,
        treasury: treasury.address as `0x${string}`,
        fund: accounts.map((account) => account.address as `0x${string}`),
        onProgress: (step) => progress(`deployed: ${step}`),
      });
      state = {
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        contracts: deployment.contracts,
        deployBlock: deployment.deployBlock.toString(),
        accounts,
        anvilStatePath,
        updatedAt: new Date().toISOString(),
      };
    }
    writeDevnetState(home, state);
    if (parameters.blockTime !== undefined) {
      // Deploy on automine (instant), then let blocks advance on their own.
      await publicClient.request({
        method: "evm_setIntervalMining" as "eth_chainId",
        params: [parameters.blockTime] as unknown as undefined,
      });
    }
    return { ...state, home, anvil, deployed: deployedNow, stop: anvil.stop };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
