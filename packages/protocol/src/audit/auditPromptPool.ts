import { AuditParameterInvalidError } from "./errors.ts";

/** An OpenAI request body an audit sends (without `model`, which the gateway sets), and how. */
export type AuditPrompt = {
  route: "chat/completions" | "completions";
  /** `messages` or `prompt`, `max_tokens`, `temperature`, maybe `top_p`; `stream` when streamed. */
  body: Record<string, unknown>;
  stream: boolean;
};

export type DrawAuditPromptOptions = {
  /** Bounds of `max_tokens` (drawn log-uniformly between them). @default { min: 16, max: 256 } */
  maxTokens?: { min: number; max: number };
  /** Share of streamed requests. @default 0.5 */
  streamShare?: number;
  /** Share of greedy (`temperature: 0`) requests. @default 0.35 */
  greedyShare?: number;
  /** Share of legacy `completions` requests. @default 0.15 */
  completionShare?: number;
};

const systemPrompts = [
  "You are a helpful assistant.",
  "You are a helpful assistant. Answer concisely.",
  "You are an expert software engineer. Prefer short, working examples.",
  "You are a friendly tutor who explains things step by step.",
  "You are a customer support agent for an online store. Be polite and precise.",
  "You are a creative writing assistant.",
  "Answer in plain English without markdown.",
  "You are a data analyst. Show your reasoning briefly.",
];

const topics = [
  "photosynthesis",
  "how a hash table works",
  "the French revolution",
  "compound interest",
  "black holes",
  "the difference between TCP and UDP",
  "why the sky is blue",
  "how vaccines work",
  "recursion in programming",
  "supply and demand",
  "the water cycle",
  "public key cryptography",
  "how to brew good coffee",
  "the rules of chess",
  "machine learning",
  "climate change",
  "the stock market",
  "how airplanes fly",
  "sourdough bread",
  "the history of the internet",
  "time management",
  "a healthy breakfast",
  "the theory of relativity",
  "how to learn a new language",
];

const things = [
  "a little bird that learns to sing",
  "a robot in a library",
  "a lighthouse keeper",
  "two friends on a road trip",
  "a cat who runs a bakery",
  "the last tree in a city",
  "a dragon afraid of the dark",
  "a detective on the moon",
  "a village by the sea",
  "an old clock that stops",
];

const snippets = [
  "def add(a, b):\n    return a - b",
  "for (let i = 0; i <= items.length; i++) { total += items[i]; }",
  "SELECT name, COUNT(*) FROM orders GROUP BY customer_id;",
  "if x = 5:\n    print('five')",
  "const data = await fetch(url).json();",
  'public static void main(String args) { System.out.println("hi"); }',
];

const paragraphs = [
  "The meeting covered the quarterly results, which showed revenue up eight percent while costs rose faster than expected. The team agreed to review supplier contracts and to delay two hires until the next quarter.",
  "Birds migrate to follow food and favourable weather. Many species travel thousands of kilometres each year, navigating with the sun, the stars and the Earth's magnetic field.",
  "Our new app lets you split bills with friends, track shared expenses and settle up with one tap. It works offline and syncs when you are back online.",
  "The river flooded after three days of heavy rain. Roads were closed, schools stayed shut, and volunteers filled sandbags through the night to protect the old town.",
];

const questionTemplates: Array<(random: () => number) => string> = [
  (random) => `Explain ${pick(random, topics)} in simple terms.`,
  (random) => `What is ${pick(random, topics)}?`,
  (random) => `Can you give me three facts about ${pick(random, topics)}?`,
  (random) => `Write a short story about ${pick(random, things)}.`,
  (random) => `Write a poem about ${pick(random, things)}.`,
  (random) => `What is the difference between ${pick(random, topics)} and ${pick(random, topics)}?`,
  (random) => `Summarize the following text in one sentence:\n\n${pick(random, paragraphs)}`,
  (random) => `Translate to French: "${pick(random, paragraphs).split(". ")[0]}."`,
  (random) => `Find the bug in this code:\n\n${pick(random, snippets)}`,
  (random) => `Give me five ideas for a blog post about ${pick(random, topics)}.`,
  (random) => `How do I get started with ${pick(random, topics)}?`,
  () => "Write an email to my landlord about a broken heater.",
  (random) => `List the pros and cons of ${pick(random, topics)}.`,
  (random) => `Describe ${pick(random, things)} in two sentences.`,
  () => "hi",
  (random) => `Tell me a joke about ${pick(random, topics)}.`,
  (random) =>
    `Rewrite this more politely: "${pick(random, ["send me the report now", "your app is broken", "why is my order late", "fix this today"])}"`,
];

