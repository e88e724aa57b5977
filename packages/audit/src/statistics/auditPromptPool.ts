import { AuditParameterInvalidError } from "./errors.ts";
import { AVIARY_EVALUATION_SET, type EvaluationSet } from "./evaluationSet.ts";

/** An OpenAI request body an audit sends (without `model`, which the gateway sets), and how. */
export type AuditPrompt = {
  route: "chat/completions" | "completions";
  /**
   * `messages` or `prompt`, `max_tokens`, `temperature`; sometimes `top_p`, `stop`, `seed`, `user`;
   * `stream` when streamed (`requestLogprobs` adds `logprobs`).
   */
  body: Record<string, unknown>;
  stream: boolean;
};

export type DrawAuditPromptOptions = {
  /** Bounds of `max_tokens` (round numbers users pick, or log-uniform between them). @default { min: 16, max: 256 } */
  maxTokens?: { min: number; max: number };
  /** Share of streamed requests. @default 0.5 */
  streamShare?: number;
  /** Share of greedy (`temperature: 0`) requests. @default 0.35 */
  greedyShare?: number;
  /** Share of legacy `completions` requests. @default 0.15 */
  completionShare?: number;
  /** Share of chat requests with a system prompt. @default 0.3 */
  systemShare?: number;
  /**
   * Fixed public requests no draw may match: a draw whose text contains one of theirs (case, spacing and
   * punctuation ignored) is drawn again. @default [AVIARY_EVALUATION_SET]
   */
  exclude?: readonly EvaluationSet[];
};

type Random = () => number;

function pick<T>(random: Random, list: readonly T[]): T {
  return list[Math.min(list.length - 1, Math.floor(random() * list.length))] as T;
}

function weighted<T>(random: Random, entries: ReadonlyArray<readonly [T, number]>): T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let left = random() * total;
  for (const [value, weight] of entries) {
    left -= weight;
    if (left < 0) return value;
  }
  return (entries[entries.length - 1] as readonly [T, number])[0];
}

function integer(random: Random, min: number, max: number): number {
  return min + Math.min(max - min, Math.floor(random() * (max - min + 1)));
}

// ─── Building blocks ─────────────────────────────────────────────────────────────────────────────────────

const subjects = [
  "photosynthesis",
  "how a hash table works",
  "the French revolution",
  "compound interest",
  "black holes",
  "the difference between TCP and UDP",
  "how vaccines work",
  "recursion in programming",
  "supply and demand",
  "the water cycle",
  "public key cryptography",
  "brewing coffee at home",
  "the rules of chess",
  "machine learning",
  "climate change",
  "index funds",
  "how airplanes stay in the air",
  "sourdough bread",
  "the history of the internet",
  "time management",
  "a healthy breakfast",
  "the theory of relativity",
  "learning a new language",
  "the Roman empire",
  "plate tectonics",
  "how batteries store energy",
  "the immune system",
  "inflation",
  "Git branching",
  "Docker containers",
  "REST APIs",
  "SQL joins",
  "the Pythagorean theorem",
  "prime numbers",
  "the Renaissance",
  "jazz music",
  "marathon training",
  "houseplants that need little light",
  "saving for retirement",
  "remote work",
  "sleep hygiene",
  "the solar system",
  "volcanoes",
  "the printing press",
  "electric cars",
  "solar panels",
  "composting",
  "negotiating a salary",
  "public speaking",
  "the stock market",
  "DNS",
  "unit testing",
  "big O notation",
  "the Cold War",
  "ancient Egypt",
  "meditation",
  "dog training",
  "budget travel in Europe",
  "knitting for beginners",
  "the offside rule in football",
  "how a bill becomes a law",
  "quantum computing",
  "the human heart",
  "bees and pollination",
  "renting versus buying a home",
  "writing a good resume",
] as const;

const characters = [
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
  "a girl who can talk to rivers",
  "a lost umbrella",
  "a chef who cannot taste",
  "a spaceship with a broken heater",
  "a grandmother's secret recipe",
  "a snowman in July",
  "a shy giant",
  "the first day at a new school",
  "a fox and a crow",
  "a painter who only uses blue",
] as const;

