import { SpecmapError } from '@specmap/core';

/** One command-line flag: its name, whether it takes values, and its help text. */
export interface FlagSpec {
  name: string;
  /**
   * 'boolean' takes no value; 'value' one; 'list' one or more (until the next
   * flag); 'optional' one or none: `--flag=v`, or `--flag v` when v matches
   * `accepts` (so a following input path is not taken), else `implied`.
   */
  kind: 'boolean' | 'value' | 'list' | 'optional';
  help: string;
  valueName?: string;
  default?: string;
  /** 'optional': the value when the flag is given alone. */
  implied?: string;
  /** 'optional': which following arguments are the flag's value. __Default:__ none (only `--flag=v`). */
  accepts?: RegExp;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string[] | true>;
}

/**
 * Parse `argv` against a flag table. Accepts `--flag value`, `--flag=value`
 * and, for list flags, `--flag a b c`. Unknown flags are an error (a typo must
 * not silently change an analysis).
 */
export function parseArgs(argv: string[], specs: FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags = new Map<string, string[] | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
        if (arg === '-h') {
          flags.set('help', true);
          continue;
        }
        throw new SpecmapError('USAGE', `unknown option: ${arg}`);
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new SpecmapError('USAGE', `unknown option: --${name}`);
    if (spec.kind === 'boolean') {
      if (eq >= 0) throw new SpecmapError('USAGE', `option --${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    if (spec.kind === 'optional') {
      let v: string;
      if (eq >= 0) v = arg.slice(eq + 1);
      else if (i + 1 < argv.length && spec.accepts?.test(argv[i + 1])) v = argv[++i];
      else v = spec.implied ?? '';
      if (v === '') throw new SpecmapError('USAGE', `option --${name} needs a value`);
      if (flags.has(name)) throw new SpecmapError('USAGE', `option --${name} given twice`);
      flags.set(name, [v]);
      continue;
    }
    const values: string[] = [];
    if (eq >= 0) values.push(...(spec.kind === 'list' ? arg.slice(eq + 1).split(',') : [arg.slice(eq + 1)]));
    else {
      while (i + 1 < argv.length && !(argv[i + 1].startsWith('--') && argv[i + 1].length > 2)) {
        values.push(argv[++i]);
        if (spec.kind === 'value') break;
      }
    }
    if (values.length === 0 || values.some((v) => v === '')) {
      throw new SpecmapError('USAGE', `option --${name} needs ${spec.kind === 'list' ? 'one or more values' : 'a value'}`);
    }
    const prev = flags.get(name);
    if (spec.kind === 'list' && Array.isArray(prev)) prev.push(...values);
    else if (prev !== undefined) throw new SpecmapError('USAGE', `option --${name} given twice`);
    else flags.set(name, values);
  }
  return { positionals, flags };
}

/** The single string value of a flag, or undefined. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v[0] : undefined;
}

/** A numeric flag, checked: integer when asked, within [min, max]. */
export function numberFlag(
  args: ParsedArgs,
  name: string,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  const s = stringFlag(args, name);
  if (s === undefined) return undefined;
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v)) throw new SpecmapError('USAGE', `--${name} must be a number, got "${s}"`);
  if (opts.integer && !Number.isInteger(v)) throw new SpecmapError('USAGE', `--${name} must be an integer, got "${s}"`);
  if (opts.min !== undefined && v < opts.min) throw new SpecmapError('USAGE', `--${name} must be ≥ ${opts.min}, got ${s}`);
  if (opts.max !== undefined && v > opts.max) throw new SpecmapError('USAGE', `--${name} must be ≤ ${opts.max}, got ${s}`);
  return v;
}

/** Render a flag table as help text. */
export function formatFlags(specs: FlagSpec[]): string {
  const rows = specs.map((s) => {
    const value = s.valueName ?? 'VALUE';
    const left = `  --${s.name}${s.kind === 'boolean' ? '' : s.kind === 'optional' ? ` [${value}]` : ` ${value}${s.kind === 'list' ? '…' : ''}`}`;
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    return [left, s.help + def] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => l.padEnd(width) + r).join('\n');
}
