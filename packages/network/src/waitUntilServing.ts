import { LocalNetworkStartError } from "./errors.ts";

export type WaitUntilServingParameters = {
  suppliers: string[];
  gatewayUrl: string;
  apiKey: string;
  model: string;
  explorerUrl?: string;
  /** @default 60_000 */
  timeoutMs?: number;
  onProgress?: (message: string) => void;
};

type Answer = { ok: true; body: string } | { ok: false; problem: string };

/**
 * Resolves once every node answers its health check and one real chat completion has gone through the
 * gateway to a supplier and back: "ready" means a request like the printed `curl` works.
 *
 * @example
 * await waitUntilServing({ suppliers, gatewayUrl, apiKey, model: "aviary-test-model" });
 */
export async function waitUntilServing(parameters: WaitUntilServingParameters): Promise<void> {
  const deadline = Date.now() + (parameters.timeoutMs ?? 60_000);
  const progress = parameters.onProgress ?? (() => {});
  const pages = [
    ...parameters.suppliers.map((url) => `${url}/health`),
    `${parameters.gatewayUrl}/health`,
    ...(parameters.explorerUrl ? [parameters.explorerUrl] : []),
  ];
  for (const url of pages) await retry(url, deadline, () => ask(url));
  progress("every node answers; sending a first request through the gateway");
  const answer = await retry("the gateway", deadline, () =>
    ask(`${parameters.gatewayUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${parameters.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: parameters.model,
        messages: [{ role: "user", content: "Hello from the local network" }],
        max_tokens: 8,
      }),
    }),
  );
  const usage = (JSON.parse(answer) as { usage?: { total_tokens?: number } }).usage;
  progress(`first request answered (${usage?.total_tokens ?? "?"} tokens)`);
}

// Responses are judged by their fields: a server library in this process may replace the global
// `Response`, so `instanceof` would lie.
async function ask(url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = await response.text();
    return response.ok
      ? { ok: true, body }
      : { ok: false, problem: `HTTP ${response.status}: ${body.slice(0, 300)}` };
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return { ok: false, problem: `${(error as Error).message}${cause ? ` (${cause})` : ""}` };
  }
}

async function retry(part: string, deadline: number, attempt: () => Promise<Answer>): Promise<string> {
  for (;;) {
    const answer = await attempt();
    if (answer.ok) return answer.body;
    if (Date.now() > deadline)
      throw new LocalNetworkStartError({
        part,
        reason: `did not answer in time (${answer.problem})`,
        hints: ["The nodes' logs are in the logs folder of the state folder."],
      });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
