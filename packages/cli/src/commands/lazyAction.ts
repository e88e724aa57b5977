import type { Argument, Command } from "commander";
import type { z } from "zod";

/**
 * A command's action: parses what commander read (the arguments, by their camel-cased names, and the options) with
 * the command's schema, then imports the command's module and runs it. Imported when run: loading every package
 * up front would slow every invocation, `aviary --help` included. An input the schema refuses is reported as
 * commander reports a bad flag: `error: option '--x <v>' is invalid: …` on stderr, exit code 2.
 *
 * @param schema - the command's options (and arguments) schema.
 * @param load - imports the module and returns the function that does the work.
 * @example
 * new Command("status")
 *   .addOption(jsonOption())
 *   .action(lazyAction(devnetStatusOptionsSchema, async () => (await import("./devnetStatus.ts")).devnetStatus));
 */
export function lazyAction<Schema extends z.ZodType<Record<string, unknown>>>(
  schema: Schema,
  load: () => Promise<(options: z.output<Schema>) => Promise<void>>,
): (...values: unknown[]) => Promise<void> {
  return async (...values) => {
    // Commander passes the arguments, then the options, then the command itself.
    const command = values.at(-1) as Command;
    const options = parseCommandInput(command, schema);
    const run = await load();
    await run(options);
  };
}

function parseCommandInput<Schema extends z.ZodType>(command: Command, schema: Schema): z.output<Schema> {
  const input: Record<string, unknown> = { ...command.opts() };
  command.registeredArguments.forEach((argument, index) => {
    input[camelCase(argument.name())] = command.processedArgs[index];
  });
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? "");
  const option = command.options.find((candidate) => candidate.attributeName() === key);
  const argument = command.registeredArguments.find(
    (candidate: Argument) => camelCase(candidate.name()) === key,
  );
  const what = option
    ? `option '${option.flags}' is invalid`
    : argument
      ? `argument '${argument.name()}' is invalid`
      : "invalid options";
  return command.error(`error: ${what}: ${issue?.message ?? parsed.error.message}`, {
    exitCode: 2,
    code: "aviary.invalidInput",
  });
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
