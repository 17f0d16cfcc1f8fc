/**
 * A small declarative argument parser shared by every command: typed options with defaults and help
 * text, positional arguments, `--help`, and one-line errors that say what to do.
 */

export type OptionType = 'string' | 'number' | 'int' | 'boolean';

export interface OptionSpec {
  type: OptionType;
  help: string;
  default?: string | number | boolean;
  /** one-letter alias, e.g. 'o' for -o */
  short?: string;
  /** allowed values (strings) */
  choices?: readonly string[];
}

export interface CommandSpec {
  /** e.g. 'haploomni generate' */
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** names of positional arguments, for help; a trailing '...' name takes the rest */
  positionals?: { name: string; help: string; required?: boolean }[];
}

export type ParsedArgs = { options: Record<string, string | number | boolean | undefined>; positionals: string[] };

/** A usage error: the CLI prints its message on one line and exits with code 2. */
export class UsageError extends Error {}

export function helpText(spec: CommandSpec): string {
  const pos = (spec.positionals ?? []).map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`)).join(' ');
  const lines = [`usage: ${spec.usage} [options]${pos ? ' ' + pos : ''}`, '', spec.summary, ''];
  for (const p of spec.positionals ?? []) lines.push(`  ${p.name.padEnd(24)} ${p.help}`);
  if (spec.positionals?.length) lines.push('');
  lines.push('options:');
  for (const [name, o] of Object.entries(spec.options)) {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'boolean' ? '' : ` <${o.choices ? o.choices.join('|') : o.type}>`}`;
    const def = o.default === undefined ? '' : ` (default ${o.default})`;
    lines.push(`  ${flag.padEnd(34)} ${o.help}${def}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(34)} show this help`);
  return lines.join('\n');
}

function convert(name: string, spec: OptionSpec, raw: string, cmd: string): string | number | boolean {
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) throw new UsageError(`${cmd}: --${name} must be one of ${spec.choices.join(', ')}, got '${raw}'`);
      return raw;
    case 'number': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${cmd}: --${name} needs a number, got '${raw}'`);
      return v;
    }
    case 'int': {
      const v = Number(raw);
      if (!Number.isInteger(v)) throw new UsageError(`${cmd}: --${name} needs an integer, got '${raw}'`);
      return v;
    }
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new UsageError(`${cmd}: --${name} is a switch (use --${name} or --${name}=false), got '${raw}'`);
  }
}

/** Parses argv; returns null when --help was asked (after printing the help). */
export function parseArgs(argv: readonly string[], spec: CommandSpec): ParsedArgs | null {
  const cmd = spec.usage;
  const options: ParsedArgs['options'] = {};
  for (const [name, o] of Object.entries(spec.options)) options[name] = o.default;
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(spec.options).filter(([, o]) => o.short).map(([n, o]) => [o.short!, n]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(helpText(spec));
      return null;
    }
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      const eq = a.indexOf('=');
      const key = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : byShort.get(a.slice(1, eq > 0 ? eq : undefined)) ?? a;
      const o = spec.options[key];
      if (!o) throw new UsageError(`${cmd}: unknown option ${a} (see ${cmd} --help)`);
      let raw: string;
      if (eq > 0) raw = a.slice(eq + 1);
      else if (o.type === 'boolean') raw = 'true';
      else {
        if (i + 1 >= argv.length) throw new UsageError(`${cmd}: --${key} needs a value`);
        raw = argv[++i];
      }
      options[key] = convert(key, o, raw, cmd);
    } else {
      positionals.push(a);
    }
  }
  const declared = spec.positionals ?? [];
  const variadic = declared.length > 0 && declared[declared.length - 1].name.endsWith('...');
  declared.forEach((p, i) => {
    if (p.required && positionals[i] === undefined) throw new UsageError(`${cmd}: missing <${p.name}> (see ${cmd} --help)`);
  });
  if (!variadic && positionals.length > declared.length) {
    throw new UsageError(`${cmd}: unexpected argument '${positionals[declared.length]}' (see ${cmd} --help)`);
  }
  return { options, positionals };
}
