// The whole model, judged from its first part's header before any weight arrives: the parts
// given must be the parts the header names, and the model must fit in wasm memory, which then
// grows once, to the planned size (peak = plan, no geometric overshoot). A browser that
// cannot give that much fails here, not after the download.
import { InvalidArgumentError, ModelTooLargeError, UnsupportedModelError, formatBytes } from '../errors.js';
import { WASM_LIMIT } from './wasm-memory.js';

/** @typedef {import('./wasm-memory.js').LoaderModule} LoaderModule */
/** @typedef {import('./header-probe.js').ProbedHeader} ProbedHeader */

const DEFAULT_CONTEXT_CAP = 2048;
// Scratch assumed for a split model, whose first part alone cannot be planned by the engine.
const SPLIT_SCRATCH_BYTES = 64 * 2 ** 20;

/**
 * KV bytes for a split model, whose first part alone cannot be planned by the engine.
 * @param {Record<string, unknown>} metadata
 * @param {number} contextSize 0: the model's trained context, capped
 */
export function estimateKvBytes(metadata, contextSize) {
  const arch = metadata['general.architecture'];
  /** @param {string} k */
  const get = (k) => Number(metadata[`${arch}.${k}`] ?? 0);
  const ctx = contextSize || Math.min(get('context_length') || DEFAULT_CONTEXT_CAP, DEFAULT_CONTEXT_CAP);
  const heads = get('attention.head_count') || 1;
  const kvHeads = get('attention.head_count_kv') || heads;
  const headDim = get('embedding_length') / heads;
  return 2 * get('block_count') * ctx * kvHeads * headDim * 2;
}

/**
 * @param {LoaderModule} module
 * @param {ProbedHeader} probe the first part's header
 * @param {number} firstPartBytes the bytes the first part will take in memory
 * @param {{partCount: number, name: string, laterPartSizes: Array<number | null>, contextSize: number}} model
 *   the parts given, the first part's name, the other parts' sizes where known
 */
export function checkModel(module, probe, firstPartBytes, { partCount, name, laterPartSizes, contextSize }) {
  const { metadata } = probe.header;
  const splitCount = Number(metadata['split.count'] ?? 1);
  if (splitCount !== partCount) {
    throw new InvalidArgumentError(splitCount > 1
      ? `${name} is the first of ${splitCount} parts of a split model but ${partCount} file(s) were given: ` +
        'name the first part like model-00001-of-0000N.gguf or pass every part in order'
      : `${partCount} files were given but ${name} is not a split model (no split.count)`);
  }
  let kv;
  let scratch;
  if (probe.plan) {
    kv = probe.plan.kvCacheBytes;
    scratch = probe.plan.scratchBytes;
  } else if (splitCount > 1 && metadata['general.architecture'] === 'llama') {
    kv = estimateKvBytes(metadata, contextSize);
    scratch = SPLIT_SCRATCH_BYTES;
  } else {
    throw new UnsupportedModelError(`${name}: ${probe.planError}`);
  }
  const files = firstPartBytes + laterPartSizes.reduce((/** @type {number} */ a, b) => a + (b ?? 0), 0);
  const baseline = module.HEAPU8.length;
  const required = files + kv + scratch;
  if (required + baseline > WASM_LIMIT) {
    throw new ModelTooLargeError(required, WASM_LIMIT - baseline,
      `${formatBytes(files)} of weights + ${formatBytes(kv)} of KV cache + ${formatBytes(scratch)} of scratch`);
  }
  if (probe.plan && !module.reserveMemory(required)) {
    throw new ModelTooLargeError(required, WASM_LIMIT - baseline,
      `the browser could not grow wasm memory from ${formatBytes(baseline)} by that much`);
  }
}
