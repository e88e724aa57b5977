import { join, resolve } from "node:path";

const repository = resolve(import.meta.dirname, "../../../..");

/**
 * This CLI as a command line, from its sources through tsx (as `npm start` runs it): how `devnet up` runs
 * each node (`<command> <args…> supplier start --config …`).
 *
 * @example
 * spawn(aviaryCommand.command, [...aviaryCommand.args, "--help"], { cwd: aviaryCommand.cwd });
 */
export const aviaryCommand = {
  command: process.execPath,
  args: ["--conditions=aviary-source", "--import", "tsx", join(repository, "packages/cli/src/bin.ts")],
  cwd: repository,
};
