// OpenAI request names of the generation fields (generation-fields.js, `openai` column):
// chat.completions.create() reads them, `serve` validates and forwards them, the CLI's chat
// command writes them.
import { InvalidArgumentError } from '../errors.js';
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
 * OpenAI's `response_format` of a chat request.
 * @typedef {{ type: 'text' } | { type: 'json_object' }
 *   | { type: 'json_schema', json_schema: { name: string, schema?: object, strict?: boolean | null, description?: string } }} ResponseFormat
 */

/**
 * The JSON schema a `response_format` asks for (json_object: any object), or undefined for
 * text. Throws InvalidArgumentError naming the part at fault (`response_format.type`).
 * @param {unknown} format
 * @returns {object | undefined}
 */
export function responseFormatSchema(format) {
  if (format === undefined || format === null) return undefined;
  const bad = (/** @type {string} */ at, /** @type {string} */ message) => new InvalidArgumentError(`response_format${at} ${message}`);
  if (typeof format !== 'object' || Array.isArray(format)) throw bad('', 'must be {type: "text" | "json_object" | "json_schema", ...}');
  const { type, json_schema: spec } = /** @type {{ type?: unknown, json_schema?: unknown }} */ (format);
  if (type === 'text') return undefined;
  if (type === 'json_object') return { type: 'object' };
  if (type !== 'json_schema') throw bad('.type', `must be "text", "json_object" or "json_schema", got ${JSON.stringify(type)}`);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw bad('.json_schema', 'must be {name, schema, strict}');
  const { name, schema } = /** @type {{ name?: unknown, schema?: unknown }} */ (spec);
  if (typeof name !== 'string' || !/^[\w-]{1,64}$/.test(name)) {
    throw bad('.json_schema.name', 'must be 1 to 64 letters, digits, underscores or dashes');
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw bad('.json_schema.schema', 'must be a JSON schema object');
  // `strict` asks for exact adherence, which the grammar always gives.
  return schema;
}

/**
 * The generation options an OpenAI-shaped request names, under the package's names; not yet
 * checked (the engine's parameters are). The first of a field's names that is set wins
 * (max_tokens before max_completion_tokens); `response_format` gives jsonSchema (a request
 * naming both response_format and json_schema is refused).
 * @param {OpenAiGenerationParams & { response_format?: ResponseFormat | null }} params
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
  const schema = responseFormatSchema(params.response_format);
  if (schema !== undefined) {
    if (out.jsonSchema !== undefined) throw new InvalidArgumentError('give response_format or json_schema, not both');
    out.jsonSchema = schema;
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
