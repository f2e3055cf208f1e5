// The flags of the commands that load a model, and the loading itself (on this thread: the CLI
// process is already the engine's process).
import { SmolLM } from '../smollm.js';
import { UsageError, numberFlag, stringFlag } from './flags.js';
import { progressBar } from './progress-bar.js';

// inspect.js takes UsageError from here (it loads no model, but shares the commands' errors).
export { UsageError };

/** @typedef {import('./flags.js').Flags} Flags */
/** @typedef {import('./flags.js').FlagValues} FlagValues */

/** Each maps to one SmolLM.load option (see loadModel). @type {Flags} */
export const MODEL_FLAGS = Object.freeze({
  model: { type: 'string', short: 'm', arg: 'FILE', doc: 'the .gguf model (path or URL; a split model: its first part)' },
  threads: { type: 'string', short: 't', arg: 'N', doc: 'threads for the matrix kernels (load option threads; default from the cores)' },
  ctx: { type: 'string', short: 'c', arg: 'N', doc: 'context size in tokens (load option contextSize; default the model\'s trained context, or the largest that fits in memory)' },
  'kv-type': { type: 'string', arg: 'T', doc: 'KV cache type of keys and values: f16, q8_0 or q4_0 (load option kvCacheType; default f16)' },
  'kv-type-k': { type: 'string', arg: 'T', doc: 'KV cache type of the keys, overriding --kv-type (load option kvCacheKeyType)' },
  'kv-type-v': { type: 'string', arg: 'T', doc: 'KV cache type of the values, overriding --kv-type (load option kvCacheValueType)' },
  'batch-order': { type: 'string', arg: 'O', doc: 'fast or llama.cpp: how a prompt evaluated as a batch sums (load option batchOrder; default fast)' },
  'no-cache': { type: 'boolean', doc: 'neither read nor write the model cache (load option cache: false)' },
  'single-thread': { type: 'boolean', doc: 'run the single-thread build (load option build)' },
  simd: { type: 'string', arg: 'KIND', doc: 'auto, relaxed or simd128 (load option simd; default auto)' },
});

/**
 * @param {FlagValues} values
 * @param {{ contextSize?: number, worker?: boolean, quiet?: boolean }} [how] worker: run the
 *   engine in a worker thread (serve); quiet: no progress bar; contextSize: overrides --ctx
 */
export async function loadModel(values, { contextSize, worker = false, quiet = false } = {}) {
  const model = stringFlag(values, 'model');
  if (!model) throw new UsageError('-m FILE (the .gguf model) is required');
  const bar = quiet ? Object.assign(() => {}, { done: () => {} }) : progressBar();
  try {
    return await SmolLM.load(model, {
      worker,
      threads: numberFlag(values, 'threads', { integer: true, min: 1 }),
      contextSize: contextSize ?? numberFlag(values, 'ctx', { integer: true, min: 1 }),
      // SmolLM.load checks the names.
      kvCacheType: /** @type {import('../types.js').KvCacheType | undefined} */ (stringFlag(values, 'kv-type')),
      kvCacheKeyType: /** @type {import('../types.js').KvCacheType | undefined} */ (stringFlag(values, 'kv-type-k')),
      kvCacheValueType: /** @type {import('../types.js').KvCacheType | undefined} */ (stringFlag(values, 'kv-type-v')),
      batchOrder: /** @type {import('../types.js').BatchOrder | undefined} */ (stringFlag(values, 'batch-order')),   // SmolLM.load checks it
      cache: !values['no-cache'],
      build: values['single-thread'] ? 'single-thread' : undefined,
      simd: /** @type {'auto' | 'relaxed' | 'simd128' | undefined} */ (stringFlag(values, 'simd')),   // SmolLM.load checks it
      onProgress: bar,
      onWarning: (/** @type {Error} */ w) => process.stderr.write(`warning: ${w.message}\n`),
    });
  } finally {
    bar.done();
  }
}
