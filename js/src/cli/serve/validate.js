// Request bodies of /v1/chat/completions and /v1/completions, checked field by field before
// anything reaches the engine: a wrong field is a 400 whose `param` names it, as OpenAI's API
// answers, and no string, NaN or out-of-range number gets near the C++ casts. The generation
// fields come from the package's table (options/generation-fields.js: OpenAI name, range, the
// one checker); the rest of the request is a table per endpoint here. Tables rather than a
// JSON-Schema library: the few rules read more plainly as code than as a schema plus a
// mapping of the library's error paths onto OpenAI's `param`.
import { InvalidArgumentError } from '../../errors.js';
import { OPENAI_FIELDS, responseFormatSchema } from '../../options/openai.js';
import { fieldProblem, shown } from '../../options/validate.js';
import { toolPlan } from '../../tools/tool-request.js';
import { HttpFailure } from './http-errors.js';

/**
 * A field's check: the value (not null) and its `param` in, the value to pass on (or
 * undefined: checked, not passed) out; throws the 400.
 * @typedef {(v: unknown, param: string) => unknown} Check
 */
/** @typedef {Record<string, [Check, string | null]>} Rules field -> [check, name passed on (null: none)] */

/** @param {string} param @param {string} message */
const bad = (param, message) => new HttpFailure(400, `${param}: ${message}`, { param });

/** @type {Check} */
const boolean = (v, param) => {
  if (typeof v !== 'boolean') throw bad(param, `expected a boolean, got ${shown(v)}`);
  return v;
};

/** @type {Check} */
const string = (v, param) => {
  if (typeof v !== 'string') throw bad(param, `expected a string, got ${shown(v)}`);
  return v;
};

// Accepted for compatibility only with the value that means what this server does anyway.
/** @param {unknown} allowed @param {string} what @returns {Check} */
const only = (allowed, what) => (v, param) => {
  if (v !== allowed) throw bad(param, `only ${JSON.stringify(allowed)} is supported (${what}), got ${shown(v)}`);
  return undefined;
};

/** @type {Check} */
const ignored = () => undefined;

/** @param {Record<string, Check>} fields @returns {Check} */
function objectOf(fields) {
  return (v, param) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(param, `expected an object, got ${shown(v)}`);
    for (const [key, value] of Object.entries(v)) {
      const check = Object.hasOwn(fields, key) ? fields[key] : null;
      if (!check) throw bad(`${param}.${key}`, 'unrecognized field');
      if (value !== null) check(value, `${param}.${key}`);
    }
    return v;
  };
}

// response_format: json_object and json_schema become the package's jsonSchema (a grammar).
/** @type {Check} */
function responseFormat(v, param) {
  try {
    return responseFormatSchema(v);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    const at = /^response_format(\S*)/.exec(error.message)?.[1] ?? '';
    throw bad(`${param}${at}`, error.message.replace(/^response_format\S* /, ''));
  }
}

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];
// Fields of an answer that OpenAI's client libraries keep when they send it back in the
// history (their runTools helper adds `parsed`): accepted on assistant messages, not used.
const ANSWER_ONLY = ['refusal', 'parsed', 'annotations', 'audio'];

/** @type {Check} */
function content(v, param) {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) throw bad(param, `expected a string or an array of text parts, got ${shown(v)}`);
  return v.map((/** @type {unknown} */ part, /** @type {number} */ j) => {
    const at = `${param}[${j}]`;
    if (typeof part !== 'object' || part === null) throw bad(at, 'expected {type: "text", text}');
    const { type, text } = /** @type {{ type?: unknown, text?: unknown }} */ (part);
    if (type !== 'text') throw bad(`${at}.type`, `only text parts are supported, got ${shown(type)}`);
    return string(text, `${at}.text`);
  }).join('');
}

