// `smollm-wasm bench -m FILE [-p 128] [-n 64] [--reps 3]`: load time, prefill and decode
// tokens/s (greedy, EOS ignored), peak wasm memory. Each repetition starts with a different
// token so the KV prefix cache cannot skip the prefill.
import { formatBytes } from '../errors.js';
import { UsageError, loadModel, number } from './model-options.js';

export const BENCH_OPTIONS = {
  'prompt-tokens': { type: 'string', short: 'p' },
  'gen-tokens': { type: 'string', short: 'n' },
  reps: { type: 'string', short: 'r' },
  json: { type: 'boolean' },
};

const FILLER = 'The quick brown fox jumps over the lazy dog while the engine counts tokens per second. ';

async function promptOf(llm, nTokens, rep) {
  let text = `${rep} ${FILLER}`;
  let ids = await llm.tokenize(text);
  while (ids.length < nTokens) {
    text += FILLER;
    ids = await llm.tokenize(text);
  }
  return ids.slice(0, nTokens);
}

export async function bench(values) {
  const nPrompt = number(values, 'prompt-tokens', { integer: true, min: 1 }) ?? 128;
  const nGen = number(values, 'gen-tokens', { integer: true, min: 1 }) ?? 64;
  const reps = number(values, 'reps', { integer: true, min: 1 }) ?? 3;
  if (values.ctx !== undefined && Number(values.ctx) < nPrompt + nGen) {
    throw new UsageError(`--ctx must hold the prompt and the generated tokens (${nPrompt + nGen})`);
  }
  const t0 = performance.now();
  const llm = await loadModel(values, { contextSize: values.ctx ? undefined : Math.max(nPrompt + nGen, 256) });
  const loadMs = performance.now() - t0;
  const runs = [];
  try {
    for (let rep = 0; rep < reps; ++rep) {
      const ids = await promptOf(llm, nPrompt, rep);
      const prompt = await llm.detokenize(ids);
      for await (const piece of llm.generate(prompt, { maxTokens: nGen, temperature: 0, ignoreEos: true, addBos: false })) {
        void piece;
      }
      runs.push(llm.stats);
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const result = {
      model: values.model,
      build: llm.info.build,
      threads: llm.info.threads,
      simd: llm.info.simd,
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
        `model ${result.model}\n${result.build}, ${result.threads} thread(s), ${result.simd}\n` +
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
