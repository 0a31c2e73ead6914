import { Command, CommanderError } from "commander";
import { UsageError } from "../scenario/load.js";
import { PolicyError } from "../model/policy-module.js";
import { XENISO_VERSION } from "../report/result.js";
import { EXIT, OutputError, processIo, removePendingTemps, TooLongError, type CliIo } from "./io.js";
import { runCommand } from "./run.js";
import { calibrateCommand } from "./calibrate.js";
import { validateCommand } from "./validate.js";
import { schemaCommand } from "./schema.js";
import { compareCommand } from "./compare.js";
import { plotCommand } from "./plot.js";
import { reportCommand } from "./report.js";
import { profileCommand } from "./profile.js";
import { traceCommand } from "./trace.js";
import { searchCommand } from "./search.js";
import { showCommand } from "./show.js";
import { tuneHeap } from "../model/replication.js";

/** The CLI's commands, writing to `io` (tests parse documented command lines with it). */
export function program(io: CliIo): Command {
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
  plotCommand(prog, io);
  reportCommand(prog, io);
  showCommand(prog, io);
  profileCommand(prog, io);
  traceCommand(prog, io);
  searchCommand(prog, io);
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
  if (e instanceof PolicyError) {
    // The user's policy module failed during a run: its message names the module and the time.
    io.stderr(`error: ${e.key}: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof OutputError) {
    io.stderr(`error: ${e.message}\n`);
    return EXIT.output;
  }
  if (e instanceof TooLongError) {
    io.stderr(`error: ${e.message}\n`);
    return EXIT.tooLong;
  }
  io.stderr(`xeniso: internal error: ${(e as Error)?.stack ?? String(e)}\nPlease report this with the scenario that caused it.\n`);
  return EXIT.internal;
}

/** Entry point of bin/xeniso. */
export async function cli(): Promise<void> {
  tuneHeap();
  process.on("SIGINT", () => {
    removePendingTemps();
    process.stderr.write("\nxeniso: interrupted; no output was written\n");
    process.exit(EXIT.interrupted);
  });
  // A reader that stops early (`xeniso validate … | head`) closes the pipe: stop quietly,
  // as a Unix tool does, rather than with a stack trace for an unhandled EPIPE.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    removePendingTemps();
    process.exit(EXIT.ok);
  });
  process.exitCode = await main(process.argv.slice(2));
}
