import { keyEnvOption } from "../options.ts";

/**
 * `--key-env` of the `app` commands: the application's key, AVIARY_APP_KEY by default.
 *
 * @example
 * new Command("stake").addOption(appKeyOption());
 */
export const appKeyOption = () => keyEnvOption("the application's", "AVIARY_APP_KEY");
