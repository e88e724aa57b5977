// Audits without the network: a supplier backend answers an audit prompt directly, and the gateway's audit
// code judges the answer exactly as it judges a relayed one. Used for the 500 honest audits (running them as
// full relays would take minutes) and by the benchmark; the network tests relay for real.

import type { Backend, BackendUsage } from "@aviary/supplier";
import type { RelayedResponse } from "../src/parseRelayedOutput.ts";
import type { AuditPrompt } from "../src/statistics/index.ts";

export type GeneratedExchange = {
  route: AuditPrompt["route"];
  /** The body as the gateway relays it (model, max_tokens, usage asked for streams). */
  relayBody: Uint8Array;
  response: RelayedResponse;
  /** What the receipt would bill (the backend's usage). */
  receipt: { inputUnits: bigint; outputUnits: bigint };
  /** Milliseconds the backend took to answer. */
  generationMs: number;
  /** The relay seed the backend was given, for `auditRelayedOutput` to replay with. */
  relaySeed?: number;
};

const encoder = new TextEncoder();

/**
 * Sends `prompt` to `backend` as a supplier node would (streamed or not) and records the exchange. With
 * `relaySeed`, a text request that names no seed is sampled with it, as a supplier node's embedded runtime
 * samples with the relay's seed (`relaySamplingSeed`): the backend sees it, the relayed body does not.
 */
export async function generateExchange(
  backend: Backend,
  prompt: AuditPrompt,
  model: string,
  relaySeed?: number,
): Promise<GeneratedExchange> {
  const relayed: Record<string, unknown> = { model, ...prompt.body };
  if (prompt.stream) relayed.stream_options = { include_usage: true };
  const relayBody = encoder.encode(JSON.stringify(relayed));
  const body = relaySeed === undefined || relayed.seed != null ? relayed : { ...relayed, seed: relaySeed };
  const replay = relaySeed === undefined ? {} : { relaySeed };
  const signal = new AbortController().signal;
  const started = performance.now();
  if (!prompt.stream) {
    const result = await backend.complete({ route: prompt.route, body, signal });
    return {
      route: prompt.route,
      relayBody,
      response: { kind: "json", body: encoder.encode(JSON.stringify(result.body)) },
      receipt: units(result.usage),
      generationMs: performance.now() - started,
      ...replay,
    };
  }
  const events: string[] = [];
  let usage: BackendUsage | undefined;
  for await (const event of backend.stream({ route: prompt.route, body, signal })) {
    if (event.type === "chunk") events.push(JSON.stringify(event.chunk));
    else usage = event.usage;
  }
  if (!usage) throw new Error("the stream ended without usage");
  return {
    route: prompt.route,
    relayBody,
    response: { kind: "stream", events },
    receipt: units(usage),
    generationMs: performance.now() - started,
    ...replay,
  };
}

function units(usage: BackendUsage) {
  return { inputUnits: BigInt(usage.promptTokens), outputUnits: BigInt(usage.completionTokens) };
}
