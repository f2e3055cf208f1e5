// OpenAI request names of the generation fields (generation-fields.js, `openai` column):
// chat.completions.create() reads them, `serve` validates and forwards them, the CLI's chat
// command writes them.
import { FIELD_LIST } from './generation-fields.js';

/** @typedef {import('./generation-fields.js').GenerationField} GenerationField */
/** @typedef {import('./generation-fields.js').GenerationFieldOptions} GenerationFieldOptions */

/**
 * Every OpenAI name (aliases included) with its field.
 * @type {ReadonlyArray<{ name: string, field: GenerationField }>}
 */
export const OPENAI_FIELDS = Object.freeze(FIELD_LIST.flatMap((field) => (field.openai
  ? [field.openai.name, ...(field.openai.aliases ?? [])].map((name) => ({ name, field }))
  : [])));

/**
 * The generation options an OpenAI-shaped request names, under the package's names; not yet
 * checked (the engine's parameters are). The first of a field's names that is set wins
 * (max_tokens before max_completion_tokens).
 * @param {Record<string, unknown>} params
 * @returns {GenerationFieldOptions}
 */
export function fromOpenAi(params) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const { name, field } of OPENAI_FIELDS) {
    if (out[field.name] === undefined && params[name] !== undefined && params[name] !== null) out[field.name] = params[name];
  }
  return out;
}

/**
 * The inverse: package-named options under their OpenAI names (fields without one are left out).
 * @param {GenerationFieldOptions} options
 * @returns {Record<string, unknown>}
 */
export function toOpenAi(options) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const field of FIELD_LIST) {
    const value = options[field.name];
    if (field.openai && value !== undefined) out[field.openai.name] = value;
  }
  return out;
}
