import { accessSync, closeSync, constants, existsSync, fsyncSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../scenario/load.js";

/** Where the CLI writes, and what it knows of its terminal; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** The terminal's width when stdout is one. */
  stdoutColumns?: number;
  env: Record<string, string | undefined>;
  /** Resolves once stdout has taken what was written (a pipe's reader caught up); tests need none. */
  drain?: () => Promise<void>;
}

export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutColumns: process.stdout.isTTY ? process.stdout.columns : undefined,
    env: process.env,
    // A turn of the event loop in any case, so that a reader's early close (EPIPE) is seen.
    drain: () => new Promise((resolve) => (process.stdout.writableNeedDrain ? process.stdout.once("drain", resolve) : setImmediate(resolve))),
  };
}

/**
 * Exit codes: 0 ok; 1 internal error; 2 bad usage or invalid scenario (including an
 * output path that cannot be written, found before any work); 3 regression breached;
 * 4 the output could not be written after the work was done (disk full, I/O error);
 * 5 refused: the run would take longer than --max-hours; 130 interrupted.
 */
export const EXIT = { ok: 0, internal: 1, usage: 2, regression: 3, output: 4, tooLong: 5, interrupted: 130 } as const;

/** Writing a result failed after the run (exit 4); nothing partial is left behind. */
export class OutputError extends Error {
  override name = "OutputError";
}

/** The run was refused because it would take too long (exit 5). */
export class TooLongError extends Error {
  override name = "TooLongError";
}

/**
 * Colour is decided once, here: --color/--no-color, then NO_COLOR (non-empty), then
 * FORCE_COLOR, then whether stdout is a terminal. chalk alone would ignore NO_COLOR.
 */
export function decideColor(flag: boolean | undefined, io: CliIo): boolean {
  if (flag !== undefined) return flag;
  if (io.env.NO_COLOR) return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return io.stdoutIsTTY;
}

/** Progress on stderr only for a person watching: a TTY, not --quiet, not CI. */
export function progressReporter(io: CliIo, quiet: boolean, what: string): ((done: number, total: number, work?: number) => void) | undefined {
  if (quiet || !io.stderrIsTTY || io.env.CI) return undefined;
  const start = Date.now();
  // The bar gives way to a long label, so the line stays within 80 columns: a line that
  // wraps cannot be redrawn by a carriage return.
  const width = Math.max(10, Math.min(30, 80 - what.length - 38));
  return (done, total, work = done / total) => {
    const filled = Math.round((width * done) / total);
    const elapsed = (Date.now() - start) / 1000;
    // Runs differ in length, so the time left goes by the share of the estimated work done.
    const left = done < total && work > 0 ? `, about ${clock((elapsed * (1 - work)) / work)} left` : "";
    // \x1b[K clears what a longer line before left behind.
    io.stderr(`\r${what} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}, ${clock(elapsed)}${left}\x1b[K${done === total ? "\n" : ""}`);
  };
}

/** Seconds as m:ss. */
function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Temporary files still to be removed if the process is interrupted. */
const pendingTemps = new Set<string>();

export function removePendingTemps(): void {
  for (const f of pendingTemps) rmSync(f, { force: true });
  pendingTemps.clear();
}

/**
 * A file written atomically, piece by piece: a temporary file in the same directory,
 * flushed and renamed into place by `close`. A failure or an interruption leaves no
 * partial file, so an output too large to hold in memory (a long trace) can stream.
 */
export class AtomicFile {
  private readonly tmp: string;
  private fd: number | null = null;

  constructor(private readonly file: string) {
    this.tmp = join(dirname(file), `.${basename(file)}.xeniso-tmp-${process.pid}`);
    pendingTemps.add(this.tmp);
    this.attempt(() => (this.fd = openSync(this.tmp, "w")));
  }

  write(text: string): void {
    this.attempt(() => {
      // writeSync may write less than asked (a nearly full disk): keep going until the
      // rest fails with the real error or everything is written.
      const bytes = Buffer.from(text, "utf8");
      for (let off = 0; off < bytes.length; ) off += writeSync(this.fd!, bytes, off, bytes.length - off);
    });
  }

  close(): void {
    this.attempt(() => {
      fsyncSync(this.fd!);
      closeSync(this.fd!);
      this.fd = null;
      renameSync(this.tmp, this.file);
    });
    pendingTemps.delete(this.tmp);
  }

  /** Gives up: the temporary file goes, and nothing is written. */
  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tmp, { force: true });
    pendingTemps.delete(this.tmp);
  }

  private attempt(step: () => void): void {
    try {
      step();
    } catch (e) {
      this.abort();
      const err = e as NodeJS.ErrnoException;
      const why = err.code === "ENOENT" ? "its directory does not exist" : err.code === "EACCES" ? "permission denied" : err.code === "ENOSPC" ? "no space left on the device" : err.message;
      throw new OutputError(`${this.file}: cannot write output: ${why}; nothing was written`);
    }
  }
}

/** Writes `text` to `file` atomically (see `AtomicFile`). */
export function writeAtomic(file: string, text: string): void {
  const out = new AtomicFile(file);
  out.write(text);
  out.close();
}

/** Fails before any work is done if `file` could not be written (so a long run is not wasted). */
export function checkWritable(file: string): void {
  const dir = dirname(file);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError([`${file}: cannot write output: it is a directory; give a file name`]);
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError([`${file}: cannot write output: ${dir} is not a directory`]);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError([`${file}: cannot write output: ${code === "ENOENT" ? "its directory does not exist" : code === "EACCES" ? "permission denied" : (e as Error).message}`]);
  }
}

/**
 * Refuses output paths that would overwrite a file being read (a scenario, a result), or each other
 * (`-o` and `--series` on one file): the run would succeed and leave the user's input,
 * or one of its two outputs, gone.
 */
export function checkDistinct(outputs: Array<[flag: string, file: string | undefined]>, inputs: string[]): void {
  const real = (file: string) => {
    try {
      return realpathSync(file);
    } catch {
      return resolve(file);
    }
  };
  const read = new Set(inputs.map(real));
  const problems: string[] = [];
  const taken = new Map<string, string>();
  for (const [flag, file] of outputs) {
    if (file === undefined) continue;
    const path = real(file);
    if (read.has(path)) problems.push(`${flag} ${file}: is one of this command's input files; writing there would overwrite it`);
    const other = taken.get(path);
    if (other !== undefined) problems.push(`${flag} ${file}: ${other} writes there too; give each its own file`);
    taken.set(path, flag);
  }
  if (problems.length > 0) throw new UsageError(problems);
}
