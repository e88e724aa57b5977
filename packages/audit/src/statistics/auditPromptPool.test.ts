import { seededRandom } from "@aviary/protocol";
import { describe, expect, test } from "vitest";
import { type AuditPrompt, drawAuditPrompt, matchesEvaluationSet } from "./auditPromptPool.ts";
import { AuditParameterInvalidError } from "./errors.ts";
import { AVIARY_EVALUATION_SET } from "./evaluationSet.ts";

const textOf = (prompt: AuditPrompt) => JSON.stringify(prompt.body.messages ?? prompt.body.prompt);
const draws = (seed: number, count: number, maxTokens = { min: 16, max: 256 }) => {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => drawAuditPrompt(random, { maxTokens }));
};

describe("drawAuditPrompt", () => {
  test("test_drawAuditPrompt_sameRandomSource_sameDraws", () => {
    expect(draws(3, 200)).toEqual(draws(3, 200));
    expect(draws(3, 200)).not.toEqual(draws(4, 200));
  });

  test("test_drawAuditPrompt_thousandsOfDistinctPrompts", () => {
    const prompts = draws(5, 10_000);
    expect(new Set(prompts.map(textOf)).size).toBeGreaterThan(7_500);
    // Not one template: many openings of the first user message.
    const openings = new Set(
      prompts.map((prompt) => {
        const messages = prompt.body.messages as Array<{ role: string; content: string }> | undefined;
        const text =
          messages?.find((message) => message.role === "user")?.content ?? String(prompt.body.prompt);
        return text.split(/\s+/).slice(0, 2).join(" ").toLowerCase();
      }),
    );
    expect(openings.size).toBeGreaterThan(150);
  });

  test("test_fuzz_drawAuditPrompt_neverAnEvaluationItem", () => {
    const items = new Set(AVIARY_EVALUATION_SET.items.map((item) => JSON.stringify(item.body)));
    for (const seed of [1, 2, 3, 4, 5]) {
      for (const prompt of draws(seed, 10_000, { min: 32, max: 32 })) {
        expect(matchesEvaluationSet(prompt)).toBe(false);
        expect(items.has(JSON.stringify(prompt.body))).toBe(false);
      }
    }
    for (const item of AVIARY_EVALUATION_SET.items) expect(matchesEvaluationSet(item)).toBe(true);
  });

  test("test_drawAuditPrompt_excludedSet_neverDrawn", () => {
    // "hi" is one of the pool's own messages: excluded, it is drawn again.
    const set = {
      name: "test",
      items: [
        {
          route: "chat/completions" as const,
          body: { messages: [{ role: "user", content: "HI!" }] },
          stream: false,
        },
      ],
    };
    const random = seededRandom(8);
    const prompts = Array.from({ length: 5_000 }, () => drawAuditPrompt(random, { exclude: [set] }));
    expect(prompts.some((prompt) => matchesEvaluationSet(prompt, [set]))).toBe(false);
    const unexcluded = draws(8, 5_000);
    expect(unexcluded.some((prompt) => matchesEvaluationSet(prompt, [set]))).toBe(true);
  });

  test("test_drawAuditPrompt_parametersSpreadLikeUsers", () => {
    const prompts = draws(6, 10_000, { min: 16, max: 512 });
    const share = (predicate: (prompt: AuditPrompt) => boolean) =>
      prompts.filter(predicate).length / prompts.length;
    const messages = (prompt: AuditPrompt) => (prompt.body.messages ?? []) as Array<{ role: string }>;
    expect(share((prompt) => prompt.stream)).toBeCloseTo(0.5, 1);
    expect(share((prompt) => prompt.body.temperature === 0)).toBeCloseTo(0.35, 1);
    expect(share((prompt) => prompt.route === "completions")).toBeCloseTo(0.15, 1);
    expect(share((prompt) => messages(prompt).some((message) => message.role === "system"))).toBeGreaterThan(
      0.2,
    );
    expect(share((prompt) => messages(prompt).length >= 3)).toBeGreaterThan(0.08);
    for (const field of ["top_p", "seed", "stop", "user"]) {
      const withField = share((prompt) => field in prompt.body);
      expect(withField, field).toBeGreaterThan(0.01);
      expect(withField, field).toBeLessThan(0.2);
    }
    expect(new Set(prompts.map((prompt) => prompt.body.temperature)).size).toBeGreaterThanOrEqual(8);
    const maxTokens = prompts.map((prompt) => prompt.body.max_tokens as number);
    expect(new Set(maxTokens).size).toBeGreaterThan(100);
    expect(maxTokens.filter((value) => [64, 100, 128, 256, 512].includes(value)).length).toBeGreaterThan(
      1_000,
    );
    for (const prompt of prompts) {
      expect(prompt.body.max_tokens).toBeGreaterThanOrEqual(16);
      expect(prompt.body.max_tokens).toBeLessThanOrEqual(512);
      expect(prompt.body.stream === true).toBe(prompt.stream);
      expect(prompt.body).not.toHaveProperty("model");
      expect(prompt.body).not.toHaveProperty("logprobs");
      if ("top_p" in prompt.body) expect(prompt.body.temperature).toBeGreaterThan(0);
    }
  });

  test("test_drawAuditPrompt_invalidOptions_throw", () => {
    expect(() => drawAuditPrompt(Math.random, { maxTokens: { min: 0, max: 5 } })).toThrow(
      AuditParameterInvalidError,
    );
    expect(() => drawAuditPrompt(Math.random, { systemShare: -0.1 })).toThrow(AuditParameterInvalidError);
    expect(() => drawAuditPrompt(Math.random, { completionShare: 1.5 })).toThrow(AuditParameterInvalidError);
  });
});

describe("matchesEvaluationSet", () => {
  test("test_matchesEvaluationSet_ignoresCaseSpacingAndPunctuation", () => {
    const chat = (content: string) => ({ body: { messages: [{ role: "user", content }] } });
    expect(matchesEvaluationSet(chat("what is the capital of france"))).toBe(true);
    expect(matchesEvaluationSet(chat("Hi! What is the   capital of France? Thanks"))).toBe(true);
    expect(matchesEvaluationSet({ body: { prompt: "The three states of matter are:" } })).toBe(true);
    expect(matchesEvaluationSet(chat("What is the capital of Peru?"))).toBe(false);
    expect(matchesEvaluationSet({ body: { prompt: "Once upon a time, a fox" } })).toBe(false);
  });
});
