// Perplexity by llama-perplexity's method (the text tokenized whole, no BOS for this
// vocabulary, cut into consecutive chunks of --ctx tokens, each evaluated from position 0, the
// predictions of its second half scored) through our package (Node, wasm) along three paths:
// each chunk as one batch (as llama-perplexity does) in either batch order (load option
// batchOrder: 'llama.cpp', whose batches are llama.cpp's bit for bit, and 'fast', the default),
// and one token at a time (the decode path,
// whose logits equal llama.cpp's own one-token logits bit for bit on the tiny-py files:
// tests/parity/README.md). Beside llama.cpp's figure (one batch per chunk): the one
// ../shared/README.md gives, or with --llama the one computed here through the parity reference
// (node-llama-cpp, tests/parity/lib/reference.mjs: flash attention on, the AMX builds set
// aside; slow, its logits cross as Maps). This shows how far the two paths of one engine lie
// apart, the noise a 4-decimal comparison has to be read against.
//   node bench/parity/ppl_paths.mjs [--models tiny-py-Q5_K_M,...] [--ctx 512] [--chunks N] [--llama]
//        [--paths llama.cpp,fast,one-token]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SmolLM } from '../../js/src/index.js';
import {
  chunkNegLogLikelihood, firstScored, haveSampleText, perplexityChunks, referenceFigures, sampleTextPath, scoredPerChunk,
} from '../../tests/parity/lib/perplexity.mjs';
import { sharedDir } from '../../tests/parity/lib/prompts.mjs';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'tiny-py-F16,tiny-py-Q5_K_M,tiny-py-Q4_K_M,tiny-py-IQ4_XS' },
    ctx: { type: 'string', default: '512' },
    chunks: { type: 'string', default: '0' },   // 0: all
    threads: { type: 'string', default: '2' },
    llama: { type: 'boolean', default: false },
    paths: { type: 'string', default: 'llama.cpp,fast,one-token' },
  },
});
const nCtx = Number(values.ctx);
if (!haveSampleText) {
  console.log(`skipped: ${sampleTextPath} is missing`);
  process.exit(0);
}
const text = readFileSync(sampleTextPath, 'utf8');
const readmeFigures = referenceFigures();
const perplexity = (sum, chunks) => Math.exp(sum / (chunks.length * scoredPerChunk(nCtx)));

// llama.cpp's figure for one model file, each chunk as one batch.
async function llamaPerplexity(modelPath) {
  const { openReference } = await import('../../tests/parity/lib/reference.mjs');
  const ref = await openReference(modelPath, nCtx, Number(values.threads));
  try {
    const chunks = perplexityChunks(Array.from(ref.model.tokenize(text, false)), nCtx, Number(values.chunks));
    const first = firstScored(nCtx);
    let sum = 0;
    for (const chunk of chunks) {
      const logits = await ref.logits(chunk, first);
      sum += chunkNegLogLikelihood(chunk, (i) => logits.subarray((i - first) * ref.nVocab, (i - first + 1) * ref.nVocab));
    }
    return perplexity(sum, chunks);
  } finally {
    await ref.dispose();
  }
}

// Each path: the load option batchOrder and the tokens per evaluation (0: the whole chunk).
const PATHS = { 'llama.cpp': ['llama.cpp', 0], fast: ['fast', 0], 'one-token': ['fast', 1] };
const paths = values.paths.split(',');
for (const p of paths) if (!PATHS[p]) throw new Error(`--paths: unknown path ${p} (${Object.keys(PATHS).join(', ')})`);

for (const name of values.models.split(',')) {
  const modelPath = join(sharedDir, `golden/models/${name}.gguf`);
  let chunks;
  const sums = {};
  for (const path of paths) {
    const [batchOrder, perEval] = PATHS[path];
    const llm = await SmolLM.load(modelPath, { threads: Number(values.threads), contextSize: nCtx, worker: false, batchOrder });
    sums[path] = 0;
    try {
      chunks = perplexityChunks(await llm.tokenize(text, { addBos: false }), nCtx, Number(values.chunks));
      for (const chunk of chunks) {
        const { nVocab, logits } = await llm.evalLogits(chunk, { batchSize: perEval || nCtx });
        sums[path] += chunkNegLogLikelihood(chunk, (i) => logits.subarray(i * nVocab, (i + 1) * nVocab));
      }
    } finally {
      await llm.unload();
    }
  }
  const [ref, from] = values.llama ? [await llamaPerplexity(modelPath), 'here'] : [readmeFigures[name], '../shared/README.md'];
  const figure = (sum) => {
    const ppl = perplexity(sum, chunks);
    return ref ? `${ppl.toFixed(4)} (${((ppl / ref - 1) * 100).toFixed(3)}%)` : ppl.toFixed(4);
  };
  const labels = { 'llama.cpp': 'one batch, llama.cpp order', fast: 'one batch, fast order', 'one-token': 'one token at a time' };
  console.log(`${name}, ${chunks.length} chunks: ${paths.map((p) => `${labels[p]} ${figure(sums[p])}`).join(', ')}; ` +
    `llama.cpp, one batch per chunk (${from}) ${ref?.toFixed(4) ?? '?'}`);
}
