// Interleaved A/B of our engine at several thread counts in one browser: for each repetition and
// each variant (a folder of js/wasm modules, e.g. a copy of another commit's build), the same
// job at every thread count, prefill and decode printed per run. How bench/contention/NOTES.md
// compared pool policies ("Run slots"); contention.mjs makes the report itself.
//
//   node bench/e2e/threads_ab.mjs --browser firefox --model FILE.gguf --threads 2,4
//        [--variants A:/tmp/a,B:/tmp/b] [--reps 3] [--prompt-tokens 128] [--decode-tokens 32] [--busy]
//        [--batch-orders fast,llama.cpp]
//
// Each variant's files are copied over js/wasm before its runs and the original files are put
// back at the end. --busy runs a CPU spinner beside every run (bench/e2e/spinner.mjs).
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchServer } from './bench_server.mjs';
import { buildPrompts } from './prompts.mjs';
import { figures, threadsText } from './report.mjs';
import { startSpinner } from './spinner.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WASM = path.join(ROOT, 'js/wasm');

const { values: o } = parseArgs({
  options: {
    browser: { type: 'string', default: 'chromium' },
    model: { type: 'string' },
    threads: { type: 'string', default: '2,4' },
    variants: { type: 'string', default: '' },
    reps: { type: 'string', default: '3' },
    'prompt-tokens': { type: 'string', default: '128' },
    'decode-tokens': { type: 'string', default: '32' },
    busy: { type: 'boolean', default: false },
    'batch-orders': { type: 'string', default: '' },   // each variant once per load option batchOrder
  },
});
if (!o.model) throw new Error('--model FILE.gguf is required');
const driver = await import(`./browser_${o.browser}.mjs`);
const file = path.resolve(o.model);
const promptTokens = Number(o['prompt-tokens']);
const { bannedIds, prompts } = await buildPrompts(path.join(ROOT, '../shared/smollm2/tokenizer.json'), file,
  { warmup: 8, short: promptTokens, long: promptTokens });
const variants = o.variants ? o.variants.split(',').map((v) => v.split(':')) : [['current', null]];
const orders = o['batch-orders'] ? o['batch-orders'].split(',') : [undefined];

const saved = mkdtempSync(path.join(os.tmpdir(), 'threads-ab-'));
cpSync(WASM, saved, { recursive: true });
const server = await startBenchServer(path.dirname(file));
try {
  for (let rep = 1; rep <= Number(o.reps); rep++) {
    for (const [name, dir] of variants) {
      if (dir) for (const f of readdirSync(dir)) cpSync(path.join(dir, f), path.join(WASM, f));
      for (const threads of o.threads.split(',').map(Number)) for (const batchOrder of orders) {
        const job = { modelUrl: `/models/${path.basename(file)}`, modelPath: file, threads, contextSize: 2048,
          decodeTokens: Number(o['decode-tokens']), bannedIds, prompts, longBudgetMs: 0, batchOrder };
        const stopSpinner = o.busy ? startSpinner() : () => {};
        try {
          const f = figures(await driver.runIn(server.url, 'ours', job, () => {}));
          console.log(`${new Date().toISOString().slice(11, 19)} rep ${rep} ${name}${batchOrder ? `/${batchOrder}` : ""} ${threads}t: prefill ${f.prefillShort?.toFixed(1)} decode ${f.decode?.toFixed(1)} tok/s (${threadsText(f)})`);
        } catch (e) {
          console.log(`rep ${rep} ${name}${batchOrder ? `/${batchOrder}` : ""} ${threads}t: ERROR ${String(e).split('\n')[0]}`);
        } finally {
          stopSpinner();
        }
      }
    }
  }
} finally {
  await server.close();
  cpSync(saved, WASM, { recursive: true });
  rmSync(saved, { recursive: true, force: true });
}
