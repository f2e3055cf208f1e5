// OpenAI request names of the generation fields (generation-fields.js, `openai` column):
// chat.completions.create() reads them, `serve` validates and forwards them, the CLI's chat
// command writes them.
import { FIELD_LIST } from './generation-fields.js';

/** @typedef {import('./generation-fields.js').GenerationField} GenerationField */
/** @typedef {import('./generation-fields.js').GenerationFieldOptions} GenerationFieldOptions */
/** @typedef {import('./generation-fields.js').OpenAiGenerationParams} OpenAiGenerationParams */

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
 * @param {OpenAiGenerationParams} params
 * @returns {GenerationFieldOptions}
 */
export function fromOpenAi(params) {
  /** @type {Record<string, unknown>} */
  const named = params;
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const { name, field } of OPENAI_FIELDS) {
    if (out[field.name] === undefined && named[name] !== undefined && named[name] !== null) out[field.name] = named[name];
  }
  return out;
}

/**
 * The inverse: package-named options under their OpenAI names (fields without one are left out).
 * @param {GenerationFieldOptions} options
 * @returns {OpenAiGenerationParams}
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
