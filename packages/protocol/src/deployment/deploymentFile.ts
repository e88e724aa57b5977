import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an 0x-prefixed 20-byte address");
const hash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be an 0x-prefixed 32-byte hash");
const uint = z.string().regex(/^\d+$/, "must be a decimal integer string");

/** One contract of a deployment: where it is and the code that was checked there. */
const deployedContract = z
  .object({
    address,
    /** keccak256 of the creation bytecode (without constructor arguments): identifies the build. */
    creationCodeHash: hash.optional(),
    /** keccak256 of the runtime code read at `address` after the deployment (immutables included). */
    runtimeCodeHash: hash.optional(),
  })
  .strict();

/**
 * The file `aviary deploy` writes (JSON, integers as decimal strings): everything a node or a command needs
 * to find an Aviary deployment, and what was checked when it was made. Nodes take it with `--deployment FILE`
 * (or `chain.deployment` in their config); the RPC URL stays the node's own.
 */
export const deploymentFileSchema = z
  .object({
    version: z.literal(1),
    chainId: z.number().int().positive(),
    contracts: z
      .object({ token: deployedContract, registry: deployedContract, settlement: deployedContract })
      .strict(),
    /** The block of the last deployment transaction: the first block worth scanning for events. */
    deployBlock: uint,
    deployer: address.optional(),
    /** True when the token is the test token `aviary deploy --test-token` deployed. */
    testToken: z.boolean().default(false),
    /** The parameters as the contracts hold them (wei, WAD and bps as decimal strings). */
    parameters: z
      .object({
        registry: z.record(z.string(), z.union([z.string(), z.number()])),
        settlement: z.record(z.string(), z.union([z.string(), z.number()])),
      })
      .strict(),
    /** e.g. "0.8.30", read from the bytecode's metadata. */
    compilerVersion: z.string().optional(),
    createdAt: z.string().optional(),
  })
  .strict();

export type DeploymentFile = z.output<typeof deploymentFileSchema>;
export type DeploymentFileInput = z.input<typeof deploymentFileSchema>;

/**
 * Validates a parsed deployment file; returns the problems (one per field, `path: message`) when invalid.
 *
 * @example
 * const result = parseDeploymentFile(JSON.parse(readFileSync("deployment.json", "utf8")));
 * if (!result.success) console.error(result.problems.join("\n"));
 */
export function parseDeploymentFile(
  input: unknown,
): { success: true; deployment: DeploymentFile } | { success: false; problems: string[] } {
  const parsed = deploymentFileSchema.safeParse(input);
  if (parsed.success) return { success: true, deployment: parsed.data };
  return {
    success: false,
    problems: parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
  };
}

/**
 * Fills a node config's `chain` section (`chainId`, `registry`, `settlement`) from a deployment file; a value
 * the section already has must agree with the file. Returns the merged section and the disagreements.
 *
 * @example
 * const { chain, problems } = chainFromDeployment({ rpcUrl: "https://rpc.example.org" }, deployment);
 */
export function chainFromDeployment(
  chain: Record<string, unknown>,
  deployment: DeploymentFile,
): { chain: Record<string, unknown>; problems: string[] } {
  const fromFile: Record<string, unknown> = {
    chainId: deployment.chainId,
    registry: deployment.contracts.registry.address,
    settlement: deployment.contracts.settlement.address,
  };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(fromFile)) {
    const given = chain[key];
    if (given !== undefined && String(given).toLowerCase() !== String(value).toLowerCase())
      problems.push(`chain.${key}: ${String(given)} disagrees with the deployment file (${String(value)})`);
  }
  return { chain: { ...chain, ...fromFile }, problems };
}
