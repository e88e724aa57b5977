import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { chainFromDeployment, parseDeploymentFile } from "@aviary/protocol";

/**
 * Fills a node configuration's `chain.chainId`, `chain.registry` and `chain.settlement` from `chain.deployment`
 * (or `AVIARY_DEPLOYMENT`): a deployment file written by `aviary deploy`, relative to the config file. The
 * supplier's and the gateway's config loaders both call it on the merged, not yet validated, configuration.
 *
 * @param merged - the configuration object, changed in place (`chain` gets the filled values and the absolute path).
 * @param baseDirectory - the config file's folder.
 * @param environment - where `AVIARY_DEPLOYMENT` is read. @default process.env
 * @returns the problems found, each naming the field and the file (empty when none).
 * @example
 * ```ts
 * const problems = applyDeploymentFile(merged, dirname(path));
 * if (problems.length > 0) throw new SupplierConfigInvalidError({ path, problems });
 * ```
 */
export function applyDeploymentFile(
  merged: Record<string, unknown>,
  baseDirectory: string,
  environment: NodeJS.ProcessEnv = process.env,
): string[] {
  const chain = (merged.chain && typeof merged.chain === "object" ? merged.chain : {}) as Record<
    string,
    unknown
  >;
  if (environment.AVIARY_DEPLOYMENT) chain.deployment = environment.AVIARY_DEPLOYMENT;
  if (typeof chain.deployment !== "string") return [];
  const path = isAbsolute(chain.deployment) ? chain.deployment : resolve(baseDirectory, chain.deployment);
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    return [`chain.deployment: ${path} cannot be read as JSON: ${(cause as Error).message.split("\n")[0]}`];
  }
  const result = parseDeploymentFile(input);
  if (!result.success) return result.problems.map((problem) => `chain.deployment (${path}): ${problem}`);
  const filled = chainFromDeployment(chain, result.deployment);
  merged.chain = { ...filled.chain, deployment: path };
  return filled.problems;
}
