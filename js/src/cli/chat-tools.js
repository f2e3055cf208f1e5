// `chat --tools FILE [--tool-choice auto|none|required|NAME]`: the model may call the tools
// in FILE (a JSON array of OpenAI tools); the person at the terminal plays each tool, typing
// its result, which goes back to the model as a tool message before it answers.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import { toolPlan } from '../tools/tool-request.js';
import { UsageError, stringFlag } from './flags.js';

/**
 * @import { ChatTool, ChatToolCall, ChatToolCallDelta, ToolChoice } from '../types.js'
 * @import { FlagValues } from './flags.js'
 */

/** @type {import('./flags.js').Flags} */
export const TOOL_FLAGS = Object.freeze({
  tools: { type: 'string', arg: 'FILE', doc: 'a JSON array of OpenAI tools ({type: "function", function: {name, description, parameters}}) the model may call; you type each result' },
  'tool-choice': { type: 'string', arg: 'C', doc: 'auto (default with --tools), none, required, or a tool\'s name' },
});

/**
 * The tool fields of the chat's requests, checked as the package checks them.
 * @param {FlagValues} values
 * @returns {{ tools?: ChatTool[], tool_choice?: ToolChoice }}
 */
export function toolsFromFlags(values) {
  const file = stringFlag(values, 'tools');
  const choiceFlag = stringFlag(values, 'tool-choice');
  if (file === undefined) {
    if (choiceFlag !== undefined) throw new UsageError('--tool-choice needs --tools FILE');
    return {};
  }
  let tools;
  try {
    tools = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--tools: cannot read the JSON of ${file} (${/** @type {Error} */ (error).message})`);
  }
  /** @type {ToolChoice | undefined} */
  const tool_choice = choiceFlag === undefined || ['auto', 'none', 'required'].includes(choiceFlag)
    ? /** @type {ToolChoice | undefined} */ (choiceFlag)
    : { type: 'function', function: { name: choiceFlag } };
  try {
    toolPlan({ tools, tool_choice });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(`--tools ${file}: ${error.message}`);
    throw error;
  }
  return { tools, tool_choice };
}

/**
 * Streamed call fragments assembled by index, as OpenAI's client libraries do.
 * @param {ChatToolCall[]} calls
 * @param {ChatToolCallDelta[]} deltas
 */
export function assembleToolCalls(calls, deltas) {
  for (const d of deltas) {
    const call = calls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
    if (d.id) call.id = d.id;
    if (d.function.name) call.function.name += d.function.name;
    if (d.function.arguments) call.function.arguments += d.function.arguments;
  }
}
