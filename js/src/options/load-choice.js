// The check of a load option whose value is one of a few names (kvCacheType, batchOrder, ...):
// undefined stays undefined (the caller's default applies), anything but one of the names is an
// InvalidArgumentError that names the option and lists them.
import { InvalidArgumentError } from '../errors.js';

/**
 * @template {string} T
 * @param {unknown} value
 * @param {ReadonlyArray<T>} choices
 * @param {string} name the option's name, for the message
 * @returns {T | undefined}
 */
export function loadChoice(value, choices, name) {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !choices.includes(/** @type {T} */ (value))) {
    throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}, not ${JSON.stringify(value)}`);
  }
  return /** @type {T} */ (value);
}
