// Command-line flags declared once with their help line: node:util's parseArgs options, the
// `<command> --help` text and alias folding all come from the same declaration.
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

/**
 * @typedef {object} Flag
 * @property {'string' | 'boolean'} type
 * @property {string} doc one line of help (wrapped when long)
 * @property {string} [short] one-letter form
 * @property {boolean} [multiple] repeatable: the value is a list
 * @property {string} [arg] name of the value in the help text
 * @property {readonly string[]} [aliases] other long names (folded into this one when parsed)
 */

/** @typedef {Readonly<Record<string, Readonly<Flag>>>} Flags */
/** @typedef {Record<string, string | boolean | Array<string | boolean> | undefined>} FlagValues */

/**
 * A command: `synopsis` is what follows `smollm-wasm` (e.g. 'generate -m FILE -p TEXT
 * [options]'), `summary` what it does, `flagGroups` its titled groups of flags in help order.
 * `run` is a method so that a command may type its values more narrowly than FlagValues.
 * @typedef {{
 *   synopsis: string,
 *   summary: string,
 *   flagGroups: Array<[string, Flags]>,
 *   run(values: FlagValues, positionals: string[]): Promise<{ keepRunning?: boolean } | void>,
 * }} Command
 */

/** @type {Flags} */
const HELP_FLAG = { help: { type: 'boolean', short: 'h', doc: 'this text' } };

/** @param {Command} command @returns {Flags} every flag of the command, --help included */
function allFlags(command) {
  return Object.assign({}, ...command.flagGroups.map(([, flags]) => flags), HELP_FLAG);
}

/** @param {string} text @param {number} width @returns {string[]} */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

/** @param {string} name @param {Readonly<Flag>} flag */
function flagLabel(name, flag) {
  const arg = flag.arg ? ` ${flag.arg}` : '';
  const names = [...(flag.short ? [`-${flag.short}`] : []), `--${name}${arg}`, ...(flag.aliases ?? []).map((a) => `--${a}${arg}`)];
  return names.join(', ');
}

/**
 * The `--help` text of one command.
 * @param {string} name
 * @param {Command} command
 */
export function commandUsage(name, command) {
  const column = 30;
  const groups = [...command.flagGroups, /** @type {[string, Flags]} */ (['', HELP_FLAG])];
  const sections = groups.map(([title, flags]) => {
    const rows = Object.entries(flags).flatMap(([flag, spec]) => {
      const label = `  ${flagLabel(flag, spec)}`;
      const doc = wrap(`${spec.doc}${spec.multiple ? ' (repeatable)' : ''}`, 96 - column);
      const first = label.length < column ? [`${label.padEnd(column)}${doc[0]}`] : [label, `${' '.repeat(column)}${doc[0]}`];
      return [...first, ...doc.slice(1).map((l) => `${' '.repeat(column)}${l}`)];
    });
    return `${title ? `${title}:\n` : ''}${rows.join('\n')}`;
  });
  const summary = wrap(command.summary.replace(/\s*\n\s*/g, ' '), 96).join('\n');
  return `usage: smollm-wasm ${command.synopsis}\n\n${summary}\n\n${sections.join('\n\n')}\n`;
}

/**
 * Parses a command's arguments. `help` is true when -h/--help was given, even among
 * arguments that would not parse (so `--help` always answers).
 * @param {string} name
 * @param {Command} command
 * @param {string[]} args
 * @returns {{ help: boolean, values: FlagValues, positionals: string[] }}
 */
export function parseCommandArgs(name, command, args) {
  const flags = allFlags(command);
  /** @type {Record<string, { type: 'string' | 'boolean', short?: string, multiple?: boolean }>} */
  const options = {};
  for (const [flag, spec] of Object.entries(flags)) {
    const parsed = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) };
    options[flag] = spec.short ? { ...parsed, short: spec.short } : parsed;
    for (const alias of spec.aliases ?? []) options[alias] = parsed;
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    if (args.includes('--help') || args.includes('-h')) return { help: true, values: {}, positionals: [] };
    throw new UsageError(`${/** @type {Error} */ (error).message}\nusage: smollm-wasm ${command.synopsis} (--help lists the flags)`);
  }
  /** @type {FlagValues} */
  const values = { ...parsed.values };
  for (const [flag, spec] of Object.entries(flags)) {
    for (const alias of spec.aliases ?? []) {
      if (values[alias] !== undefined) values[flag] ??= values[alias];
      delete values[alias];
    }
  }
  return { help: values.help === true, values, positionals: parsed.positionals };
}

/**
 * A string flag's value (the last one given when repeated).
 * @param {FlagValues} values
 * @param {string} key
 * @returns {string | undefined}
 */
export function stringFlag(values, key) {
  const raw = values[key];
  const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return typeof last === 'string' ? last : undefined;
}

/**
 * A numeric flag, checked.
 * @param {FlagValues} values
 * @param {string} key
 * @param {{ integer?: boolean, min?: number }} [limits]
 * @returns {number | undefined}
 */
export function numberFlag(values, key, { integer = false, min = -Infinity } = {}) {
  const raw = stringFlag(values, key);
  if (raw === undefined) return undefined;
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new UsageError(`--${key} expects ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got "${raw}"`);
  }
  return n;
}
