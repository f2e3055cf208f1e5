// `smollm-wasm bench -m FILE [-p 128] [-n 64] [--reps 3]`: load time, prefill and decode
// tokens/s (greedy, EOS ignored), peak wasm memory. Each repetition starts with a different
// token so the KV prefix cache cannot skip the prefill.
import { formatBytes } from '../errors.js';
import { UsageError, numberFlag, stringFlag } from './flags.js';
import { MODEL_FLAGS, loadModel } from './model-options.js';

/** @typedef {import('../smollm.js').SmolLM} SmolLM */

const FILLER = 'The quick brown fox jumps over the lazy dog while the engine counts tokens per second. ';

/** @param {SmolLM} llm @param {number} nTokens @param {number} rep */
async function promptOf(llm, nTokens, rep) {
  let text = `${rep} ${FILLER}`;
  let ids = await llm.tokenize(text);
  while (ids.length < nTokens) {
    text += FILLER;
    ids = await llm.tokenize(text);
  }
  return ids.slice(0, nTokens);
}

/** @param {import('./flags.js').FlagValues} values */
export async function bench(values) {
  const nPrompt = numberFlag(values, 'prompt-tokens', { integer: true, min: 1 }) ?? 128;
  const nGen = numberFlag(values, 'gen-tokens', { integer: true, min: 1 }) ?? 64;
  const reps = numberFlag(values, 'reps', { integer: true, min: 1 }) ?? 3;
  const ctx = numberFlag(values, 'ctx', { integer: true, min: 1 });
  if (ctx !== undefined && ctx < nPrompt + nGen) {
    throw new UsageError(`--ctx must hold the prompt and the generated tokens (${nPrompt + nGen})`);
  }
  const t0 = performance.now();
  const llm = await loadModel(values, { contextSize: ctx ?? Math.max(nPrompt + nGen, 256) });
  const loadMs = performance.now() - t0;
  /** @type {Array<NonNullable<SmolLM['stats']>>} */
  const runs = [];
  try {
    for (let rep = 0; rep < reps; ++rep) {
      const ids = await promptOf(llm, nPrompt, rep);
      const prompt = await llm.detokenize(ids);
      for await (const piece of llm.generate(prompt, { maxTokens: nGen, temperature: 0, ignoreEos: true, addBos: false })) {
        void piece;
      }
      if (llm.stats) runs.push(llm.stats);
    }
    const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const result = {
      model: stringFlag(values, 'model'),
      build: llm.info.build,
      threads: llm.info.threads,
      simd: llm.info.simd,
      contextSize: llm.info.contextSize,
      kvCacheKeyType: llm.info.kvCacheKeyType,
      kvCacheValueType: llm.info.kvCacheValueType,
      loadMs: Math.round(loadMs),
      promptTokens: nPrompt,
      genTokens: nGen,
      prefillTokensPerSecond: median(runs.map((r) => r.prefillTokensPerSecond)),
      decodeTokensPerSecond: median(runs.map((r) => r.decodeTokensPerSecond)),
      engineMemoryBytes: llm.info.memoryBytes,
      wasmMemoryBytes: (await llm.memoryUsage()).wasmBytes,
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(
        `model ${result.model}\n${result.build}, ${result.threads} thread(s), ${result.simd}, context ${result.contextSize}, ` +
        `KV cache ${result.kvCacheKeyType} K / ${result.kvCacheValueType} V\n` +
        `load ${result.loadMs} ms\n` +
        `prefill ${nPrompt} tokens: ${result.prefillTokensPerSecond.toFixed(2)} tok/s (median of ${reps})\n` +
        `decode ${nGen} tokens: ${result.decodeTokensPerSecond.toFixed(2)} tok/s (median of ${reps})\n` +
        `engine memory ${formatBytes(result.engineMemoryBytes)} (weights + KV cache + scratch); ` +
        `peak wasm memory ${formatBytes(result.wasmMemoryBytes)} (wasm memory never shrinks; ` +
        `the loader's bound is engine memory + 64 MiB = ${formatBytes(result.engineMemoryBytes + 64 * 2 ** 20)})\n`);
    }
  } finally {
    await llm.unload();
  }
}

/** @type {import('./flags.js').Command} */
export const BENCH = {
  synopsis: 'bench -m FILE [options]',
  summary: 'Load time, prefill and decode tokens/s (greedy, end-of-generation ignored; the median of the\n' +
    'repetitions) and peak wasm memory.',
  flagGroups: [
    ['Options', {
      'prompt-tokens': { type: 'string', short: 'p', arg: 'N', doc: 'prompt tokens (default 128)' },
      'gen-tokens': { type: 'string', short: 'n', arg: 'N', doc: 'tokens to generate (default 64)' },
      reps: { type: 'string', short: 'r', arg: 'N', doc: 'repetitions (default 3)' },
      json: { type: 'boolean', doc: 'print one JSON object' },
    }],
    ['Model', MODEL_FLAGS],
  ],
  run: bench,
};