/** @type {Check} */
function messages(v, param) {
  if (!Array.isArray(v) || v.length === 0) throw bad(param, 'expected a non-empty array of messages');
  return v.map((/** @type {unknown} */ item, /** @type {number} */ i) => {
    const at = `${param}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad(at, 'expected {role, content}');
    const m = /** @type {{ role?: unknown, content?: unknown, name?: unknown, tool_calls?: unknown, tool_call_id?: unknown }} */ (item);
    if (typeof m.role !== 'string' || !ROLES.includes(m.role)) throw bad(`${at}.role`, `expected one of ${ROLES.join(', ')}, got ${shown(m.role)}`);
    for (const key of Object.keys(m)) {
      if (!['role', 'content', 'name', 'tool_calls', 'tool_call_id'].includes(key) && !(m.role === 'assistant' && ANSWER_ONLY.includes(key))) {
        throw bad(`${at}.${key}`, 'is not supported');
      }
    }
    if (m.name !== undefined && m.name !== null) string(m.name, `${at}.name`);
    const role = m.role === 'developer' ? 'system' : m.role;
    // Tool calls and results: their shapes are checked where they are turned into the
    // model's tool format (tools/smollm2-tool-format.js), with messages[i]... in the message.
    const calls = m.tool_calls ?? undefined;
    if (calls !== undefined && role !== 'assistant') throw bad(`${at}.tool_calls`, 'only assistant messages make tool calls');
    if (role === 'tool') string(m.tool_call_id, `${at}.tool_call_id`);
    else if (m.tool_call_id !== undefined && m.tool_call_id !== null) throw bad(`${at}.tool_call_id`, 'only tool messages answer a call');
    const text = calls !== undefined && (m.content === null || m.content === undefined) ? null : content(m.content, `${at}.content`);
    return {
      role, content: text, ...(calls !== undefined ? { tool_calls: calls } : {}), ...(role === 'tool' ? { tool_call_id: m.tool_call_id } : {}),
    };
  });
}

// tools and tool_choice: checked together by the package's tool plan (tools/tool-request.js),
// whose messages start with the field at fault.
/** @param {Record<string, unknown>} fields */
function checkTools(fields) {
  try {
    toolPlan(fields);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    const param = /^\S+/.exec(error.message)?.[0] ?? 'tools';
    throw bad(param, error.message.slice(param.length + 1));
  }
}

/** @type {Check} */
const toolsField = (v) => {
  checkTools({ tools: v });
  return v;
};

/** @type {Check} */
const toolChoiceField = (v) => v;

/** @type {Check} */
function prompt(v, param) {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1) return string(v[0], `${param}[0]`);
  throw bad(param, 'expected a string (batches of prompts are not supported)');
}

/**
 * The generation fields under their OpenAI names (aliases too: max_completion_tokens), each
 * checked against its OpenAI range and passed on under the package's name.
 * @type {Rules}
 */
const GENERATION = Object.fromEntries(OPENAI_FIELDS.map(({ name, field }) => {
  /** @type {Check} */
  const check = (v, param) => {
    const problem = fieldProblem(field, v, field.openai?.range ?? field.range);
    if (problem) throw bad(`${param}${problem.at}`, `expected ${problem.expected}, got ${problem.got}`);
    return field.kind === 'stop' && typeof v === 'string' ? [v] : v;
  };
  return [name, [check, field.name]];
}));

/** Other names of a generation field (max_completion_tokens): they give way to its own. */
const ALIASES = new Set(OPENAI_FIELDS.filter(({ name, field }) => name !== field.openai?.name).map(({ name }) => name));

// Fields both endpoints take; each maps to the package's name (null: checked, not passed).
/** @type {Rules} */
const COMMON = {
  ...GENERATION,
  model: [string, null],
  stream: [boolean, 'stream'],
  n: [only(1, 'one choice per request'), null],
  user: [string, null],
  stream_options: [objectOf({ include_usage: boolean }), null],
};

/** @type {Rules} */
const CHAT = {
  ...COMMON,
  messages: [messages, 'messages'],
  response_format: [responseFormat, 'jsonSchema'],
  tools: [toolsField, 'tools'],
  tool_choice: [toolChoiceField, 'tool_choice'],
  parallel_tool_calls: [boolean, 'parallel_tool_calls'],
  store: [ignored, null],
  metadata: [ignored, null],
};

/** @type {Rules} */
const COMPLETIONS = {
  ...COMMON,
  prompt: [prompt, 'prompt'],
  echo: [only(false, 'the prompt is not echoed'), null],
  best_of: [only(1, 'one candidate'), null],
  // The legacy endpoint's logprobs is a count, not the chat API's boolean: not supported here.
  logprobs: [only(null, 'no log probabilities on /v1/completions; use /v1/chat/completions'), null],
  top_logprobs: [only(null, 'no log probabilities on /v1/completions; use /v1/chat/completions'), null],
  suffix: [only(null, 'no suffix'), null],
};

/**
 * @param {unknown} body the parsed JSON
 * @param {Rules} table
 * @param {string} required
 * @returns {Record<string, unknown>} package names
 */
function validate(body, table, required) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpFailure(400, 'the body must be a JSON object');
  }
  /** @type {Record<string, unknown>} */
  const out = {};
  /** @type {Record<string, string>} the request field each passed-on value came from */
  const from = {};
  for (const [key, value] of Object.entries(body)) {
    // hasOwn: "constructor" or "__proto__" in a body must not find Object.prototype's.
    const rule = Object.hasOwn(table, key) ? table[key] : null;
    if (!rule) throw bad(key, `unrecognized request argument (this server does not support ${shown(key)})`);
    if (value === null) continue;   // OpenAI's clients send null for "default"
    const checked = rule[0](value, key);
    // Two fields that say the same thing differently (response_format, json_schema) conflict.
    const earlier = rule[1] ? from[rule[1]] : undefined;
    if (checked !== undefined && earlier !== undefined && !ALIASES.has(key) && !ALIASES.has(earlier)) {
      throw bad(key, `conflicts with ${earlier}; give one of them`);
    }
    if (rule[1] && checked !== undefined) from[rule[1]] ??= key;
    // max_tokens and max_completion_tokens both name maxTokens: the field's own name wins.
    if (rule[1] && checked !== undefined && !(ALIASES.has(key) && out[rule[1]] !== undefined)) out[rule[1]] = checked;
  }
  if (out[required] === undefined) throw bad(required, 'is required');
  return out;
}

/**
 * @typedef {import('../../options/generation-fields.js').GenerationFieldOptions & { stream?: boolean }} CheckedFields
 */

/**
 * @param {unknown} body
 * @returns {CheckedFields & { messages: import('../../types.js').ChatMessage[], tools?: import('../../types.js').ChatTool[],
 *   tool_choice?: import('../../types.js').ToolChoice, parallel_tool_calls?: boolean }} package names
 */
export const validateChatRequest = (body) => {
  const fields = validate(body, CHAT, 'messages');
  checkTools(fields);
  return /** @type {any} */ (fields);   // shaped by CHAT's checks
};
/**
 * @param {unknown} body
 * @returns {CheckedFields & { prompt: string }} package names
 */
export const validateCompletionRequest = (body) => /** @type {any} */ (validate(body, COMPLETIONS, 'prompt'));   // shaped by COMPLETIONS' checks
