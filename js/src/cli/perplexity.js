// `smollm-wasm perplexity -m FILE -f TEXT [--ctx 512] [--threads N]`, llama-perplexity's
// method: tokenize the whole file (BOS first only when the vocabulary asks for it), cut it
// into consecutive chunks of ctx tokens (the rest is dropped), put BOS in each chunk's first
// slot when the vocabulary uses one, evaluate each chunk from position 0 and score the
// predictions of its second half (tokens ctx/2+1 .. ctx-1). Prints PPL = exp(mean NLL) and
// llama.cpp's error estimate.
import { readFile } from 'node:fs/promises';
import { UsageError, numberFlag, stringFlag } from './flags.js';
import { MODEL_FLAGS, loadModel } from './model-options.js';

/** @param {import('./flags.js').FlagValues} values */
export async function perplexity(values) {
  const file = stringFlag(values, 'file');
  if (!file) throw new UsageError('-f TEXT (the text file to score) is required');
  const ctx = numberFlag(values, 'ctx', { integer: true, min: 4 }) ?? 512;
  const text = await readFile(file, 'utf8');
  const llm = await loadModel({ ...values, ctx: undefined }, { contextSize: ctx });
  try {
    const { addBos, bosId } = llm.info;
    const tokens = await llm.tokenize(text, { special: false });
    if (addBos && bosId >= 0) tokens.unshift(bosId);
    const chunks = Math.floor(tokens.length / ctx);
    if (chunks === 0) {
      throw new UsageError(`${file} has ${tokens.length} tokens: at least ${ctx} are needed for one chunk of --ctx ${ctx}`);
    }
    const first = ctx / 2 | 0;
    process.stderr.write(`${tokens.length} tokens, ${chunks} chunks of ${ctx}\n`);
    let nll = 0;
    let nll2 = 0;
    let count = 0;
    const start = performance.now();
    for (let c = 0; c < chunks; ++c) {
      const chunk = tokens.slice(c * ctx, (c + 1) * ctx);
      if (addBos && bosId >= 0) chunk[0] = bosId;
      const scores = await llm.negLogLikelihoods(chunk, first + 1);
      for (const s of scores) {
        nll += s;
        nll2 += s * s;
      }
      count += scores.length;
      const seconds = (performance.now() - start) / 1000;
      process.stderr.write(`[${c + 1}/${chunks}] ${Math.exp(nll / count).toFixed(4)} (${seconds.toFixed(1)} s)\n`);
    }
    const mean = nll / count;
    const ppl = Math.exp(mean);
    const variance = nll2 / count - mean * mean;
    const err = variance > 0 ? Math.sqrt(variance / (count - 1)) * ppl : 0;
    process.stdout.write(`chunks: ${chunks} (ctx ${ctx}, ${count} tokens scored)\nPPL = ${ppl.toFixed(4)} +/- ${err.toFixed(5)}\n`);
  } finally {
    await llm.unload();
  }
}

/** @type {import('./flags.js').Command} */
export const PERPLEXITY = {
  synopsis: 'perplexity -m FILE -f TEXT [options]',
  summary: 'Perplexity of a text file, llama-perplexity\'s method: consecutive chunks of --ctx tokens, the second\n' +
    'half of each scored. Prints PPL and its error estimate.',
  flagGroups: [
    ['Options', { file: { type: 'string', short: 'f', arg: 'TEXT', doc: 'the text file to score' } }],
    ['Model', { ...MODEL_FLAGS, ctx: { ...MODEL_FLAGS.ctx, doc: 'tokens per chunk (default 512)' } }],
  ],
  run: perplexity,
};
