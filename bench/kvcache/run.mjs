// Prefill and decode speed against the number of cached tokens, per KV cache type, through the
// package's CLI (`smollm-wasm bench`: the wasm build in Node). For each cache type and each
// prompt length N: prefill of N tokens, then decode of --gen tokens with N..N+gen cached.
//   node bench/kvcache/run.mjs -m MODEL [--lengths 128,1024,4096,8000] [--types f16,q8_0]
//        [--gen 16] [--threads 2] [--reps 1]
// Prints one JSON line per run and a markdown table (decode relative to the shortest length).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    model: { type: 'string', short: 'm' },
    lengths: { type: 'string', default: '128,1024,4096,8000' },
    types: { type: 'string', default: 'f16,q8_0' },
    gen: { type: 'string', default: '16' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '1' },
  },
});
if (!values.model) throw new Error('-m MODEL is required');
const lengths = values.lengths.split(',').map(Number);
const gen = Number(values.gen);
const rows = [];
for (const type of values.types.split(',')) {
  const byLength = [];
  for (const n of lengths) {
    const ctx = Math.ceil((n + gen) / 256) * 256;
    const out = execFileSync(process.execPath, [join(root, 'js/bin/smollm-wasm.js'), 'bench', '-m', values.model,
      '-p', String(n), '-n', String(gen), '--reps', values.reps, '--threads', values.threads, '--ctx', String(ctx),
      '--kv-type', type, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    const r = JSON.parse(out.trim().split('\n').pop());
    console.log(JSON.stringify({ type, cached: n, ...r }));
    byLength.push(r);
  }
  const base = byLength[0].decodeTokensPerSecond;
  byLength.forEach((r, i) => rows.push(`| ${type} | ${lengths[i]} | ${r.prefillTokensPerSecond.toFixed(2)} | ` +
    `${r.decodeTokensPerSecond.toFixed(2)} | ${(r.decodeTokensPerSecond / base * 100).toFixed(0)}% | ` +
    `${(r.wasmMemoryBytes / 2 ** 20).toFixed(0)} MiB |`));
}
console.log(`\n| KV type | cached tokens | prefill tok/s | decode tok/s | decode vs ${lengths[0]} | peak wasm memory |`);
console.log('|---|---|---|---|---|---|');
console.log(rows.join('\n'));
