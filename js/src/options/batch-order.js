// How the engine sums where llama.cpp's order costs speed, a load option: 'fast' (default) or
// 'llama.cpp', whose batches follow llama.cpp's own batch path (its tiled attention, its batch
// matmul orders) so that the logits of a prompt equal llama.cpp's bit for bit on the weight types
// it covers, at a cost in prefill speed (bench/RESULTS.md). One token at a time (generation) is
// llama.cpp's order either way, except for Q4_0 / IQ4_NL / Q8_0 / Q5_0 matrices, which follow it
// only in 'llama.cpp' (its fused multiply-adds cost their decode speed, most without relaxed SIMD).
import { loadChoice } from './load-choice.js';

/** @typedef {'fast' | 'llama.cpp'} BatchOrder */

/** @type {ReadonlyArray<BatchOrder>} */
export const BATCH_ORDERS = Object.freeze(['fast', 'llama.cpp']);

/**
 * @param {{ batchOrder?: unknown }} options
 * @returns {BatchOrder}
 */
export function batchOrder(options) {
  return loadChoice(options.batchOrder, BATCH_ORDERS, 'batchOrder') ?? 'fast';
}
