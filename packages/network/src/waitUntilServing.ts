import { LocalNetworkStartError } from "./errors.ts";

export type WaitUntilServingParameters = {
  suppliers: string[];
  gatewayUrl: string;
  apiKey: string;
  model: string;
  /** An image model the gateway must also list and answer one small image request for. */
  imageModel?: string;
  explorerUrl?: string;
  /** @default 60_000 */
  timeoutMs?: number;
  /** Aborting rejects at the next retry. */
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
};

type Answer = { ok: true; body: string } | { ok: false; problem: string };

/**
 * Resolves once every node is ready: each supplier answers its health check, the gateway lists the model in
 * `/v1/models`, the explorer has indexed the chain (its models API shows the model), and one real chat
 * completion (and, with `imageModel`, one small image: 64x64, 2 steps) has gone through the gateway to a
 * supplier and back: "ready" means a client that lists the models first, or sends the printed `curl`, gets
 * what it expects.
 *
 * @example
 * await waitUntilServing({ suppliers, gatewayUrl, apiKey, model: "aviary-test-model" });
 */
export async function waitUntilServing(parameters: WaitUntilServingParameters): Promise<void> {
  const deadline = Date.now() + (parameters.timeoutMs ?? 60_000);
  const progress = parameters.onProgress ?? (() => {});
  const retry = (part: string, attempt: () => Promise<Answer>) =>
    retryUntil(part, deadline, attempt, parameters.signal);
  await Promise.all(parameters.suppliers.map((url) => retry(url, () => ask(`${url}/health`))));
  const authorization = { authorization: `Bearer ${parameters.apiKey}` };
  await retry("the gateway's /v1/models", async () => {
    const answer = await ask(`${parameters.gatewayUrl}/v1/models`, { headers: authorization });
    if (!answer.ok) return answer;
    const listed = (JSON.parse(answer.body) as { data?: { id?: string }[] }).data ?? [];
    const missing = [parameters.model, parameters.imageModel].filter(
      (name): name is string => name !== undefined && !listed.some((entry) => entry.id === name),
    );
    return missing.length === 0 ? answer : { ok: false, problem: `${missing.join(" and ")} not listed yet` };
  });
  const explorerUrl = parameters.explorerUrl;
  if (explorerUrl)
    await retry("the explorer", async () => {
      const answer = await ask(`${explorerUrl}/api/models`);
      if (!answer.ok) return answer;
      return answer.body.includes(parameters.model)
        ? answer
        : { ok: false, problem: "it has not indexed the model's registration yet" };
    });
  progress("every node answers; sending a first request through the gateway");
  const answer = await retry("the gateway", () =>
    ask(`${parameters.gatewayUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { ...authorization, "content-type": "application/json" },
      body: JSON.stringify({
        model: parameters.model,
        messages: [{ role: "user", content: "Hello from the local network" }],
        max_tokens: 8,
      }),
    }),
  );
  const usage = (JSON.parse(answer) as { usage?: { total_tokens?: number } }).usage;
  progress(`first request answered (${usage?.total_tokens ?? "?"} tokens)`);
  const imageModel = parameters.imageModel;
  if (imageModel) {
    const image = await retry("the gateway's images route", async () => {
      const answer = await ask(`${parameters.gatewayUrl}/v1/images/generations`, {
        method: "POST",
        headers: { ...authorization, "content-type": "application/json" },
        body: JSON.stringify({ model: imageModel, prompt: "a first picture", size: "64x64", steps: 2 }),
      });
      if (!answer.ok) return answer;
      const data = (JSON.parse(answer.body) as { data?: { b64_json?: string }[] }).data ?? [];
      return data[0]?.b64_json ? answer : { ok: false, problem: "the answer holds no image" };
    });
    const units = (JSON.parse(image) as { usage?: { units?: number } }).usage?.units;
    progress(`first image answered (${units ?? "?"} image·steps)`);
  }
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

async function retryUntil(
  part: string,
  deadline: number,
  attempt: () => Promise<Answer>,
  signal: AbortSignal | undefined,
): Promise<string> {
  for (;;) {
    if (signal?.aborted) throw new LocalNetworkStartError({ part: "the start", reason: "was interrupted" });
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
