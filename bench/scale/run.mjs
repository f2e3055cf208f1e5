// Issue 4's "Scale" figures: the SmolLM2-1.7B shape written by our gguf_writer in Q4_K_M,
// Q5_K_M and IQ4_XS, each loaded by the wasm build under Node (the package's CLI `bench`,
// multi-thread build, 2 threads by default), prefill 128 tokens, decode 64, and the peak wasm
// memory against the loader's budget (file + KV cache + 64 MiB). Writes bench/scale/RESULTS.md.
//
//   node bench/scale/run.mjs [--types Q4_K_M,Q5_K_M,IQ4_XS] [--threads 2] [--reps 2]
//                            [--out bench/scale/RESULTS.md]
//
// Models are cached in bench/models/ (shared with bench/run.sh); SMOLLM_GGUF_WRITER names the
// writer when they must be written. CPU used by other processes during each run is measured
// and printed: figures from a busy machine are marked as such.
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { CpuMonitor } from '../e2e/cpu_monitor.mjs';
import { describeMachine } from '../e2e/machine.mjs';
import { SHAPES, ensureModel, kvCacheBytes } from '../e2e/models.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHAPE = 'smollm2-1.7b';
const PROMPT_TOKENS = 128;
const GEN_TOKENS = 64;
// Passed to the CLI, so the KV cache in the budget column is the one the run allocates.
const CONTEXT = 256;
const MIB = 2 ** 20;
// A run counts as quiet when other processes used less than this many cores on average.
const QUIET_OTHERS_CORES = 0.15;

const { values } = parseArgs({
  options: {
    types: { type: 'string', default: 'Q4_K_M,Q5_K_M,IQ4_XS' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '2' },
    out: { type: 'string', default: path.join(ROOT, 'bench/scale/RESULTS.md') },
  },
});

function runCliBench(model, threads, reps) {
  const args = ['--no-experimental-fetch', path.join(ROOT, 'js/bin/smollm-wasm.js'), 'bench', '-m', model,
    '--threads', String(threads), '-p', String(PROMPT_TOKENS), '-n', String(GEN_TOKENS),
    '--reps', String(reps), '--ctx', String(CONTEXT), '--json'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`smollm-wasm bench exited with ${code} for ${model}`));
      const line = out.trim().split('\n').pop();
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`smollm-wasm bench printed no JSON: ${out.slice(-400)}`));
      }
    });
  });
}

const writer = process.env.SMOLLM_GGUF_WRITER ?? path.join(ROOT, 'build/gguf_writer');
const tokenizerJson = path.resolve(ROOT, '../shared/smollm2/tokenizer.json');
const threads = Number(values.threads);
const reps = Number(values.reps);
const rows = [];
for (const quant of values.types.split(',')) {
  const model = ensureModel({
    writer, modelsDir: path.join(ROOT, 'bench/models'), shape: SHAPE, quant, tokenizerJson,
    threads: 2, regenerate: false, log: (m) => console.error(m),
  });
  const fileBytes = statSync(model).size;
  const kvBytes = kvCacheBytes(SHAPE, CONTEXT);
  const monitor = new CpuMonitor(1000);
  monitor.start();
  const r = await runCliBench(model, threads, reps);
  const load = monitor.stop();
  const row = {
    quant, fileBytes, kvBytes, ...r,
    budgetBytes: fileBytes + kvBytes + 64 * MIB,
    othersCores: load.othersCores,
    busiestOthers: load.busiestOthers,
  };
  rows.push(row);
  console.error(`${quant}: prefill ${r.prefillTokensPerSecond.toFixed(2)} tok/s, decode ` +
    `${r.decodeTokensPerSecond.toFixed(2)} tok/s, peak ${(r.wasmMemoryBytes / MIB).toFixed(0)} MiB ` +
    `(budget ${(row.budgetBytes / MIB).toFixed(0)} MiB), others used ${load.othersCores.toFixed(2)} cores`);
}

const shape = SHAPES[SHAPE];
const machine = describeMachine(ROOT);
const lines = [
  '## Scale: SmolLM2-1.7B shape in wasm under Node (issue 4)',
  '',
  `Measured ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC with \`node bench/scale/run.mjs\`.`,
  '',
  ...Object.entries(machine).filter(([k]) => !['wllama', 'native llama.cpp'].includes(k)).map(([k, v]) => `- ${k}: ${v}`),
  `- Shape: dim ${shape.dim}, ${shape.layers} layers, ${shape.heads} heads, ${shape.kvHeads} kv heads, ffn ${shape.ffn}, ` +
    'SmolLM2 vocabulary (49,152), tied embeddings; random weights written by our gguf_writer with llama.cpp\'s mixes.',
  `- Run: the package CLI \`smollm-wasm bench\` (wasm, ${threads} thread(s)), prompt ${PROMPT_TOKENS} tokens, ` +
    `${GEN_TOKENS} decoded (greedy, EOS ignored), context ${CONTEXT}, median of ${reps} repetitions.`,
  '- Budget = file + KV cache (f16) + 64 MiB, the loader\'s bound (issue 6). Peak = wasm memory after the run (it never shrinks).',
  '',
  '| type | file MiB | load s | prefill tok/s | decode tok/s | peak wasm MiB | budget MiB | build | other processes (cores) |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.quant} | ${(r.fileBytes / MIB).toFixed(0)} | ${(r.loadMs / 1000).toFixed(2)} | ` +
    `${r.prefillTokensPerSecond.toFixed(2)} | ${r.decodeTokensPerSecond.toFixed(2)} | ` +
    `${(r.wasmMemoryBytes / MIB).toFixed(0)} | ${(r.budgetBytes / MIB).toFixed(0)} | ${r.build}, ${r.threads}t, ${r.simd} | ` +
    `${r.othersCores.toFixed(2)}${r.othersCores > QUIET_OTHERS_CORES ? ' (busy: ' + r.busiestOthers.join(', ') + ')' : ''} |`),
  '',
];
writeFileSync(values.out, lines.join('\n'));
console.log(lines.join('\n'));
