// Tool calls in the format SmolLM2-Instruct was trained on (../shared/smollm2/TOOLS.md): the
// tools are listed in the system turn, the assistant answers `<tool_call>[{"name": ...,
// "arguments": {...}}, ...]</tool_call>` (a JSON list, `[]` for no call), and results go back
// as a user turn of `<tool_response>` blocks. This module turns OpenAI-shaped messages into
// plain {role, content} turns in that format, builds the JSON schema a call list must
// satisfy (the engine turns it into a grammar), and reads a call list back.
import { InvalidArgumentError } from '../errors.js';

/**
 * @import { ChatMessage, ChatToolCall } from '../types.js'
 * @import { ToolPlan, ToolSpec } from './tool-request.js'
 */

export const CALL_OPEN = '<tool_call>';
export const CALL_CLOSE = '</tool_call>';
export const RESPONSE_OPEN = '<tool_response>';
export const RESPONSE_CLOSE = '</tool_response>';

/**
 * The system text that lists the tools, in the shape of the smollm repository's agent prompt.
 * @param {ToolSpec[]} tools
 * @returns {string}
 */
export function toolSystemPrompt(tools) {
  const listed = JSON.stringify(tools.map(({ name, description, parameters }) => ({ name, description: description ?? '', parameters })));
  return 'You are an expert in composing functions. You are given a question and a set of possible functions. ' +
    'Based on the question, you will need to make one or more function calls to achieve the purpose. ' +
    'If none of the functions can be used, point it out. If the question lacks the parameters a function requires, point that out too.\n\n' +
    `You have access to the following tools:\n<tools>${listed}</tools>\n\n` +
    'The output MUST strictly follow the format below, with no other text. ' +
    "Make sure each parameter has the right type. If no function call is needed, make the list empty: '[]'.\n" +
    `${CALL_OPEN}[\n{"name": "func_name1", "arguments": {"argument1": "value1", "argument2": "value2"}},\n... (more calls as needed)\n]${CALL_CLOSE}`;
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A call of an assistant message as the model wrote it: its arguments JSON parsed.
 * @param {unknown} call
 * @param {string} at
 * @returns {{ id: string, name: string, arguments: unknown }}
 */
function historyCall(call, at) {
  if (!isObject(call) || !isObject(call.function) || typeof call.id !== 'string') {
    throw new InvalidArgumentError(`${at} must be {id, type: "function", function: {name, arguments}}`);
  }
  if (call.type !== undefined && call.type !== 'function') throw new InvalidArgumentError(`${at}.type must be "function"`);
  const { name, arguments: args } = call.function;
  if (typeof name !== 'string' || name === '') throw new InvalidArgumentError(`${at}.function.name must be a non-empty string`);
  if (typeof args !== 'string') throw new InvalidArgumentError(`${at}.function.arguments must be the arguments' JSON text (a string)`);
  try {
    return { id: call.id, name, arguments: JSON.parse(args) };
  } catch (error) {
    throw new InvalidArgumentError(`${at}.function.arguments is not valid JSON (${/** @type {Error} */ (error).message})`);
  }
}

/**
 * A message's text content (string, or OpenAI's array of text parts); null for none.
 * @param {unknown} content
 * @param {string} at
 * @returns {string | null}
 */
function textOf(content, at) {
  if (content === undefined || content === null) return null;
  if (typeof content === 'string') return content;
  if (Array.isArray(content) && content.every((p) => isObject(p) && p.type === 'text' && typeof p.text === 'string')) {
    return content.map((p) => /** @type {{text: string}} */ (p).text).join('');
  }
  throw new InvalidArgumentError(`${at} must be a string or an array of {type: "text", text} parts`);
}

/**
 * OpenAI-shaped messages (assistant `tool_calls`, `role: 'tool'` results) as plain turns in
 * SmolLM2's tool format, with the tools listed in the system turn when the plan offers them
 * (before the caller's own system text). A tool message must answer a call of the assistant
 * message before it (by `tool_call_id`); consecutive results become one user turn.
 * @param {readonly ChatMessage[]} messages
 * @param {ToolPlan} plan
 * @returns {Array<{role: string, content: string}>}
 */
export function toolTurns(messages, plan) {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidArgumentError('messages must be a non-empty array of {role, content}');
  }
  /** @type {Array<{role: string, content: string}>} */
  const turns = [];
  /** @type {Set<string>} ids of the calls the latest assistant turn made */
  let openCalls = new Set();
  /** @type {string[] | null} the tool results being gathered into one user turn */
  let results = null;
  const flush = () => {
    if (results) turns.push({ role: 'user', content: results.join('\n') });
    results = null;
  };
  for (const [i, m] of messages.entries()) {
    const at = `messages[${i}]`;
    if (!isObject(m) || typeof m.role !== 'string') throw new InvalidArgumentError(`${at} must be {role, content}`);
    if (m.role === 'tool') {
      const id = m.tool_call_id;
      if (typeof id !== 'string') throw new InvalidArgumentError(`${at}.tool_call_id must be the id of the call it answers`);
      if (!openCalls.has(id)) throw new InvalidArgumentError(`${at}.tool_call_id ${JSON.stringify(id)} answers no call of the assistant message before it`);
      openCalls.delete(id);
      (results ??= []).push(`${RESPONSE_OPEN}\n${textOf(m.content, `${at}.content`) ?? ''}\n${RESPONSE_CLOSE}`);
      continue;
    }
    flush();
    const content = textOf(m.content, `${at}.content`);
    const calls = m.tool_calls;
    if (calls !== undefined && calls !== null) {
      if (m.role !== 'assistant') throw new InvalidArgumentError(`${at}.tool_calls: only assistant messages make calls`);
      if (!Array.isArray(calls)) throw new InvalidArgumentError(`${at}.tool_calls must be an array of calls`);
      const parsed = calls.map((call, j) => historyCall(call, `${at}.tool_calls[${j}]`));
      openCalls = new Set(parsed.map((c) => c.id));
      const block = calls.length
        ? `${CALL_OPEN}[${parsed.map(({ name, arguments: args }) => JSON.stringify({ name, arguments: args })).join(',\n')}]${CALL_CLOSE}`
        : '';
      turns.push({ role: 'assistant', content: [content, block].filter(Boolean).join('\n') });
      continue;
    }
    if (content === null) throw new InvalidArgumentError(`${at}.content must be a string`);
    if (m.role === 'assistant') openCalls = new Set();
    turns.push({ role: m.role === 'developer' ? 'system' : m.role, content });
  }
  flush();
  if (plan.choice !== 'none') {
    const system = toolSystemPrompt(plan.tools);
    if (turns[0].role === 'system') turns[0] = { role: 'system', content: `${system}\n\n${turns[0].content}` };
    else turns.unshift({ role: 'system', content: system });
  }
  return turns;
}

