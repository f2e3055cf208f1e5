// The contention benchmark (issue 14): each engine on the same file, quiet, then (a) with one
// busy process (a plain CPU spinner at normal priority) running beside it, then (b) asked for
// twice as many threads as the machine has cores. The three runs of one engine follow each
// other, so each ratio compares runs made under the same background load; repetitions
// interleave the engines. Writes bench/contention/RESULTS.md, which bench/run.sh carries into
// bench/RESULTS.md (and this script splices into it too).
//
//   node bench/e2e/contention.mjs [--engines ours,wllama,native] [--browsers chromium,firefox,webkit]
//        [--quant Q4_K_M] [--reps 2] [--prompt-tokens 128] [--decode-tokens 32]
//        [--model FILE.gguf]   (another file, e.g. ../shared's tiny-py, where the steps are
//                               short and waiting dominates: writes bench/contention/RESULTS-<file>.md
//                               and leaves bench/RESULTS.md alone)
//        [--report-only bench/out/contention-<run>.jsonl]   (render an earlier run's records)
//
// A browser driver module exports runIn(origin, engine, job, log) and a version(); adding a
// browser means adding it to BROWSER_DRIVERS below.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CpuMonitor } from './cpu_monitor.mjs';
import { describeMachine } from './machine.mjs';
import { ensureModel } from './models.mjs';
import { runNative } from './native_run.mjs';
import { buildPrompts } from './prompts.mjs';
import { startSpinner } from './spinner.mjs';
import { figures, median, threadsText } from './report.mjs';
import { startBenchServer } from './bench_server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = path.join(ROOT, 'bench/e2e');
const CONTEXT_SIZE = 2048;
const OUTPUT = path.join(ROOT, 'bench/contention/RESULTS.md');
// Hand-written findings kept under the table (Node A/B runs, how to re-run, what is missing).
const NOTES = path.join(ROOT, 'bench/contention/NOTES.md');

const BROWSER_DRIVERS = {
  chromium: './browser_chromium.mjs',
  firefox: './browser_firefox.mjs',
  // WebKitGTK with SharedArrayBuffer exposed, as Safari has it on an isolated page.
  webkit: './browser_webkit.mjs',
};
const BROWSERS = Object.fromEntries(Object.entries(BROWSER_DRIVERS).map(([name, file]) => [name, async () => {
  const m = await import(file);
  return { runIn: m.runIn, version: m.browserVersion };
}]));

const CONDITIONS = ['quiet', 'busy', 'oversubscribed'];
const CONDITION_TEXT = {
  quiet: 'quiet',
  busy: 'one busy process beside it',
  oversubscribed: 'twice as many threads as cores',
};

function parse(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engines: { type: 'string', default: 'ours,wllama,native' },
      browsers: { type: 'string', default: 'chromium,firefox,webkit' },
      quant: { type: 'string', default: 'Q4_K_M' },
      model: { type: 'string' },
      reps: { type: 'string', default: '2' },
      cores: { type: 'string', default: String(os.cpus().length) },
      'prompt-tokens': { type: 'string', default: '128' },
      'decode-tokens': { type: 'string', default: '32' },
      'report-only': { type: 'string' },
    },
  });
  const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const o = {
    engines: list(values.engines),
    browsers: list(values.browsers),
    quant: values.quant,
    model: values.model ? path.resolve(values.model) : null,
    reps: Number(values.reps),
    cores: Number(values.cores),
    promptTokens: Number(values['prompt-tokens']),
    decodeTokens: Number(values['decode-tokens']),
    reportOnly: values['report-only'],
  };
  for (const b of o.browsers) if (!BROWSERS[b]) throw new Error(`unknown browser ${b} (${Object.keys(BROWSERS).join(', ')})`);
  for (const e of o.engines) if (!['ours', 'wllama', 'native'].includes(e)) throw new Error(`unknown engine ${e}`);
  return o;
}

