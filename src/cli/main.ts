import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { UsageError } from "../scenario/load.js";
import { XENISO_VERSION } from "../report/result.js";
import { FORMATS } from "../report/render.js";
import { EXIT, processIo, removePendingTemps, type CliIo } from "./io.js";
import { runCommand } from "./run.js";
import { calibrateCommand } from "./calibrate.js";
import { validateCommand } from "./validate.js";
import { schemaCommand } from "./schema.js";
import { compareCommand } from "./compare.js";

export function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** Options every data-producing command shares. */
export function outputOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("-f, --format <format>", "output format").choices(FORMATS).default("table"))
    .option("-o, --output <file>", "write the output to FILE (atomically) instead of stdout")
    .option("--color", "force colour in table output")
    .option("--no-color", "never colour output")
    .option("-q, --quiet", "no progress display on stderr");
}

function program(io: CliIo): Command {
  const prog = new Command("xeniso")
    .description("Reproduce and extend 'Enforcing Performance Isolation Across Virtual Machines in Xen' (Middleware 2006) on a simulated Xen host")
    .version(XENISO_VERSION)
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  runCommand(prog, io);
  calibrateCommand(prog, io);
  validateCommand(prog, io);
  schemaCommand(prog, io);
  compareCommand(prog, io);
  for (const c of prog.commands) c.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return prog;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await program(io).parseAsync(argv, { from: "user" });
    code = (process.exitCode as number | undefined) ?? EXIT.ok;
    process.exitCode = undefined;
  } catch (e) {
    code = handleError(e, io);
  }
  return code;
}

function handleError(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    // Help and version are "errors" to commander but successes to the user.
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.ok;
    return EXIT.usage; // commander already printed its message on stderr
  }
  if (e instanceof UsageError) {
    io.stderr(e.diagnostics.map((d) => `error: ${d}`).join("\n") + "\n");
    return EXIT.usage;
  }
  io.stderr(`xeniso: internal error: ${(e as Error)?.stack ?? String(e)}\nPlease report this with the scenario that caused it.\n`);
  return EXIT.internal;
}

/** Entry point of bin/xeniso. */
export async function cli(): Promise<void> {
  process.on("SIGINT", () => {
    removePendingTemps();
    process.stderr.write("\nxeniso: interrupted; no output was written\n");
    process.exit(EXIT.interrupted);
  });
  process.exitCode = await main(process.argv.slice(2));
}
