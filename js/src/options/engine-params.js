// A generation request's fields as the engine takes them: every field of the table, checked,
// defaulted, and placed in the C++ struct that holds it (the shape of the GenerationOptions
// value object in web/generation_options.cpp). Embind refuses an object missing a field, so
// this object is complete by construction.
import { InvalidArgumentError } from '../errors.js';
import { FIELD_LIST } from './generation-fields.js';
import { checkedField } from './validate.js';

/** @typedef {import('./generation-fields.js').SamplingOptions} SamplingOptions */
/** @typedef {import('./generation-fields.js').GenerationFieldOptions} GenerationFieldOptions */
/** @typedef {import('./generation-fields.js').ConstraintOptions} ConstraintOptions */

/**
 * The SamplingParams value object: every sampling field, logitBias as [token id, bias] pairs.
 * @typedef {{ [K in keyof SamplingOptions]-?: K extends 'logitBias' ? Array<[number, number]> : NonNullable<SamplingOptions[K]> }} EngineSamplingParams
 */

/**
 * The GenerationOptions value object: the sampling fields nested, every other field, stop as a
 * list, the grammar and the JSON schema as text ('' for none).
 * @typedef {Exclude<keyof GenerationFieldOptions, keyof SamplingOptions | keyof ConstraintOptions>} GenerationOnlyName
 * @typedef {{ sampling: EngineSamplingParams } & { [K in GenerationOnlyName]-?: K extends 'stop' ? string[] : NonNullable<GenerationFieldOptions[K]> }
 *   & { grammar: string, jsonSchema: string, grammarTrigger: string }} EngineGenerationParams
 */

/**
 * logitBias keys must be tokens of this model (the table checks only their form).
 * @param {Record<string, number>} bias
 * @param {number} nVocab
 * @returns {Array<[number, number]>}
 */
function biasPairs(bias, nVocab) {
  return Object.entries(bias).map(([id, value]) => {
    const token = Number(id);
    if (!(token < nVocab)) throw new InvalidArgumentError(`logitBias key "${id}" is not a token id of this model (0..${nVocab - 1})`);
    return [token, value];
  });
}

/**
 * @param {Partial<Record<string, unknown>>} request the caller's options (package names); others are ignored
 * @param {{ nVocab: number, room: number }} model room: tokens the context leaves after the
 *   prompt; without a context shift maxTokens is clamped to it (with one the engine bounds
 *   what it keeps), so a huge value never sizes a buffer
 * @returns {EngineGenerationParams}
 */
export function engineGenerationParams(request, { nVocab, room }) {
  /** @type {Record<string, unknown>} */
  const sampling = {};
  /** @type {Record<string, unknown>} */
  const generation = { sampling };
  for (const field of FIELD_LIST) {
    let value = checkedField(field, request[field.name]) ?? field.default;
    if (field.name === 'seed' && value === null) value = Math.floor(Math.random() * 2 ** 32);
    if (field.kind === 'logitBias') value = biasPairs(/** @type {Record<string, number>} */ (value), nVocab);
    // The engine takes the schema as JSON text.
    if (field.kind === 'jsonSchema' && typeof value === 'object') value = JSON.stringify(value);
    (field.struct === 'SamplingParams' ? sampling : generation)[field.name] = value;
  }
  if (!generation.contextShift) generation.maxTokens = Math.min(/** @type {number} */ (generation.maxTokens), room);
  // As OpenAI's API: alternatives come with the chosen token's log-probability, never alone.
  if (/** @type {number} */ (generation.topLogprobs) > 0 && !generation.logprobs) {
    throw new InvalidArgumentError('topLogprobs needs logprobs: true');
  }
  return /** @type {EngineGenerationParams} */ (/** @type {unknown} */ (generation));
}
