import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalNetworkExplorer } from "@aviary/network";
import type { z } from "zod";
import type { explorerConfigSchema } from "./explorerStart.ts";

/**
 * The explorer of `devnet up`: writes `<home>/explorer.json` from where the network's chain and gateway are,
 * and serves it as `aviary explorer start --config <home>/explorer.json`, a node the network supervises
 * like the others. The network knows only these arguments; the explorer's configuration is the CLI's.
 *
 * @example
 * const network = await startLocalNetwork({ cli: aviaryCommand, explorer: devnetExplorer });
 * console.log(network.explorerUrl);
 */
export const devnetExplorer: LocalNetworkExplorer = {
  args: ({ home, ...parameters }) => {
    const config = {
      rpcUrl: parameters.rpcUrl,
      chainId: parameters.chainId,
      contracts: parameters.contracts,
      deployBlock: parameters.deployBlock,
      gateways: parameters.gateways,
      host: parameters.host,
      port: parameters.port,
      logLevel: parameters.logLevel,
    } satisfies z.input<typeof explorerConfigSchema>;
    const path = join(home, "explorer.json");
    writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
    return ["explorer", "start", "--config", path];
  },
};
