// A caller's generate options as they cross to the engine (possibly a worker): the abort
// signal stays with the caller (it cannot be posted; SmolLM watches it) and unset values are
// left out, so the table's defaults (generation-fields.js) apply on the engine's side.

/**
 * @template {object} T
 * @param {T & { signal?: AbortSignal | null }} options
 * @returns {Omit<T, 'signal'>}
 */
export function requestOptions(options) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && key !== 'signal') out[key] = value;
  }
  return /** @type {Omit<T, 'signal'>} */ (out);
}
