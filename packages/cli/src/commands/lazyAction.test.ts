import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { lazyAction } from "./lazyAction.ts";

/** A command whose action records what it was given; commander's output goes to `errors`. */
function testCommand(schema: z.ZodType<Record<string, unknown>>) {
  const received: unknown[] = [];
  const errors: string[] = [];
  const command = new Command("pull")
    .exitOverride()
    .configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => {} })
    .argument("<name-or-id>", "the model")
    .option("-o, --out <dir>", "destination")
    .option("--count <n>", "how many")
    .action(
      lazyAction(schema, async () => async (options) => {
        received.push(options);
      }),
    );
  return { command, received, errors };
}

describe("lazyAction", () => {
  it("passes the arguments, camel-cased, and the options through the schema", async () => {
    const { command, received } = testCommand(
      z.object({ nameOrId: z.string(), out: z.string().optional(), count: z.string().optional() }),
    );
    await command.parseAsync(["node", "aviary", "aviary-test-model", "--out", "models"]);
    expect(received).toEqual([{ nameOrId: "aviary-test-model", out: "models" }]);
  });

  it("reports an option the schema refuses as commander reports a bad flag: naming it, exit code 2", async () => {
    const { command, received, errors } = testCommand(z.object({ nameOrId: z.string(), count: z.number() }));
    const failure = await command.parseAsync(["node", "aviary", "model", "--count", "3"]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CommanderError);
    expect((failure as CommanderError).exitCode).toBe(2);
    expect(errors.join("")).toMatch(/^error: option '--count <n>' is invalid: .*expected number/);
    expect(received).toEqual([]);
  });

  it("names a refused argument by its name", async () => {
    const { command, errors } = testCommand(z.object({ nameOrId: z.string().regex(/^0x/, "must be an id") }));
    await command.parseAsync(["node", "aviary", "model"]).catch(() => undefined);
    expect(errors.join("")).toMatch(/^error: argument 'name-or-id' is invalid: must be an id/);
  });
});