/**
 * The JSON schema of the call list a plan allows: each element `{"name": <a tool's name>,
 * "arguments": <valid against that tool's parameters>}`; at least one element unless the
 * choice is 'auto'; only the named function for a named choice; one element at most without
 * parallel calls.
 * @param {ToolPlan} plan
 * @returns {object}
 */
export function callListSchema(plan) {
  const offered = typeof plan.choice === 'object'
    ? plan.tools.filter((t) => t.name === /** @type {{name: string}} */ (plan.choice).name)
    : plan.tools;
  const calls = offered.map((t) => ({
    type: 'object',
    properties: { name: { const: t.name }, arguments: t.parameters },
    required: ['name', 'arguments'],
    additionalProperties: false,
  }));
  return {
    type: 'array',
    items: calls.length === 1 ? calls[0] : { anyOf: calls },
    minItems: plan.choice === 'auto' ? 0 : 1,
    ...(plan.parallel ? {} : { maxItems: 1 }),
  };
}

/**
 * The calls of a call list the model wrote (the text after `<tool_call>`), or null when the
 * text is not a whole, valid list of calls to the plan's tools (e.g. cut by max_tokens). A
 * closing `</tool_call>` and whitespace may follow the list.
 * @param {string} text
 * @param {ToolPlan} plan
 * @param {() => string} newId
 * @returns {ChatToolCall[] | null}
 */
export function parseCallList(text, plan, newId) {
  let body = text.trim();
  if (body.endsWith(CALL_CLOSE)) body = body.slice(0, -CALL_CLOSE.length);
  let list;
  try {
    list = JSON.parse(body);
  } catch {
    return null;
  }
  if (!Array.isArray(list)) return null;
  const names = new Set(plan.tools.map((t) => t.name));
  /** @type {ChatToolCall[]} */
  const calls = [];
  for (const item of list) {
    if (!isObject(item) || typeof item.name !== 'string' || !names.has(item.name) || !isObject(item.arguments)) return null;
    calls.push({ id: newId(), type: 'function', function: { name: item.name, arguments: JSON.stringify(item.arguments) } });
  }
  return calls;
}
