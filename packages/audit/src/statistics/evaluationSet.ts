import type { AuditPrompt } from "./auditPromptPool.ts";

/** A fixed, public set of requests every supplier of a model answers, scored against the reference. */
export type EvaluationSet = {
  /** Versioned name, published with the scores. */
  name: string;
  items: readonly AuditPrompt[];
};

const chat = (content: string, maxTokens = 32): AuditPrompt => ({
  route: "chat/completions",
  body: { messages: [{ role: "user", content }], max_tokens: maxTokens, temperature: 0 },
  stream: false,
});

/**
 * `aviary-eval-v1`: twelve greedy requests (chat and completions, 32 output tokens each). Greedy, so every
 * honest supplier of a model gives the reference's own answer and the score measures fidelity to the
 * registered weights (100 = identical). Public and fixed: it ranks suppliers, it is not a covert check. Its
 * runs feed the public model evaluation only: they do not count as audits and do not move reputation, and
 * `drawAuditPrompt` never draws a request containing one of its items (the covert audits draw from there).
 *
 * @example
 * ```ts
 * for (const item of AVIARY_EVALUATION_SET.items) await send(item.route, { ...item.body, model });
 * ```
 */
export const AVIARY_EVALUATION_SET: EvaluationSet = {
  name: "aviary-eval-v1",
  items: [
    chat("What is the capital of France?"),
    chat("Explain photosynthesis in one paragraph."),
    chat("Write a haiku about the sea."),
    chat("List three prime numbers greater than 10."),
    chat("Translate 'good morning' into Spanish."),
    chat("What does HTTP stand for?"),
    chat("Give me a tip for better sleep."),
    chat("Summarize the plot of Romeo and Juliet in two sentences."),
    chat("Write a Python function that returns the square of a number."),
    chat("Why is the sky blue?"),
    {
      route: "completions",
      body: { prompt: "Once upon a time, in a quiet village,", max_tokens: 32, temperature: 0 },
      stream: false,
    },
    {
      route: "completions",
      body: { prompt: "The three states of matter are", max_tokens: 32, temperature: 0 },
      stream: false,
    },
  ],
};
