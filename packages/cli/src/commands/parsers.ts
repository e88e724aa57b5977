// The argument parsers of the commands' flags. Commander calls them as it reads each flag and reports what they
// throw naming the option (`error: option '--gateway-port <n>' argument '70000' is invalid. …`, exit code 2).
import { statSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import { z } from "zod";

/**
 * A positive number of seconds, e.g. `--block-time 0.5`.
 *
 * @param value - the flag's text.
 * @example
 * new Option("--block-time <seconds>", "seconds per block").argParser(positiveNumber);
 */
export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError("must be a positive number of seconds");
  return parsed;
}

/**
 * A whole number ≥ 1, e.g. `--confirmations 2`.
 *
 * @param value - the flag's text.
 * @example
 * new Option("--confirmations <n>", "blocks to wait").argParser(positiveInteger);
 */
export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1) throw new InvalidArgumentError("must be a whole number ≥ 1");
  return parsed;
}

/**
 * A TCP port in 0–65535 (0: any free port), e.g. `--gateway-port 8080`.
 *
 * @param value - the flag's text.
 * @example
 * new Option("--gateway-port <n>", "the gateway's port").argParser(port);
 */
export function port(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > 65_535) throw new InvalidArgumentError("must be a port in 0–65535");
  return parsed;
}

/**
 * The path of a file that exists, as given.
 *
 * @param value - the flag's text.
 * @example
 * new Option("--params <file>", "parameters file").argParser(existingFile);
 */
export function existingFile(value: string): string {
  try {
    if (statSync(value).isFile()) return value;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(`no such file: ${value}`);
}

/**
 * An http(s) URL, as given.
 *
 * @param value - the flag's text.
 * @example
 * new Option("--rpc-url <url>", "the chain's JSON-RPC URL").argParser(httpUrl);
 */
export function httpUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw new InvalidArgumentError("must be an http(s) URL such as http://127.0.0.1:8080/v1");
  return value;
}

/** `--backend-capabilities`' names and the supplier config keys they set. */
const backendCapabilityNames = {
  tools: "tools",
  json: "jsonSchema",
  logprobs: "logprobs",
  images: "images",
} as const;

/** What `--backend-capabilities` declares: the supplier config `capabilities` keys it sets to true. */
export const backendCapabilitiesSchema = z.object({
  tools: z.literal(true).optional(),
  jsonSchema: z.literal(true).optional(),
  logprobs: z.literal(true).optional(),
  images: z.literal(true).optional(),
});

/**
 * A comma-separated list of what an OpenAI-compatible backend supports beyond text: tools, json, logprobs, images.
 *
 * @param value - the flag's text, e.g. `tools,json`.
 * @example
 * backendCapabilities("tools,json"); // { tools: true, jsonSchema: true }
 */
export function backendCapabilities(value: string): z.infer<typeof backendCapabilitiesSchema> {
  const declared: z.infer<typeof backendCapabilitiesSchema> = {};
  for (const name of value.split(",").map((entry) => entry.trim())) {
    const key = backendCapabilityNames[name as keyof typeof backendCapabilityNames];
    if (!key) {
      throw new InvalidArgumentError(
        `unknown capability "${name}": list some of ${Object.keys(backendCapabilityNames).join(", ")}, comma-separated`,
      );
    }
    declared[key] = true;
  }
  return declared;
}