const forms = [
  "a short story",
  "a poem",
  "a haiku",
  "a limerick",
  "a bedtime story",
  "a song chorus",
  "a two-sentence horror story",
  "a fable with a moral",
] as const;

const paragraphs = [
  "The meeting covered the quarterly results, which showed revenue up eight percent while costs rose faster than expected. The team agreed to review supplier contracts and to delay two hires until the next quarter.",
  "Birds migrate to follow food and favourable weather. Many species travel thousands of kilometres each year, navigating with the sun, the stars and the Earth's magnetic field.",
  "Our new app lets you split bills with friends, track shared expenses and settle up with one tap. It works offline and syncs when you are back online.",
  "The river flooded after three days of heavy rain. Roads were closed, schools stayed shut, and volunteers filled sandbags through the night to protect the old town.",
  "Starting next month, the library will open at 8 am on weekdays and stay open until 9 pm on Thursdays. Members can now borrow up to twelve books at a time and renew them online.",
  "The study followed 2,000 adults for ten years and found that those who walked at least 7,000 steps a day had a lower risk of heart disease, regardless of their weight.",
  "I ordered a blue jacket in size M on the 3rd, but I received a green one in size L. I would like to exchange it, and I still have the original packaging.",
  "The city council approved a plan to add 40 km of protected bike lanes over the next five years, funded partly by a new parking fee in the centre.",
] as const;

const sentences = [
  "Where is the nearest train station?",
  "I would like to book a table for two at eight.",
  "The weather is lovely today.",
  "Could you help me carry these boxes?",
  "My flight has been delayed by two hours.",
  "Thank you for your patience.",
  "We are closed on public holidays.",
  "How much does this cost?",
] as const;

const languages = ["French", "Spanish", "German", "Italian", "Portuguese", "Dutch", "Japanese"] as const;

const codeLanguages = ["Python", "JavaScript", "TypeScript", "Go", "Rust", "Java", "C#", "Bash"] as const;

const codeTasks = [
  "reverses a string",
  "checks whether a word is a palindrome",
  "counts the words in a sentence",
  "merges two sorted lists",
  "returns the n-th Fibonacci number",
  "removes duplicates from a list",
  "parses a date like 2024-03-01",
  "finds the largest number in an array",
  "validates an email address",
  "computes the factorial of n",
  "does a binary search",
  "flattens a nested list",
  "reads a CSV file and sums a column",
  "converts Celsius to Fahrenheit",
] as const;

const snippets = [
  "def add(a, b):\n    return a - b",
  "for (let i = 0; i <= items.length; i++) { total += items[i]; }",
  "SELECT name, COUNT(*) FROM orders GROUP BY customer_id;",
  "if x = 5:\n    print('five')",
  "const data = await fetch(url).json();",
  'public static void main(String args) { System.out.println("hi"); }',
  "def average(values):\n    return sum(values) / len(values) + 1",
  "while (i < 10) {\n  console.log(i);\n}",
  "x = [1, 2, 3]\nprint(x[3])",
  "func div(a, b int) int { return a / b }",
] as const;

const reviews = [
  "The battery lasts all day and the screen is gorgeous.",
  "Arrived late and the box was crushed. Not buying again.",
  "It does what it says, nothing more.",
  "Best pizza in town, but the service was slow.",
  "I returned it after a week: too noisy.",
  "Five stars, my kids love it!",
] as const;

const recipients = [
  "my landlord",
  "my manager",
  "a customer",
  "my team",
  "a professor",
  "a new client",
] as const;

const matters = [
  "a broken heater",
  "taking Friday off",
  "a delayed delivery",
  "the project deadline",
  "a missed payment",
  "rescheduling our meeting",
  "a refund request",
] as const;

const ventures = [
  "a coffee shop",
  "a dog-walking service",
  "a podcast about history",
  "a budgeting app",
  "a bakery",
  "a cycling club",
  "a tutoring business",
] as const;

const lengths = [
  "",
  "",
  "",
  " in one sentence",
  " in two sentences",
  " in a short paragraph",
  " in under 50 words",
  " briefly",
  " in detail",
  " step by step",
  " in three bullet points",
] as const;

