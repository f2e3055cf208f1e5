// How a prompt evaluated as a batch sums, a load option: 'fast' (default) or 'llama.cpp', whose
// batches follow llama.cpp's own batch path (its tiled attention, its batch matmul orders) so
// that the logits of a prompt equal llama.cpp's bit for bit on the weight types it covers, at a
// cost in prefill speed (bench/RESULTS.md). One token at a time (generation) is llama.cpp's
// order either way.
import { InvalidArgumentError } from '../errors.js';

/** @typedef {'fast' | 'llama.cpp'} BatchOrder */

/** @type {ReadonlyArray<BatchOrder>} */
export const BATCH_ORDERS = Object.freeze(['fast', 'llama.cpp']);

/**
 * @param {{ batchOrder?: unknown }} options
 * @returns {BatchOrder}
 */
export function batchOrder(options) {
  const value = options.batchOrder;
  if (value === undefined) return 'fast';
  if (typeof value !== 'string' || !BATCH_ORDERS.includes(/** @type {BatchOrder} */ (value))) {
    throw new InvalidArgumentError(`batchOrder must be one of ${BATCH_ORDERS.join(', ')}, not ${JSON.stringify(value)}`);
  }
  return /** @type {BatchOrder} */ (value);
}