const followUps = [
  "Can you make it shorter?",
  "Thanks! Can you give an example?",
  "Explain that again, more simply.",
  "What about the opposite case?",
  "Now in bullet points, please.",
];

const completionPrompts: Array<(random: () => number) => string> = [
  (random) => `Once upon a time, ${pick(random, things)}`,
  () => "def fibonacci(n):\n",
  (random) => `The main idea of ${pick(random, topics)} is`,
  () => "Q: What is the capital of France?\nA:",
  (random) => `${pick(random, paragraphs)}\n\nIn summary,`,
  () => "// A function that reverses a string\nfunction reverse(s) {",
  (random) => `Dear customer,\n\nThank you for your message about ${pick(random, topics)}.`,
];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.min(list.length - 1, Math.floor(random() * list.length))] as T;
}

function draw(random: () => number, weighted: ReadonlyArray<readonly [number, number]>): number {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let left = random() * total;
  for (const [value, weight] of weighted) {
    left -= weight;
    if (left < 0) return value;
  }
  return (weighted[weighted.length - 1] as readonly [number, number])[0];
}

const sampledTemperatures = [
  [0.2, 1],
  [0.5, 1],
  [0.7, 3],
  [0.8, 2],
  [1, 3],
] as const;

/**
 * Draws one audit request shaped like real chat traffic (system prompts, questions, tasks with pasted text or
 * code, multi-turn follow-ups, legacy completions; greedy and sampled; streamed or not) so that a supplier
 * cannot tell it from a user's. The pool is combinatorial (thousands of distinct prompts) and the draw
 * depends on `random` alone.
 *
 * No `stop` strings and no `seed` (rare in real traffic, and they would make audits stand out).
 *
 * @param random - uniform in [0, 1).
 * @param options - bounds of `max_tokens`, the stream, greedy and completions shares.
 * @throws {AuditParameterInvalidError} for bounds that are not 1 ≤ min ≤ max, or shares outside [0, 1].
 * @example
 * ```ts
 * const { route, body, stream } = drawAuditPrompt(Math.random, { maxTokens: { min: 16, max: 64 } });
 * ```
 */
export function drawAuditPrompt(random: () => number, options: DrawAuditPromptOptions = {}): AuditPrompt {
  const {
    maxTokens = { min: 16, max: 256 },
    streamShare = 0.5,
    greedyShare = 0.35,
    completionShare = 0.15,
  } = options;
  if (!(Number.isInteger(maxTokens.min) && maxTokens.min >= 1 && maxTokens.max >= maxTokens.min))
    throw new AuditParameterInvalidError({
      name: "maxTokens",
      value: `${maxTokens.min}..${maxTokens.max}`,
      reason: "needs integers 1 ≤ min ≤ max",
    });
  for (const [name, share] of [
    ["streamShare", streamShare],
    ["greedyShare", greedyShare],
    ["completionShare", completionShare],
  ] as const) {
    if (!(share >= 0 && share <= 1))
      throw new AuditParameterInvalidError({ name, value: share, reason: "must be in [0, 1]" });
  }
  const stream = random() < streamShare;
  const temperature = random() < greedyShare ? 0 : draw(random, sampledTemperatures);
  const logMin = Math.log(maxTokens.min);
  const logMax = Math.log(maxTokens.max);
  const max_tokens = Math.max(
    maxTokens.min,
    Math.min(maxTokens.max, Math.round(Math.exp(logMin + random() * (logMax - logMin)))),
  );
  const top_p = temperature > 0 && random() < 0.2 ? pick(random, [0.9, 0.95]) : undefined;
  const sampling = { max_tokens, temperature, ...(top_p === undefined ? {} : { top_p }) };
  if (random() < completionShare) {
    const prompt = pick(random, completionPrompts)(random);
    return { route: "completions", body: { prompt, ...sampling, ...(stream ? { stream } : {}) }, stream };
  }
  const messages: Array<{ role: string; content: string }> = [];
  if (random() < 0.3) messages.push({ role: "system", content: pick(random, systemPrompts) });
  const question = pick(random, questionTemplates)(random);
  if (random() < 0.15) {
    messages.push({ role: "user", content: question });
    messages.push({ role: "assistant", content: `Sure. ${pick(random, paragraphs)}` });
    messages.push({ role: "user", content: pick(random, followUps) });
  } else {
    messages.push({ role: "user", content: question });
  }
  return {
    route: "chat/completions",
    body: { messages, ...sampling, ...(stream ? { stream } : {}) },
    stream,
  };
}
