// llama.cpp's perplexity on this machine, through the node-llama-cpp build the parity tests use
// as their reference (tests/parity/lib/reference.mjs: flash attention on, the AMX builds set
// aside), by llama-perplexity's method: the text tokenized whole (no BOS for this vocabulary),
// cut into consecutive chunks of --ctx tokens (the rest dropped), each evaluated as one batch
// from position 0, scoring the predictions of its second half. Prints each model's figure beside
// ours (the `smollm-wasm perplexity` CLI) when --ours is given.
//   node bench/parity/llama_perplexity.mjs [--models tiny-py-F16,tiny-py-Q4_K_M] [--ctx 512] [--ours]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openReference } from '../../tests/parity/lib/reference.mjs';
import { repoRoot, threadsForTests } from '../../tests/parity/lib/ours.mjs';
import { haveSampleText, negLogLikelihood, sampleTextPath } from '../../tests/parity/lib/perplexity.mjs';
import { sharedDir } from '../../tests/parity/lib/prompts.mjs';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'tiny-py-F16,tiny-py-Q5_K_M,tiny-py-Q4_K_M,tiny-py-IQ4_XS' },
    ctx: { type: 'string', default: '512' },
    ours: { type: 'boolean', default: false },
    chunks: { type: 'string', default: '0' },   // 0: all
  },
});
const nCtx = Number(values.ctx);
if (!haveSampleText) {
  console.log(`skipped: ${sampleTextPath} is missing`);
  process.exit(0);
}
const text = readFileSync(sampleTextPath, 'utf8');

async function llamaPerplexity(modelPath) {
  const ref = await openReference(modelPath, nCtx, threadsForTests());
  try {
    const tokens = Array.from(ref.model.tokenize(text, false));
    const chunks = Math.min(Math.floor(tokens.length / nCtx), Number(values.chunks) || Infinity);
    const first = nCtx / 2;
    let total = 0;
    let count = 0;
    for (let c = 0; c < chunks; ++c) {
      const chunk = tokens.slice(c * nCtx, (c + 1) * nCtx);
      const logits = await ref.logits(chunk, first);
      for (let i = first; i < nCtx - 1; ++i) {
        total += negLogLikelihood(logits.subarray((i - first) * ref.nVocab, (i - first + 1) * ref.nVocab), chunk[i + 1]);
        count += 1;
      }
    }
    return { ppl: Math.exp(total / count), chunks, tokens: tokens.length };
  } finally {
    await ref.dispose();
  }
}

function ourPerplexity(modelPath) {
  const out = execFileSync(process.execPath, [join(repoRoot, 'js/bin/smollm-wasm.js'), 'perplexity', '-m', modelPath,
    '-f', sampleTextPath, '--ctx', String(nCtx), '--threads', String(threadsForTests())], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return Number(out.match(/PPL = ([0-9.]+)/)[1]);
}

for (const name of values.models.split(',')) {
  const modelPath = join(sharedDir, `golden/models/${name}.gguf`);
  const ref = await llamaPerplexity(modelPath);
  let line = `${name}: llama.cpp ${ref.ppl.toFixed(4)} (${ref.chunks} chunks of ${nCtx}, ${ref.tokens} tokens)`;
  if (values.ours) {
    const ours = ourPerplexity(modelPath);
    line += `, ours ${ours.toFixed(4)} (${((ours / ref.ppl - 1) * 100).toFixed(4)}%)`;
  }
  console.log(line);
}