async function main() {
  const o = parse(process.argv.slice(2));
  if (o.reportOnly) {
    const records = readFileSync(o.reportOnly, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const browsers = [...new Set(records.map((r) => r.result?.browser).filter(Boolean))].join(', ');
    const md = render(records, o, describeMachine(ROOT, { browsers }), o.reportOnly);
    writeOutput(md, o);
    process.stdout.write(md);
    return;
  }
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
  const recordsFile = path.join(ROOT, `bench/out/contention-${runId}.jsonl`);
  const log = (line) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

  const tokenizerJson = path.resolve(ROOT, '../shared/smollm2/tokenizer.json');
  const writer = process.env.SMOLLM_GGUF_WRITER ?? path.join(ROOT, 'build/gguf_writer');
  const file = o.model ?? ensureModel({ writer, modelsDir: path.join(ROOT, 'bench/models'), shape: 'smollm2-1.7b', quant: o.quant, tokenizerJson, threads: 2, log });
  const lengths = { warmup: 8, short: o.promptTokens, long: o.promptTokens };
  const { bannedIds, prompts } = await buildPrompts(tokenizerJson, file, lengths);
  const server = await startBenchServer(path.dirname(file));
  const drivers = {};
  const versions = [];
  for (const b of o.browsers) {
    drivers[b] = await BROWSERS[b]();
    versions.push(await drivers[b].version());
  }

  const records = [];
  const runOne = async (browser, engine, condition, rep) => {
    const threads = condition === 'oversubscribed' ? 2 * o.cores : o.cores;
    const job = {
      modelUrl: `/models/${path.basename(file)}`, modelPath: file, threads, contextSize: CONTEXT_SIZE,
      decodeTokens: o.decodeTokens, bannedIds, prompts, longBudgetMs: 0,
    };
    const stopSpinner = condition === 'busy' ? startSpinner() : () => {};
    const monitor = new CpuMonitor(1000);
    monitor.start();
    const rec = { runId, browser, engine, condition, threads, rep, at: new Date().toISOString() };
    try {
      rec.result = engine === 'native' ? await runNative(job, ROOT) : await drivers[browser].runIn(server.url, engine, job, log);
    } catch (e) {
      rec.error = String(e?.stack ?? e);
    } finally {
      rec.cpu = monitor.stop();
      stopSpinner();
    }
    records.push(rec);
    appendFileSync(recordsFile, JSON.stringify(rec) + '\n');
    const f = rec.result ? figures(rec.result) : null;
    log(`${browser} ${engine} ${condition} ${threads}t rep ${rep}: ${f ? `prefill ${f.prefillShort?.toFixed(2)} decode ${f.decode?.toFixed(2)} tok/s, ${threadsText(f)}` : `ERROR ${rec.error.split('\n')[0]}`} (others ${rec.cpu.othersCores.toFixed(2)} cores)`);
  };

  for (let rep = 1; rep <= o.reps; rep++) {
    for (const engine of o.engines) {
      for (const browser of engine === 'native' ? ['native'] : o.browsers) {
        for (const condition of CONDITIONS) await runOne(browser, engine, condition, rep);
      }
    }
  }
  await server.close();

  const md = render(records, o, describeMachine(ROOT, { browsers: versions.join(', ') }), recordsFile);
  writeOutput(md, o);
  log(`wrote ${path.relative(ROOT, outputOf(o))}${o.model ? '' : ' and its section of bench/RESULTS.md'}`);
  process.stdout.write(`\n${md}`);
}

// The 1.7B shape's table is bench/RESULTS.md's section; another file's stands alone.
const outputOf = (o) => (o.model ? path.join(ROOT, `bench/contention/RESULTS-${path.basename(o.model, '.gguf')}.md`) : OUTPUT);
function writeOutput(md, o) {
  mkdirSync(path.dirname(OUTPUT), { recursive: true });
  writeFileSync(outputOf(o), md);
  if (!o.model) spliceIntoResults(md);
}

const f1 = (x) => (x === null || x === undefined ? '—' : x.toFixed(1));
const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);

