import type { Command } from "commander";
import { scenarioJsonSchema } from "../scenario/schema.js";
import type { CliIo } from "./io.js";

export function schemaCommand(prog: Command, io: CliIo): void {
  prog
    .command("schema")
    .description("print the JSON Schema of scenario files (for editors: yaml-language-server)")
    .action(() => {
      io.stdout(JSON.stringify(scenarioJsonSchema(), null, 2) + "\n");
    });
}
