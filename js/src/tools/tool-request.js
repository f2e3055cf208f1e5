// The tool fields of a chat request (`tools`, `tool_choice`, `parallel_tool_calls`), checked
// and reduced to one plan the prompt and the grammar are built from. Errors are
// InvalidArgumentErrors whose message starts with the field at fault, as OpenAI names it
// (`tools[1].function.name ...`), so `serve` can answer 400 with that `param`.
import { InvalidArgumentError } from '../errors.js';
import { shown } from '../options/validate.js';

/**
 * @import { ChatTool, ToolChoice } from '../types.js'
 */

/**
 * One function the model may call, as the prompt lists it.
 * @typedef {object} ToolSpec
 * @property {string} name
 * @property {string} [description]
 * @property {object} parameters JSON schema of the arguments object (`{type: 'object'}` when
 *   the tool gave none).
 */

/**
 * What a request asks of tools. `choice`: 'auto' (the model may call), 'required' (it must
 * call at least one), a function name (it must call that one), or 'none'.
 * @typedef {object} ToolPlan
 * @property {ToolSpec[]} tools
 * @property {'auto' | 'required' | 'none' | { name: string }} choice
 * @property {boolean} parallel Whether one answer may hold several calls.
 */

// OpenAI's rule for function names.
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** @param {string} at @param {string} message */
const bad = (at, message) => new InvalidArgumentError(`${at} ${message}`);

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * @param {unknown} tool
 * @param {number} i
 * @returns {ToolSpec}
 */
function toolSpec(tool, i) {
  const at = `tools[${i}]`;
  if (!isObject(tool)) throw bad(at, `must be {type: "function", function: {name, description, parameters}}, got ${shown(tool)}`);
  for (const key of Object.keys(tool)) {
    if (key !== 'type' && key !== 'function') throw bad(`${at}.${key}`, 'is not a tool field (type, function)');
  }
  if (tool.type !== 'function') throw bad(`${at}.type`, `must be "function", got ${shown(tool.type)}`);
  const fn = tool.function;
  if (!isObject(fn)) throw bad(`${at}.function`, `must be {name, description, parameters}, got ${shown(fn)}`);
  for (const key of Object.keys(fn)) {
    if (!['name', 'description', 'parameters', 'strict'].includes(key)) throw bad(`${at}.function.${key}`, 'is not a function field (name, description, parameters, strict)');
  }
  if (typeof fn.name !== 'string' || !NAME.test(fn.name)) {
    throw bad(`${at}.function.name`, `must be 1 to 64 letters, digits, underscores or dashes, got ${shown(fn.name)}`);
  }
  if (fn.description !== undefined && fn.description !== null && typeof fn.description !== 'string') {
    throw bad(`${at}.function.description`, `must be a string, got ${shown(fn.description)}`);
  }
  if (fn.strict !== undefined && fn.strict !== null && typeof fn.strict !== 'boolean') {
    throw bad(`${at}.function.strict`, `must be true or false, got ${shown(fn.strict)}`);
  }
  const parameters = fn.parameters ?? { type: 'object' };
  if (!isObject(parameters)) throw bad(`${at}.function.parameters`, `must be a JSON schema object, got ${shown(parameters)}`);
  if (parameters.type !== undefined && parameters.type !== 'object') {
    throw bad(`${at}.function.parameters.type`, `must be "object" (arguments are a JSON object), got ${shown(parameters.type)}`);
  }
  return {
    name: fn.name,
    ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
    parameters,
  };
}

/**
 * @param {unknown} choice
 * @param {ToolSpec[]} tools
 * @returns {ToolPlan['choice']}
 */
function toolChoice(choice, tools) {
  if (choice === undefined || choice === null) return tools.length ? 'auto' : 'none';
  if (choice === 'auto' || choice === 'required' || choice === 'none') {
    if (choice !== 'none' && tools.length === 0) throw bad('tool_choice', `${shown(choice)} needs tools`);
    return choice;
  }
  if (!isObject(choice) || choice.type !== 'function' || !isObject(choice.function) || typeof choice.function.name !== 'string') {
    throw bad('tool_choice', `must be "auto", "none", "required" or {type: "function", function: {name}}, got ${shown(choice)}`);
  }
  const { name } = choice.function;
  if (!tools.some((t) => t.name === name)) throw bad('tool_choice.function.name', `${shown(name)} is not one of the tools`);
  return { name };
}

/**
 * The plan of a request's tool fields; no tools and no choice give `{tools: [], choice:
 * 'none'}` (a plain chat).
 * @param {{ tools?: ChatTool[] | null, tool_choice?: ToolChoice | null, parallel_tool_calls?: boolean | null }} params
 * @returns {ToolPlan}
 */
export function toolPlan({ tools: given, tool_choice: choice, parallel_tool_calls: parallel }) {
  if (given !== undefined && given !== null && (!Array.isArray(given) || given.length === 0)) {
    throw bad('tools', `must be a non-empty array of {type: "function", function}, got ${shown(given)}`);
  }
  const tools = (given ?? []).map(toolSpec);
  const seen = new Set();
  for (const [i, { name }] of tools.entries()) {
    if (seen.has(name)) throw bad(`tools[${i}].function.name`, `${shown(name)} names two tools`);
    seen.add(name);
  }
  if (parallel !== undefined && parallel !== null && typeof parallel !== 'boolean') {
    throw bad('parallel_tool_calls', `must be true or false, got ${shown(parallel)}`);
  }
  return { tools, choice: toolChoice(choice, tools), parallel: parallel ?? true };
}
