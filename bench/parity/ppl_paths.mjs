// Perplexity by llama-perplexity's method through our package (Node, wasm) along two paths:
// each chunk of --ctx tokens evaluated as one batch (as llama-perplexity does), and one token
// at a time (the decode path, whose logits equal llama.cpp's own one-token logits bit for bit
// on the tiny-py files: tests/parity/README.md). Beside llama.cpp's figures (../shared/README.md,
// llama-perplexity: one batch per chunk), this shows how far the two paths of one engine lie
// apart, the noise a 4-decimal comparison has to be read against.
//   node bench/parity/ppl_paths.mjs [--models tiny-py-Q5_K_M,...] [--ctx 512] [--chunks N]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SmolLM } from '../../js/src/index.js';
import { haveSampleText, negLogLikelihood, referenceFigures, sampleTextPath } from '../../tests/parity/lib/perplexity.mjs';
import { sharedDir } from '../../tests/parity/lib/prompts.mjs';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'tiny-py-F16,tiny-py-Q5_K_M,tiny-py-Q4_K_M,tiny-py-IQ4_XS' },
    ctx: { type: 'string', default: '512' },
    chunks: { type: 'string', default: '0' },   // 0: all
    threads: { type: 'string', default: '2' },
  },
});
const nCtx = Number(values.ctx);
if (!haveSampleText) {
  console.log(`skipped: ${sampleTextPath} is missing`);
  process.exit(0);
}
const text = readFileSync(sampleTextPath, 'utf8');
const reference = referenceFigures();

for (const name of values.models.split(',')) {
  const llm = await SmolLM.load(join(sharedDir, `golden/models/${name}.gguf`), { threads: Number(values.threads), contextSize: nCtx, worker: false });
  try {
    const tokens = await llm.tokenize(text, { addBos: false });
    const chunks = Math.min(Math.floor(tokens.length / nCtx), Number(values.chunks) || Infinity);
    const first = nCtx / 2;
    const sums = { batch: 0, oneToken: 0 };
    for (let c = 0; c < chunks; ++c) {
      const chunk = tokens.slice(c * nCtx, (c + 1) * nCtx);
      for (const [path, batchSize] of [['batch', nCtx], ['oneToken', 1]]) {
        const { nVocab, logits } = await llm.evalLogits(chunk, { batchSize });
        for (let i = first; i < nCtx - 1; ++i) sums[path] += negLogLikelihood(logits.subarray(i * nVocab, (i + 1) * nVocab), chunk[i + 1]);
      }
    }
    const count = chunks * (nCtx - 1 - first);
    const ppl = (s) => Math.exp(s / count);
    const ref = reference[name];
    const rel = (x) => (ref ? ` (${((x / ref - 1) * 100).toFixed(3)}%)` : '');
    console.log(`${name}, ${chunks} chunks: one batch ${ppl(sums.batch).toFixed(4)}${rel(ppl(sums.batch))}, ` +
      `one token at a time ${ppl(sums.oneToken).toFixed(4)}${rel(ppl(sums.oneToken))}; llama-perplexity ${ref ?? '?'}`);
  } finally {
    await llm.unload();
  }
}
