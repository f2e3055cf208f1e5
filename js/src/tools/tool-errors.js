// The engine reports a tool's parameters schema it cannot convert by its place in the call
// list's schema (callListSchema: `jsonSchema: #/items/anyOf/1/properties/arguments/...`):
// this names the tool instead (`tools[1].function.parameters/...`), as the caller wrote it.
import { InvalidArgumentError } from '../errors.js';

/** @import { ToolPlan } from './tool-request.js' */

/**
 * The error with its schema path in the caller's terms, or the error itself.
 * @param {unknown} error
 * @param {ToolPlan} plan
 * @returns {unknown}
 */
export function toolSchemaError(error, plan) {
  if (!(error instanceof InvalidArgumentError)) return error;
  const m = /^jsonSchema: JSON schema #\/items(?:\/anyOf\/(\d+))?\/properties\/arguments(\S*?): (.*)$/s.exec(error.message);
  if (!m) return error;
  const offered = typeof plan.choice === 'object'
    ? [plan.tools.findIndex((t) => t.name === /** @type {{name: string}} */ (plan.choice).name)]
    : plan.tools.map((_, i) => i);
  const tool = offered[m[1] === undefined ? 0 : Number(m[1])];
  if (tool === undefined) return error;
  return new InvalidArgumentError(`tools[${tool}].function.parameters${m[2] ? ` at #${m[2]}` : ''}: ${m[3]}`);
}

/**
 * Passes `pieces` through, rewording a schema error of the tools.
 * @template T
 * @param {AsyncGenerator<T>} pieces
 * @param {ToolPlan} plan
 * @returns {AsyncGenerator<T>}
 */
export async function* withToolSchemaErrors(pieces, plan) {
  try {
    yield* pieces;
  } catch (error) {
    throw toolSchemaError(error, plan);
  }
}
