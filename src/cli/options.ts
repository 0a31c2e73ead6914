import { availableParallelism } from "node:os";
import { InvalidArgumentError, Option, type Command } from "commander";
import { FORMATS } from "../report/render.js";

/** A whole-number flag within [min, max]; commander reports the error and xeniso exits 2. */
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

/** One worker per core. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}
