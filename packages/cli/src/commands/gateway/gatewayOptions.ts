import { configOption } from "../options.ts";

/**
 * `-c, --config <file>` of `gateway stake | unstake | status`: the gateway configuration, whose key they send with.
 *
 * @example
 * new Command("stake").addOption(gatewayKeyConfigOption());
 */
export const gatewayKeyConfigOption = () =>
  configOption("gateway configuration (JSON; the key from AVIARY_GATEWAY_KEY)");
