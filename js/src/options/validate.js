// The one checker of generation field values, driven by the table (generation-fields.js).
// It says what is wrong and where; each surface words it: the package throws
// InvalidArgumentError ("topK must be ..."), serve answers 400 with OpenAI's `param`
// ("top_k: expected ..."), the CLI a usage error ("--top-k expects ..."). No string, NaN or
// out-of-range number gets past it to the engine's casts.
import { InvalidArgumentError } from '../errors.js';

/** @typedef {import('./generation-fields.js').GenerationField} GenerationField */
/** @typedef {import('./generation-fields.js').FieldRange} FieldRange */

/**
 * What is wrong with a value: `at` extends the field's name to the element at fault ('' for
 * the value itself, '[1]' for a stop string, '.42' for a logitBias entry).
 * @typedef {{ at: string, expected: string, got: string }} FieldProblem
 */

/** @param {unknown} v a value as an error message shows it (strings quoted and cut). */
export function shown(v) {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)) ?? String(v);
}

/** @param {FieldRange} range @param {boolean} integer */
function numberPhrase(range, integer) {
  const { min = -Infinity, max = Infinity, minExclusive = false } = range;
  const bounds = [min > -Infinity && `${minExclusive ? '>' : '>='} ${min}`, max < Infinity && `<= ${max}`].filter(Boolean);
  return `${integer ? 'an integer' : 'a finite number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
}

/** @param {unknown} v @param {FieldRange} range @param {boolean} integer */
function numberOk(v, range, integer) {
  const { min = -Infinity, max = Infinity, minExclusive = false } = range;
  return typeof v === 'number' && Number.isFinite(v) && (!integer || Number.isInteger(v)) &&
    (minExclusive ? v > min : v >= min) && v <= max;
}

/** @param {unknown} v whether v is an object (not an array), or JSON text of one */
function schemaObject(v) {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return false;
    }
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The problem with `value` (neither undefined nor null) for `field` under `range`, or null.
 * @param {GenerationField} field
 * @param {unknown} value
 * @param {FieldRange} [range] default: the field's own
 * @returns {FieldProblem | null}
 */
export function fieldProblem(field, value, range = field.range) {
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const integer = field.kind === 'integer';
      return numberOk(value, range, integer) ? null : { at: '', expected: numberPhrase(range, integer), got: shown(value) };
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : { at: '', expected: 'true or false', got: shown(value) };
    case 'stop': {
      const list = typeof value === 'string' ? [value] : value;
      const most = range.maxItems ?? Infinity;
      if (!Array.isArray(list) || list.length > most) {
        const count = most < Infinity ? `up to ${most} non-empty strings` : 'an array of non-empty strings';
        return { at: '', expected: `a non-empty string or ${count}`, got: shown(value) };
      }
      const bad = list.findIndex((s) => typeof s !== 'string' || s.length === 0);
      if (bad < 0) return null;
      return { at: typeof value === 'string' ? '' : `[${bad}]`, expected: 'a non-empty string', got: shown(list[bad]) };
    }
    case 'logitBias': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { at: '', expected: 'an object of token id -> bias', got: shown(value) };
      }
      const biasRange = { min: range.biasMin, max: range.biasMax };
      for (const [id, bias] of Object.entries(value)) {
        if (!/^\d{1,9}$/.test(id)) return { at: '', expected: 'token ids (non-negative integers) as keys', got: `key ${shown(id)}` };
        if (!numberOk(bias, biasRange, false)) return { at: `.${id}`, expected: numberPhrase(biasRange, false), got: shown(bias) };
      }
      return null;
    }
    case 'grammar':
      return typeof value === 'string' && value.trim() !== '' ? null : { at: '', expected: 'a non-empty GBNF grammar text', got: shown(value) };
    case 'text':
      return typeof value === 'string' && value !== '' ? null : { at: '', expected: 'a non-empty string', got: shown(value) };
    case 'jsonSchema':
      return schemaObject(value) ? null : { at: '', expected: 'a JSON schema (an object, or the JSON text of one)', got: shown(value) };
    default:
      throw new Error(`generation field ${field.name} has no checker for kind ${field.kind}`);
  }
}

/**
 * `value` checked and normalized (a lone stop string becomes a list); undefined and null
 * give undefined. Throws InvalidArgumentError naming the field by its package name.
 * @param {GenerationField} field
 * @param {unknown} value
 * @returns {unknown}
 */
export function checkedField(field, value) {
  if (value === undefined || value === null) return undefined;
  const problem = fieldProblem(field, value);
  if (problem) throw new InvalidArgumentError(`${field.name}${problem.at} must be ${problem.expected}, got ${problem.got}`);
  return field.kind === 'stop' && typeof value === 'string' ? [value] : value;
}
