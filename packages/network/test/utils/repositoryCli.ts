import { join, resolve } from "node:path";
import type { StartLocalNetworkParameters } from "../../src/startLocalNetwork.ts";

const repository = resolve(import.meta.dirname, "../../../..");

/** This repository's `aviary` from its sources through tsx: how the network's tests run the nodes. */
export const repositoryCli: StartLocalNetworkParameters["cli"] = {
  command: process.execPath,
  args: ["--conditions=aviary-source", "--import", "tsx", join(repository, "packages/cli/src/bin.ts")],
  cwd: repository,
};
