/**
 * What the model commands (ask, generate, info, eval, demo, export) share: where they write, the
 * --model option, and the error policy: a UsageError prints its one line and exits 2, any other
 * error prints `<command>: <message>` on one line and exits 1 (no stack traces).
 */
import { helpText, parseArgs, UsageError, type CommandSpec, type OptionSpec, type ParsedArgs } from './args.js';

export interface CommandIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

export const PROCESS_IO: CommandIO = { stdout: process.stdout, stderr: process.stderr };

/** --model: a model folder; absent means the embedded default (assets/model). */
export const MODEL_OPTION: OptionSpec = { type: 'string', help: 'model folder: config.json + model.safetensors [+ pipeline.json, vae/, tokenizer/] (default: the embedded assets/model)' };

/** Parses argv; on -h / --help (before any `--`) writes the help to stdout and returns null. */
export function parseCommand(argv: readonly string[], spec: CommandSpec, io: CommandIO): ParsedArgs | null {
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === '-h' || a === '--help')) {
    io.stdout.write(helpText(spec) + '\n');
    return null;
  }
  return parseArgs(argv, spec);
}

/** Runs a command body under the error policy above. */
export async function runCommand(name: string, io: CommandIO, body: () => number | Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`${e.message}\n`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`${name}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

/** Throws a UsageError unless `value` is an integer in [min, max]. */
export function checkInt(command: string, option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${command}: --${option} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got ${value}`);
  }
  return value;
}

/** A progress line on stderr, redrawn in place, only when stderr is a terminal. */
export function progressLine(io: CommandIO): (text: string, done: boolean) => void {
  return (text, done) => {
    if (io.stderr.isTTY) io.stderr.write(`\r${text}\x1b[K${done ? '\n' : ''}`);
  };
}