const audiences = [
  "",
  "",
  "",
  " to a 10 year old",
  " to a beginner",
  " like I'm five",
  " to someone who knows a little about it",
  " to my grandmother",
] as const;

/** Openers of a task, and the punctuation that ends the sentence they start. */
const openers: ReadonlyArray<readonly [string, string]> = [
  ["", "."],
  ["", "."],
  ["", "."],
  ["", "."],
  ["Can you ", "?"],
  ["Please ", "."],
  ["Could you please ", "?"],
  ["hey, can you ", "?"],
  ["I need you to ", "."],
  ["Quick question: can you ", "?"],
  ["Help me ", "."],
];

const closers = [
  "",
  "",
  "",
  "",
  " Thanks!",
  " Thank you.",
  " Keep it simple.",
  " No jargon please.",
] as const;

const counts = [2, 3, 3, 4, 5, 5, 7, 10] as const;

/** A task as a verb phrase ("explain X"), so it can take an opener ("Can you explain X?") or stand alone. */
const tasks: ReadonlyArray<(random: Random) => string> = [
  (random) => `explain ${pick(random, subjects)}${pick(random, audiences)}${pick(random, lengths)}`,
  (random) => `give me ${pick(random, counts)} facts about ${pick(random, subjects)}`,
  (random) => `list the pros and cons of ${pick(random, subjects)}`,
  (random) => `compare ${pick(random, subjects)} and ${pick(random, subjects)}${pick(random, lengths)}`,
  (random) => `write ${pick(random, forms)} about ${pick(random, characters)}`,
  (random) => `describe ${pick(random, characters)}${pick(random, lengths)}`,
  (random) => `summarize this${pick(random, lengths)}:\n\n${pick(random, paragraphs)}`,
  (random) => `translate into ${pick(random, languages)}: "${pick(random, sentences)}"`,
  (random) => `find the bug in this code:\n\n${pick(random, snippets)}`,
  (random) => `explain what this code does:\n\n${pick(random, snippets)}`,
  (random) => `write a ${pick(random, codeLanguages)} function that ${pick(random, codeTasks)}`,
  (random) => `give me ${pick(random, counts)} ideas for a blog post about ${pick(random, subjects)}`,
  (random) => `tell me how to get started with ${pick(random, subjects)}`,
  (random) => `write an email to ${pick(random, recipients)} about ${pick(random, matters)}`,
  (random) => `tell me a joke about ${pick(random, subjects)}`,
  (random) =>
    `rewrite this more politely: "${pick(random, ["send me the report now", "your app is broken", "why is my order late", "fix this today", "stop calling me"])}"`,
  (random) => `suggest ${pick(random, counts)} names for ${pick(random, ventures)}`,
  (random) => `write a tagline for ${pick(random, ventures)}`,
  (random) => `make a one-week plan for ${pick(random, subjects)}`,
  (random) => `write ${pick(random, counts)} quiz questions about ${pick(random, subjects)}`,
  (random) => `say whether this review is positive or negative: "${pick(random, reviews)}"`,
  (random) => `write a reply to this customer review: "${pick(random, reviews)}"`,
  (random) => `list the main points of this text:\n\n${pick(random, paragraphs)}`,
  (random) => `write a tweet about ${pick(random, subjects)}`,
  (random) => `define ${pick(random, subjects)} for a glossary`,
  (random) => {
    const speed = integer(random, 40, 120);
    const hours = integer(random, 2, 9);
    return `solve this: a train travels at ${speed} km/h for ${hours} hours. How far does it go?`;
  },
  (random) => {
    const price = integer(random, 12, 480);
    const off = pick(random, [10, 15, 20, 25, 30, 40]);
    return `work out the price of a ${price} dollar item with ${off}% off`;
  },
  (random) => `check the grammar of this sentence: "${pick(random, sentences).toLowerCase()}"`,
];

