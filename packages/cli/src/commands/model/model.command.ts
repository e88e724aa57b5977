import { Command } from "commander";
import { example } from "../options.ts";
import { modelListCommand } from "./modelList.command.ts";
import { modelPublishCommand } from "./modelPublish.command.ts";
import { modelPullCommand } from "./modelPull.command.ts";
import { modelTestModelCommand } from "./modelTestModel.command.ts";

/**
 * `aviary model test-model | publish | list | pull`: models and their weights.
 *
 * @example
 * program.addCommand(modelCommand());
 */
export function modelCommand(): Command {
  return new Command("model")
    .description("Models: content-addressed weights and the sources they pay")
    .addHelpText("after", example("npx aviary model list", "npx aviary model pull aviary-test-model"))
    .addCommand(modelTestModelCommand())
    .addCommand(modelPublishCommand())
    .addCommand(modelListCommand())
    .addCommand(modelPullCommand());
}