// Per engine and browser: median figures per condition, and the median of the per-repetition
// ratios (each against the quiet run of the same repetition).
function render(records, o, machine, recordsFile) {
  const groups = new Map();
  for (const r of records) {
    const key = `${r.browser}|${r.engine}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const rows = [];
  for (const [key, recs] of groups) {
    const [browser, engine] = key.split('|');
    const byCond = (c) => recs.filter((r) => r.condition === c && r.result);
    const fig = (c, k) => median(byCond(c).map((r) => figures(r.result)[k]));
    const ratioOf = (c, k) => median(byCond(c).map((r) => {
      const q = recs.find((x) => x.condition === 'quiet' && x.rep === r.rep && x.result);
      return q ? figures(r.result)[k] / figures(q.result)[k] : null;
    }));
    const others = (c) => median(recs.filter((r) => r.condition === c).map((r) => r.cpu.othersCores));
    const simd = [...new Set(recs.map((r) => r.result?.simd).filter(Boolean))].join('/');
    const threadsUsed = (c) => [...new Set(byCond(c).map((r) => threadsText(r.result)))].join('/') || '—';
    const errors = recs.filter((r) => r.error).length;
    rows.push(`| ${browser} | ${engine}${simd ? ` (${simd})` : ''} | ${f1(fig('quiet', 'prefillShort'))} / ${f1(fig('quiet', 'decode'))} ` +
      `| ${f1(fig('busy', 'prefillShort'))} / ${f1(fig('busy', 'decode'))} | **${pct(ratioOf('busy', 'prefillShort'))} / ${pct(ratioOf('busy', 'decode'))}** ` +
      `| ${f1(fig('oversubscribed', 'prefillShort'))} / ${f1(fig('oversubscribed', 'decode'))} (${threadsUsed('oversubscribed')}) | **${pct(ratioOf('oversubscribed', 'prefillShort'))} / ${pct(ratioOf('oversubscribed', 'decode'))}** ` +
      `| ${CONDITIONS.map((c) => (others(c) ?? 0).toFixed(2)).join(' / ')} | ${byCond('quiet').length}${errors ? `, ${errors} failed` : ''} |`);
  }
  const machineLines = Object.entries(machine).map(([k, v]) => `- ${k}: ${v}`).join('\n');
  return `## Contention: a busy neighbour, and more threads than cores

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`node bench/e2e/contention.mjs ${process.argv.slice(2).join(' ')}\`
(raw records: \`${path.relative(ROOT, path.resolve(recordsFile))}\`).

${machineLines}

Each engine on ${o.model ? `\`${path.basename(o.model)}\`` : `the SmolLM2-1.7B-shaped ${o.quant} file`}: ${o.promptTokens}-token prompt, ${o.decodeTokens} greedy tokens, context ${CONTEXT_SIZE}.
Three runs in a row per engine and repetition: quiet at ${o.cores} threads (one per core); with one
plain CPU spinner (\`sh -c 'while :; do :; done'\`, normal priority) beside it at ${o.cores} threads;
and asked for ${2 * o.cores} threads with no spinner. Ratios are each run against the quiet run of the
same repetition (medians over ${o.reps} repetitions); a fair share beside one spinner on
${o.cores} cores is ${pct(o.cores / (o.cores + 1))} of the quiet figure at best (our threads get ${o.cores} of ${o.cores + 1} runnable
slots). Other processes' CPU is the CPU monitor's figure (the spinner counts as about 1.0).

| browser | engine | quiet prefill / decode tok/s | busy neighbour | busy / quiet | ${2 * o.cores} threads | ${2 * o.cores} threads / quiet | others' cores (quiet / busy / ${2 * o.cores}t) | reps |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
${existsSync(NOTES) && !o.model ? `\n${readFileSync(NOTES, 'utf8')}` : ''}`;
}

// bench/RESULTS.md carries this section (bench/e2e/main.mjs appends it when it rewrites the
// file); until the next full run, replace the section in place or put it before the scaling one.
function spliceIntoResults(md) {
  const file = path.join(ROOT, 'bench/RESULTS.md');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('## Contention: ');
  const scaling = text.indexOf('## Thread scaling under Node');
  let out;
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    out = text.slice(0, start) + md + (next >= 0 ? text.slice(next + 1) : '');
  } else if (scaling >= 0) {
    out = `${text.slice(0, scaling)}${md}\n${text.slice(scaling)}`;
  } else {
    out = `${text}\n${md}`;
  }
  writeFileSync(file, out);
}

main().catch((e) => {
  process.stderr.write(`contention: ${e?.stack ?? e}\n`);
  process.exit(1);
});
