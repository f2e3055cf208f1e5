// The whole model, judged from its first part's header before any weight arrives: the parts
// given must be the parts the header names, and the model must fit in wasm memory, which then
// grows once, to the planned size (peak = plan, no geometric overshoot). A browser that
// cannot give that much fails here, not after the download.
import { InvalidArgumentError, ModelTooLargeError, formatBytes, fromEngineError } from '../errors.js';
import { WASM_LIMIT } from './wasm-memory.js';

/** @typedef {import('../wasm-module-types.js').SmolLMModule} SmolLMModule */
/** @typedef {import('./header-probe.js').ProbedHeader} ProbedHeader */

/**
 * @param {Pick<SmolLMModule, 'HEAPU8' | 'reserveMemory'>} module
 * @param {ProbedHeader} probe the first part's header and the engine's plan
 * @param {number} firstPartBytes the bytes the first part will take in memory
 * @param {{partCount: number, name: string, laterPartSizes: Array<number | null>}} model the
 *   parts given, the first part's name, the other parts' sizes where known
 */
export function checkModel(module, probe, firstPartBytes, { partCount, name, laterPartSizes }) {
  const { metadata } = probe.header;
  const splitCount = Number(metadata['split.count'] ?? 1);
  if (splitCount !== partCount) {
    throw new InvalidArgumentError(splitCount > 1
      ? `${name} is the first of ${splitCount} parts of a split model but ${partCount} file(s) were given: ` +
        'name the first part like model-00001-of-0000N.gguf or pass every part in order'
      : `${partCount} files were given but ${name} is not a split model (no split.count)`);
  }
  // The engine's plan (plan_memory) is the only one; a split model's later parts add their sizes.
  const { plan, planError } = probe;
  if (!plan) throw fromEngineError(planError, name);
  const kv = plan.kvCacheBytes;
  const scratch = plan.scratchBytes;
  const files = firstPartBytes + laterPartSizes.reduce((/** @type {number} */ a, b) => a + (b ?? 0), 0);
  const baseline = module.HEAPU8.length;
  const required = files + kv + scratch;
  if (required + baseline > WASM_LIMIT) {
    throw new ModelTooLargeError(required, WASM_LIMIT - baseline,
      `${formatBytes(files)} of weights + ${formatBytes(kv)} of KV cache + ${formatBytes(scratch)} of scratch`);
  }
  if (!module.reserveMemory(required)) {
    throw new ModelTooLargeError(required, WASM_LIMIT - baseline,
      `the browser could not grow wasm memory from ${formatBytes(baseline)} by that much`);
  }
}