/** Questions asked as questions (no opener). */
const questions: ReadonlyArray<(random: Random) => string> = [
  (random) => `What is ${pick(random, subjects)}?`,
  (random) => `Why does ${pick(random, subjects)} matter?`,
  (random) => `How does ${pick(random, subjects)} work${pick(random, audiences)}?`,
  (random) => `Is ${pick(random, subjects)} hard to learn?`,
  (random) => `What are common mistakes with ${pick(random, subjects)}?`,
  (random) => `What's the best book about ${pick(random, subjects)}?`,
  (random) => `How do I say "${pick(random, sentences)}" in ${pick(random, languages)}?`,
  (random) => `What is ${integer(random, 12, 99)} times ${integer(random, 3, 48)}?`,
  (random) =>
    `My ${pick(random, codeLanguages)} code says "${pick(random, ["undefined is not a function", "index out of range", "permission denied", "null pointer exception", "cannot borrow as mutable"])}". What does that mean?`,
  (random) => pick(random, ["hi", "hello", "hey there", "good morning!", "are you there?"]),
];

const systemPrompts = [
  "You are a helpful assistant.",
  "You are a helpful assistant. Answer concisely.",
  "You are an expert software engineer. Prefer short, working examples.",
  "You are a friendly tutor who explains things step by step.",
  "You are a customer support agent for an online store. Be polite and precise.",
  "You are a creative writing assistant.",
  "Answer in plain English without markdown.",
  "You are a data analyst. Show your reasoning briefly.",
  "You are a travel agent. Suggest practical options.",
  "You are a patient language teacher.",
  "You are a chatbot for a bank. Never give investment advice.",
  "Keep every answer under 100 words.",
  "You are Max, the assistant of a fitness app. Be upbeat.",
  "Reply in the same language as the user.",
] as const;

const followUps = [
  "Can you make it shorter?",
  "Thanks! Can you give an example?",
  "Explain that again, more simply.",
  "What about the opposite case?",
  "Now in bullet points, please.",
  "ok and why is that?",
  "Can you add one more?",
  "Great, now make it funnier.",
  "Translate that into Spanish.",
] as const;

const replies = [
  "Sure. Here is a short answer: it depends on the context, but the main idea is simple.",
  "Of course! In short, there are three things to keep in mind.",
  "Here you go:",
  "Good question. The key point is that it happens step by step.",
] as const;

/** Legacy `completions` prompts, with the stop strings their users often set. */
const completions: ReadonlyArray<(random: Random) => { prompt: string; stop?: string[] }> = [
  (random) => ({ prompt: `Once upon a time, ${pick(random, characters)}` }),
  (random) => ({ prompt: `Write ${pick(random, forms)} about ${pick(random, characters)}.\n\n` }),
  (random) => ({
    prompt: `def ${pick(random, ["fibonacci(n)", "is_prime(n)", "slugify(text)", "mean(values)", "parse_args(argv)", "load_config(path)"])}:\n${pick(random, ["", '    """', "    # "])}`,
  }),
  (random) => ({
    prompt: `# ${pick(random, codeLanguages)}: a function that ${pick(random, codeTasks)}\n`,
  }),
  (random) => ({ prompt: `The main idea of ${pick(random, subjects)} is` }),
  (random) => ({ prompt: `Q: What is ${pick(random, subjects)}?\nA:`, stop: ["\n"] }),
  (random) => ({ prompt: `Q: How does ${pick(random, subjects)} work?\nA:`, stop: ["\nQ:"] }),
  (random) => ({ prompt: `${pick(random, paragraphs)}\n\nIn summary,` }),
  (random) => ({
    prompt: `// ${pick(random, codeTasks)}\n${pick(random, ["function solve(input) {", "export const run = (items) => {", "async function main() {"])}`,
  }),
  (random) => ({
    prompt: `Dear ${pick(random, ["customer", "Sir or Madam", "team", "Ms. Lee"])},\n\nThank you for your message about ${pick(random, matters)}.`,
  }),
  (random) => ({
    prompt: `Here are ${pick(random, counts)} tips for ${pick(random, subjects)}:\n1.`,
    stop: ["\n\n"],
  }),
  (random) => ({ prompt: `Review: ${pick(random, reviews)}\nSentiment:`, stop: ["\n"] }),
  (random) => ({
    prompt: `English: ${pick(random, sentences)}\n${pick(random, languages)}:`,
    stop: ["\n"],
  }),
  (random) => {
    const subject = pick(random, subjects);
    return { prompt: `${subject[0]?.toUpperCase()}${subject.slice(1)} is` };
  },
];

