// Thread scaling of our engine under Node: prefill and decode of one model at several thread
// counts (issue 8, "Scaling beyond this machine"). Runs where Node runs, typically the 16-core
// device machine through bench/scaling/device.sh.
//
//   node bench/scaling/scaling.mjs --model FILE.gguf --prompts prompts.json \
//        [--threads 1,2,4,8,16] [--long-budget-s 40] [--out DIR] [--multi-thread-only]
//
// prompts.json comes from write_prompts.mjs (one-token words, ids checked by llama.cpp's
// tokenizer here, where node-llama-cpp is installed). Prints a markdown table and writes
// scaling.json / scaling.md into --out.
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SmolLM } from '../../js/src/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    prompts: { type: 'string' },
    threads: { type: 'string', default: '1,2,4,8,16' },
    'long-budget-s': { type: 'string', default: '40' },
    'single-thread-build': { type: 'boolean', default: true },
    // Node 20's parseArgs has no --no-* form: this turns the single-thread row off.
    'multi-thread-only': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
if (!values.model || !values.prompts) {
  process.stderr.write('usage: node bench/scaling/scaling.mjs --model FILE.gguf --prompts prompts.json [--threads 1,2,4,8,16] [--long-budget-s S] [--out DIR]\n');
  process.exit(2);
}
const { bannedIds, prompts } = JSON.parse(readFileSync(values.prompts, 'utf8'));
const threadList = values.threads.split(',').map(Number);
const longBudgetMs = Number(values['long-budget-s']) * 1000;
const bias = Object.fromEntries(bannedIds.map((id) => [id, -1000]));

async function complete(llm, prompt, maxTokens) {
  const ids = await llm.tokenize(prompt.text);
  if (ids.length !== prompt.ids.length || ids.some((id, i) => id !== prompt.ids[i])) {
    throw new Error(`our tokenizer gives ${ids.length} ids for a prompt of ${prompt.ids.length}`);
  }
  for await (const piece of llm.generate(prompt.text, {
    maxTokens, temperature: 0, ignoreEos: true, logitBias: bias, addBos: false, special: false,
  })) void piece;
  const s = llm.stats;
  if (s.reusedTokens) throw new Error(`reused ${s.reusedTokens} cached tokens`);
  return s;
}

async function measure(threads, build) {
  const t0 = performance.now();
  const llm = await SmolLM.load(values.model, { threads, contextSize: 2048, cache: false, build });
  const loadMs = performance.now() - t0;
  try {
    if (llm.info.threads !== threads) throw new Error(`asked for ${threads} threads, the engine uses ${llm.info.threads}`);
    await complete(llm, prompts.warmup, 2);
    const short = await complete(llm, prompts.short, 64);
    const predicted = (prompts.long.ids.length * short.prefillMs) / short.promptTokens;
    const long = predicted <= longBudgetMs ? await complete(llm, prompts.long, 1) : null;
    const { wasmBytes } = await llm.memoryUsage();
    return {
      threads, build, simd: llm.info.simd, atOnce: llm.info.threadsAtOnce, loadMs,
      prefill128: short.prefillTokensPerSecond,
      prefill512: long ? long.prefillTokensPerSecond : null,
      decode: short.decodeTokensPerSecond,
      wasmMiB: wasmBytes / 2 ** 20,
    };
  } finally {
    await llm.unload();
  }
}

const rows = [];
const plan = threadList.map((t) => [t, 'multi-thread']);
if (values['single-thread-build'] && !values['multi-thread-only']) plan.unshift([1, 'single-thread']);
for (const [threads, build] of plan) {
  try {
    const row = await measure(threads, build);
    rows.push(row);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  } catch (e) {
    rows.push({ threads, build, error: String(e?.message ?? e) });
    process.stdout.write(`threads ${threads} (${build}): ERROR ${e?.message ?? e}\n`);
  }
}

const base = rows.find((r) => r.build === 'multi-thread' && r.threads === 1 && !r.error);
const fmt = (x) => (x === null || x === undefined ? '—' : x.toFixed(1));
const speedup = (r, k) => (base && r[k] && base[k] ? `${(r[k] / base[k]).toFixed(2)}x` : '—');
const lines = [
  `Machine: ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} logical cores, Node ${process.version}; model ${path.basename(values.model)}.`,
  '',
  '| threads | at once (start) | build | prefill 128 tok/s | prefill 512 tok/s | decode 64 tok/s | decode speed-up vs 1 | prefill 128 speed-up vs 1 | load s | wasm MiB |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => (r.error
    ? `| ${r.threads} | | ${r.build} | error: ${r.error.slice(0, 120)} | | | | | | |`
    : `| ${r.threads} | ${r.atOnce ?? '—'} | ${r.build} | ${fmt(r.prefill128)} | ${fmt(r.prefill512)} | ${fmt(r.decode)} | ${speedup(r, 'decode')} | ${speedup(r, 'prefill128')} | ${(r.loadMs / 1000).toFixed(2)} | ${r.wasmMiB.toFixed(0)} |`)),
];
process.stdout.write(`\n${lines.join('\n')}\n`);
if (values.out) {
  mkdirSync(values.out, { recursive: true });
  writeFileSync(path.join(values.out, 'scaling.json'), JSON.stringify({ machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version }, rows }, null, 1));
  writeFileSync(path.join(values.out, 'scaling.md'), lines.join('\n') + '\n');
}
