// The generation fields' flags (generate, chat), derived from the table's `cli` column, and
// their values turned into the package's options, checked by the table's one checker.
import { readFileSync } from 'node:fs';
import { FIELD_LIST } from '../options/generation-fields.js';
import { fieldProblem, shown } from '../options/validate.js';
import { UsageError } from './flags.js';

/** @typedef {import('./flags.js').Flag} Flag */
/** @typedef {import('./flags.js').Flags} Flags */
/** @typedef {import('./flags.js').FlagValues} FlagValues */
/** @typedef {import('../options/generation-fields.js').GenerationField} GenerationField */
/** @typedef {import('../options/generation-fields.js').GenerationFieldOptions} GenerationFieldOptions */

const REPEATABLE = new Set(['stop', 'logitBias']);

/** @param {GenerationField} field @returns {string} */
function defaultText(field) {
  if (field.default === null || field.default === '' || REPEATABLE.has(field.kind) || field.kind === 'boolean') return '';
  return ` (default ${field.default})`;
}

/** @type {Flags} */
export const GENERATION_FLAGS = Object.freeze(Object.fromEntries(FIELD_LIST.flatMap((field) => {
  if (!field.cli) return [];
  /** @type {Flag} */
  const flag = {
    type: field.kind === 'boolean' ? 'boolean' : 'string',
    doc: `${field.doc}${defaultText(field)}`,
    ...(field.cli.short ? { short: field.cli.short } : {}),
    ...(field.cli.arg ? { arg: field.cli.arg } : {}),
    ...(field.cli.aliases ? { aliases: field.cli.aliases } : {}),
    ...(REPEATABLE.has(field.kind) ? { multiple: true } : {}),
  };
  return [[field.cli.flag, Object.freeze(flag)]];
})));

/**
 * One flag's raw value as the field's type (numbers parsed, ID=BIAS pairs into an object).
 * @param {GenerationField} field
 * @param {NonNullable<FlagValues[string]>} raw
 * @returns {unknown}
 */
function fromFlag(field, raw) {
  const flag = `--${field.cli?.flag}`;
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const text = String(Array.isArray(raw) ? raw[raw.length - 1] : raw);
      return text.trim() === '' ? text : Number(text);
    }
    case 'boolean':
      return field.cli?.negates ? raw !== true : raw === true;
    case 'stop':
      return [raw].flat().map(String);
    case 'text':
      return String(Array.isArray(raw) ? raw[raw.length - 1] : raw);
    case 'logitBias':
      return Object.fromEntries([raw].flat().map((entry) => {
        const m = /^\s*(\d+)\s*=\s*(\S+)\s*$/.exec(String(entry));
        if (!m) throw new UsageError(`${flag} expects ID=BIAS (a token id and a number, e.g. 42=-5), got ${shown(entry)}`);
        return [m[1], Number(m[2])];
      }));
    case 'grammar':
    case 'jsonSchema': {
      // The flag names a file: its text is the grammar, or the schema's JSON.
      const file = String(Array.isArray(raw) ? raw[raw.length - 1] : raw);
      let text;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new UsageError(`${flag}: cannot read ${file} (${/** @type {Error} */ (error).message})`);
      }
      if (field.kind === 'grammar') return text;
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new UsageError(`${flag}: ${file} is not valid JSON (${/** @type {Error} */ (error).message})`);
      }
    }
    default:
      throw new Error(`no flag parser for kind ${field.kind}`);
  }
}

/**
 * The generation options given on the command line, checked (a bad value is a UsageError
 * naming the flag); flags not given are left out, so the package's defaults apply.
 * @param {FlagValues} values
 * @returns {GenerationFieldOptions}
 */
export function generationFromFlags(values) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const field of FIELD_LIST) {
    if (!field.cli) continue;
    const raw = values[field.cli.flag];
    if (raw === undefined) continue;
    const value = fromFlag(field, raw);
    const problem = fieldProblem(field, value);
    if (problem) {
      const numeric = field.kind === 'number' || field.kind === 'integer';
      const given = numeric ? shown(String(Array.isArray(raw) ? raw[raw.length - 1] : raw)) : problem.got;
      throw new UsageError(`--${field.cli.flag}${problem.at} expects ${problem.expected}, got ${given}`);
    }
    out[field.name] = value;
    Object.assign(out, field.cli.implies);
  }
  return out;
}
