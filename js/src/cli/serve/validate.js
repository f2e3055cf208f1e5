// Request bodies of /v1/chat/completions and /v1/completions, checked field by field before
// anything reaches the engine: a wrong field is a 400 whose `param` names it, as OpenAI's API
// answers, and no string, NaN or out-of-range number gets near the C++ casts. A table per
// endpoint rather than a JSON-Schema library: the few rules here (number ranges, string or
// list unions, token-id keys) read more plainly as code than as a schema plus a mapping of
// the library's error paths onto OpenAI's `param`.
import { HttpFailure } from './http-errors.js';

const bad = (param, message) => new HttpFailure(400, `${param}: ${message}`, { param });
const shown = (v) => (typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : JSON.stringify(v) ?? String(v));

function number({ min = -Infinity, max = Infinity, integer = false } = {}) {
  return (v, param) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      const range = [min > -Infinity && `>= ${min}`, max < Infinity && `<= ${max}`].filter(Boolean).join(' and ');
      throw bad(param, `expected ${integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}, got ${shown(v)}`);
    }
    return v;
  };
}

const boolean = (v, param) => {
  if (typeof v !== 'boolean') throw bad(param, `expected a boolean, got ${shown(v)}`);
  return v;
};

const string = (v, param) => {
  if (typeof v !== 'string') throw bad(param, `expected a string, got ${shown(v)}`);
  return v;
};

// Accepted for compatibility only with the value that means what this server does anyway.
const only = (allowed, what) => (v, param) => {
  if (v !== allowed) throw bad(param, `only ${JSON.stringify(allowed)} is supported (${what}), got ${shown(v)}`);
  return undefined;
};

const ignored = () => undefined;

function stop(v, param) {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length > 4) throw bad(param, `expected a string or up to 4 strings, got ${shown(v)}`);
  list.forEach((s, i) => {
    if (typeof s !== 'string' || s.length === 0) throw bad(`${param}[${i}]`, `expected a non-empty string, got ${shown(s)}`);
  });
  return list;
}

function logitBias(v, param) {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(param, `expected an object of token id -> bias, got ${shown(v)}`);
  const out = {};
  for (const [id, bias] of Object.entries(v)) {
    if (!/^\d{1,9}$/.test(id)) throw bad(param, `key ${shown(id)} is not a token id`);
    out[id] = number({ min: -100, max: 100 })(bias, `${param}.${id}`);
  }
  return out;
}

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

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];

function content(v, param) {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) throw bad(param, `expected a string or an array of text parts, got ${shown(v)}`);
  return v.map((part, j) => {
    const at = `${param}[${j}]`;
    if (typeof part !== 'object' || part === null) throw bad(at, 'expected {type: "text", text}');
    if (part.type !== 'text') throw bad(`${at}.type`, `only text parts are supported, got ${shown(part.type)}`);
    return string(part.text, `${at}.text`);
  }).join('');
}

function messages(v, param) {
  if (!Array.isArray(v) || v.length === 0) throw bad(param, 'expected a non-empty array of messages');
  return v.map((m, i) => {
    const at = `${param}[${i}]`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw bad(at, 'expected {role, content}');
    if (!ROLES.includes(m.role)) throw bad(`${at}.role`, `expected one of ${ROLES.join(', ')}, got ${shown(m.role)}`);
    for (const key of Object.keys(m)) {
      if (!['role', 'content', 'name'].includes(key)) throw bad(`${at}.${key}`, 'is not supported');
    }
    if (m.name !== undefined) string(m.name, `${at}.name`);
    return { role: m.role === 'developer' ? 'system' : m.role, content: content(m.content, `${at}.content`) };
  });
}

function prompt(v, param) {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1) return string(v[0], `${param}[0]`);
  throw bad(param, 'expected a string (batches of prompts are not supported)');
}

// Fields both endpoints take; each maps to the package's name (null: checked, not passed).
const SAMPLING = {
  model: [string, null],
  stream: [boolean, 'stream'],
  max_tokens: [number({ integer: true, min: 1 }), 'maxTokens'],
  temperature: [number({ min: 0, max: 2 }), 'temperature'],
  top_p: [number({ min: 0, max: 1 }), 'topP'],
  top_k: [number({ integer: true, min: 0, max: 2 ** 31 - 1 }), 'topK'],
  min_p: [number({ min: 0, max: 1 }), 'minP'],
  presence_penalty: [number({ min: -2, max: 2 }), 'presencePenalty'],
  frequency_penalty: [number({ min: -2, max: 2 }), 'frequencyPenalty'],
  repeat_penalty: [number({ min: 0, max: 10 }), 'repeatPenalty'],
  stop: [stop, 'stop'],
  seed: [number({ integer: true, min: 0, max: Number.MAX_SAFE_INTEGER }), 'seed'],
  logit_bias: [logitBias, 'logitBias'],
  n: [only(1, 'one choice per request'), null],
  user: [string, null],
  stream_options: [objectOf({ include_usage: boolean }), null],
};

const CHAT = {
  ...SAMPLING,
  messages: [messages, 'messages'],
  max_completion_tokens: [number({ integer: true, min: 1 }), 'maxTokens'],
  logprobs: [only(false, 'no log probabilities'), null],
  response_format: [objectOf({ type: only('text', 'plain text answers') }), null],
  parallel_tool_calls: [boolean, null],
  store: [ignored, null],
  metadata: [ignored, null],
};

const COMPLETIONS = {
  ...SAMPLING,
  prompt: [prompt, 'prompt'],
  echo: [only(false, 'the prompt is not echoed'), null],
  best_of: [only(1, 'one candidate'), null],
  logprobs: [only(null, 'no log probabilities'), null],
  suffix: [only(null, 'no suffix'), null],
};

function validate(body, table, required) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpFailure(400, 'the body must be a JSON object');
  }
  const out = {};
  for (const [key, value] of Object.entries(body)) {
    // hasOwn: "constructor" or "__proto__" in a body must not find Object.prototype's.
    const rule = Object.hasOwn(table, key) ? table[key] : null;
    if (!rule) throw bad(key, `unrecognized request argument (this server does not support ${shown(key)})`);
    if (value === null) continue;   // OpenAI's clients send null for "default"
    const checked = rule[0](value, key);
    if (rule[1] && checked !== undefined) out[rule[1]] = checked;
  }
  if (out[required] === undefined) throw bad(required, 'is required');
  return out;
}

/** @returns {{messages, stream?, maxTokens?, temperature?, ...}} package names */
export const validateChatRequest = (body) => validate(body, CHAT, 'messages');
/** @returns {{prompt, stream?, maxTokens?, temperature?, ...}} package names */
export const validateCompletionRequest = (body) => validate(body, COMPLETIONS, 'prompt');
