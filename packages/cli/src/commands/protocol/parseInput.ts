import type { z } from "zod";
import { CliInputError } from "../../errors.ts";

/** Validates `input` against `schema`, naming every wrong field (e.g. `leaves.3.key`). */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 10).map((issue) => {
    const where = issue.path.length ? issue.path.join(".") : "(root)";
    const missing = issue.code === "invalid_type" && issue.message.endsWith("received undefined");
    return `${where}: ${missing ? "is required" : issue.message}`;
  });
  throw new CliInputError(`Invalid input: ${problems.join("; ")}`);
}