// ─── Phrasing ────────────────────────────────────────────────────────────────────────────────────────────

/** A user message: a question, or a task with or without an opener, sometimes in lower case or unpunctuated. */
function userMessage(random: Random): string {
  let text: string;
  if (random() < 0.3) {
    text = pick(random, questions)(random);
  } else {
    const task = pick(random, tasks)(random);
    const [opener, end] = pick(random, openers);
    const body = opener === "" ? `${task[0]?.toUpperCase()}${task.slice(1)}` : `${opener}${task}`;
    const punctuation = task.includes("\n") || /[.?!:"]$/.test(task) ? "" : end;
    text = `${body}${punctuation}${pick(random, closers)}`;
  }
  const style = random();
  if (text.includes("\n")) return text;
  if (style < 0.12) return text.toLowerCase();
  if (style < 0.2) return text.replace(/[.?!]+$/, "");
  return text;
}

// ─── Sampling parameters ─────────────────────────────────────────────────────────────────────────────────

const sampledTemperatures = [
  [0.1, 1],
  [0.2, 1],
  [0.3, 1],
  [0.5, 2],
  [0.6, 1],
  [0.7, 5],
  [0.8, 3],
  [0.9, 1],
  [1, 4],
] as const;

/** Values users type for `max_tokens`. */
const roundMaxTokens = [
  16, 20, 32, 40, 50, 64, 100, 128, 150, 200, 256, 300, 400, 500, 512, 1000, 1024, 2048,
];

function drawMaxTokens(random: Random, { min, max }: { min: number; max: number }): number {
  const round = roundMaxTokens.filter((value) => value >= min && value <= max);
  if (round.length > 0 && random() < 0.45) return pick(random, round);
  const logMin = Math.log(min);
  const logMax = Math.log(max);
  return Math.max(min, Math.min(max, Math.round(Math.exp(logMin + random() * (logMax - logMin)))));
}

// ─── The evaluation set is never drawn ───────────────────────────────────────────────────────────────────

function normalize(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()} `;
}

const excludedTexts = new WeakMap<readonly EvaluationSet[], string[]>();

function texts(body: Record<string, unknown>): string[] {
  if (typeof body.prompt === "string") return [body.prompt];
  if (!Array.isArray(body.messages)) return [];
  return body.messages.flatMap((message: unknown) => {
    const content = (message as { content?: unknown } | null)?.content;
    return typeof content === "string" ? [content] : [];
  });
}

function excludedBy(sets: readonly EvaluationSet[]): string[] {
  let list = excludedTexts.get(sets);
  if (!list) {
    list = sets
      .flatMap((set) => set.items.flatMap((item) => texts(item.body)))
      .map(normalize)
      .filter((text) => text.trim() !== "");
    excludedTexts.set(sets, list);
  }
  return list;
}

/**
 * Whether `prompt`'s text contains the text of an item of `sets` (case, spacing and punctuation ignored): such
 * a request could be told apart as, or mistaken for, a public evaluation item.
 *
 * @param prompt - a drawn or given request.
 * @param sets - the fixed public sets. @default [AVIARY_EVALUATION_SET]
 * @example
 * ```ts
 * matchesEvaluationSet(AVIARY_EVALUATION_SET.items[0]); // true
 * ```
 */
export function matchesEvaluationSet(
  prompt: Pick<AuditPrompt, "body">,
  sets: readonly EvaluationSet[] = defaultExclusion,
): boolean {
  const excluded = excludedBy(sets);
  return texts(prompt.body).some((text) => {
    const normalized = normalize(text);
    return excluded.some((item) => normalized.includes(item));
  });
}

const defaultExclusion: readonly EvaluationSet[] = [AVIARY_EVALUATION_SET];

// ─── The draw ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Draws one audit request shaped like real traffic, so that a supplier cannot tell it from a user's. A
 * generator, not a list: it combines ~70 subjects, ~40 tasks and question forms, lengths, audiences,
 * openers, closers and casing, pasted paragraphs, code, reviews and sentences to translate, arithmetic with
 * drawn numbers, optional system prompts, multi-turn follow-ups and legacy `completions` prompts (with the
 * stop strings their users set) into millions of combinations; 10,000 draws give about 8,000 distinct prompts
 * (the repeats are short ones users repeat too: greetings, common openings).
 *
 * Parameters are spread like users': greedy or sampled at 0.1–1 (weighted toward 0.7–1), `top_p` on a fifth
 * of sampled requests, streamed or not, `max_tokens` a round number users type or log-uniform within the
 * bounds, sometimes `seed`, `stop` (chat), `user`. A request whose text contains an item of the public
 * evaluation set (`exclude`) is drawn again, so no evaluation item is ever an audit.
 *
 * Deterministic: the draw depends on `random` alone.
 *
 * @param random - uniform in [0, 1).
 * @param options - bounds of `max_tokens`; the stream, greedy, completions and system-prompt shares; the
 * sets to exclude.
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
    systemShare = 0.3,
    exclude = defaultExclusion,
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
    ["systemShare", systemShare],
  ] as const) {
    if (!(share >= 0 && share <= 1))
      throw new AuditParameterInvalidError({ name, value: share, reason: "must be in [0, 1]" });
  }
  const shares = { streamShare, greedyShare, completionShare, systemShare };
  // A handful of redraws at most: matches are rare (a generated text containing a fixed sentence).
  for (let attempt = 0; ; attempt++) {
    const prompt = drawOnce(random, maxTokens, shares);
    if (attempt >= 63 || !matchesEvaluationSet(prompt, exclude)) return prompt;
  }
}

function drawOnce(
  random: Random,
  maxTokens: { min: number; max: number },
  shares: {
    streamShare: number;
    greedyShare: number;
    completionShare: number;
    systemShare: number;
  },
): AuditPrompt {
  const stream = random() < shares.streamShare;
  const temperature = random() < shares.greedyShare ? 0 : weighted(random, sampledTemperatures);
  const max_tokens = drawMaxTokens(random, maxTokens);
  const top_p = temperature > 0 && random() < 0.2 ? pick(random, [0.8, 0.9, 0.95, 0.95, 1]) : undefined;
  const seed =
    random() < 0.05 ? pick(random, [0, 1, 7, 42, 123, 1234, integer(random, 1, 2 ** 31 - 1)]) : undefined;
  const user = random() < 0.05 ? `user-${integer(random, 1000, 999_999)}` : undefined;
  const common = {
    max_tokens,
    temperature,
    ...(top_p === undefined ? {} : { top_p }),
    ...(seed === undefined ? {} : { seed }),
    ...(user === undefined ? {} : { user }),
    ...(stream ? { stream } : {}),
  };
  if (random() < shares.completionShare) {
    const { prompt, stop } = pick(random, completions)(random);
    const withStop = stop !== undefined && random() < 0.6;
    return {
      route: "completions",
      body: {
        prompt,
        ...common,
        ...(withStop ? { stop } : {}),
      },
      stream,
    };
  }
  const messages: Array<{ role: string; content: string }> = [];
  if (random() < shares.systemShare) messages.push({ role: "system", content: pick(random, systemPrompts) });
  const question = userMessage(random);
  if (random() < 0.15) {
    messages.push({ role: "user", content: question });
    const pasted = random() < 0.3;
    messages.push({
      role: "assistant",
      content: pasted ? `${pick(random, replies)} ${pick(random, paragraphs)}` : pick(random, replies),
    });
    messages.push({ role: "user", content: random() < 0.7 ? pick(random, followUps) : userMessage(random) });
  } else {
    messages.push({ role: "user", content: question });
  }
  const stop = random() < 0.04 ? pick(random, [["\n\n"], ["###"], ["User:"], ["\n\n", "###"]]) : undefined;
  return {
    route: "chat/completions",
    body: {
      messages,
      ...common,
      ...(stop === undefined ? {} : { stop }),
    },
    stream,
  };
}
