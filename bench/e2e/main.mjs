// The end-to-end benchmark (issue 8): our package and wllama in the same headless browser,
// native llama.cpp through node-llama-cpp, same files, same prompt ids, same context and
// thread counts. Runs are interleaved (ours, wllama, native, ours, ...) and every run is
// watched for other processes' CPU use; busy runs are redone. bench/run.sh is the entry.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CpuMonitor, othersLoad } from './cpu_monitor.mjs';
import { ensureModel, kvCacheBytes, GOLDEN_TINY, QUANTS, SHAPES } from './models.mjs';
import { buildPrompts } from './prompts.mjs';
import { startBenchServer } from './bench_server.mjs';
import { describeMachine } from './machine.mjs';
import { loadMemoryVariants, runLoadMemory } from './load_memory.mjs';
import { runNative } from './native_run.mjs';

const CONTEXT_SIZE = 2048;
import { renderMarkdown } from './report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = path.join(ROOT, 'bench/e2e');

const USAGE = `usage: bash bench/run.sh [options]
  --types LIST         files to benchmark (default Q4_K_M,Q5_K_M,IQ4_XS,Q8_0)
  --threads LIST       thread counts (default 2,1)
  --types-1t LIST      files for the 1-thread runs (default: --types)
  --engines LIST       ours,wllama,native (default all three)
  --browsers LIST      chromium,firefox,webkit (default chromium)
  --reps N             interleaved repetitions per cell (default 2)
  --reps-1t N          repetitions for the 1-thread runs (default: --reps)
  --shape NAME         smollm2-1.7b (default); tiny or golden-tiny (../shared's llama.cpp
                       files) debug the harness and write bench/out/
  --prompt-tokens S,L  the short and long prompt lengths (default 128,512)
  --decode-tokens N    tokens decoded after the 128-token prompt (default 64)
  --long-budget-s S    skip the 512-token prompt of a run whose 128-token rate predicts more
                       than S seconds for it (default: never skip)
  --busy-cores X       a run is invalid when other processes used more than X cores on
                       average during it (default 0.15)
  --attempts N         runs of a cell attempted before a busy one is kept (default 3)
  --quiet-wait-s S     before a run, wait up to S seconds for the machine to be quiet (default 120)
  --skip-load-memory   skip the load-memory pass (per browser and file: our package with the
                       offline cache on, first load then cached load, peak tab RSS of each)
  --regenerate         rewrite the model files even when cached
  --models-only        write (or check) the model files, then stop
  --include FILES      also count the runs recorded in these bench/out/runs-*.jsonl files (an
                       earlier invocation on the same machine), e.g. to add repetitions
  --report-only        run nothing: write the markdown from the --include files
  --output FILE        markdown output (default bench/RESULTS.md; bench/out/RESULTS-<shape>.md
                       for other shapes)
`;

// Each module exports browserVersion() and runIn(origin, engine, job, log), and may export notes.
const BROWSER_DRIVERS = { chromium: './browser_chromium.mjs', firefox: './browser_firefox.mjs', webkit: './browser_webkit.mjs' };

function list(s) {
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

function parse(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      types: { type: 'string', default: 'Q4_K_M,Q5_K_M,IQ4_XS,Q8_0' },
      threads: { type: 'string', default: '2,1' },
      'types-1t': { type: 'string' },
      engines: { type: 'string', default: 'ours,wllama,native' },
      browsers: { type: 'string', default: 'chromium' },
      reps: { type: 'string', default: '2' },
      'reps-1t': { type: 'string' },
      shape: { type: 'string', default: 'smollm2-1.7b' },
      'long-budget-s': { type: 'string' },
      'decode-tokens': { type: 'string', default: '64' },
      'prompt-tokens': { type: 'string', default: '128,512' },
      'busy-cores': { type: 'string', default: '0.15' },
      attempts: { type: 'string', default: '3' },
      'quiet-wait-s': { type: 'string', default: '120' },
      regenerate: { type: 'boolean', default: false },
      'skip-load-memory': { type: 'boolean', default: false },
      'models-only': { type: 'boolean', default: false },
      include: { type: 'string', default: '' },
      'report-only': { type: 'boolean', default: false },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const o = {
    types: list(values.types),
    threads: list(values.threads).map(Number),
    types1t: list(values['types-1t'] ?? values.types),
    engines: list(values.engines),
    browsers: list(values.browsers),
    reps: Number(values.reps),
    reps1t: Number(values['reps-1t'] ?? values.reps),
    shape: values.shape,
    longBudgetMs: values['long-budget-s'] ? Number(values['long-budget-s']) * 1000 : 1e12,
    decodeTokens: Number(values['decode-tokens']),
    promptTokens: list(values['prompt-tokens']).map(Number),
    busyCores: Number(values['busy-cores']),
    attempts: Number(values.attempts),
    quietWaitS: Number(values['quiet-wait-s']),
    regenerate: values.regenerate,
    loadMemory: !values['skip-load-memory'],
    modelsOnly: values['models-only'],
    include: list(values.include),
    reportOnly: values['report-only'],
  };
  o.output = values.output ?? (o.shape === 'smollm2-1.7b' ? path.join(ROOT, 'bench/RESULTS.md') : path.join(ROOT, `bench/out/RESULTS-${o.shape}.md`));
  const bad = (what) => { throw new Error(`${what}\n\n${USAGE}`); };
  for (const t of [...o.types, ...o.types1t]) if (!QUANTS[t]) bad(`unknown file type ${t}`);
  for (const e of o.engines) if (!['ours', 'wllama', 'native'].includes(e)) bad(`unknown engine ${e}`);
  for (const b of o.browsers) if (!BROWSER_DRIVERS[b]) bad(`unknown browser ${b}`);
  for (const t of o.threads) if (!Number.isInteger(t) || t < 1) bad(`bad thread count ${t}`);
  if (!SHAPES[o.shape] && o.shape !== GOLDEN_TINY) bad(`unknown shape ${o.shape}`);
  if (o.promptTokens.length !== 2 || !o.promptTokens.every((n) => Number.isInteger(n) && n >= 1 && n <= 1024)) bad('--prompt-tokens takes two lengths, 1..1024');
  if (!(o.decodeTokens >= 2)) bad('--decode-tokens must be at least 2');
  if (!(o.reps >= 1) || !(o.reps1t >= 1) || !(o.attempts >= 1)) bad('--reps, --reps-1t and --attempts must be at least 1');
  return o;
}

// A run starts only after 5 s in which other processes stayed under the busy threshold.
async function waitQuiet(o, log) {
  const deadline = Date.now() + o.quietWaitS * 1000;
  for (;;) {
    const load = await othersLoad(5000);
    if (load.othersCores <= o.busyCores) return;
    if (Date.now() > deadline) {
      log(`  machine still busy (${load.othersCores.toFixed(2)} cores: ${load.busiestOthers.join(', ')}); running anyway`);
      return;
    }
    log(`  waiting for a quiet machine: others use ${load.othersCores.toFixed(2)} cores (${load.busiestOthers.join(', ')})`);
    await new Promise((r) => setTimeout(r, 10000));
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const o = parse(argv);
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(ROOT, 'bench/out');
  mkdirSync(outDir, { recursive: true });
  const recordsFile = path.join(outDir, `runs-${runId}.jsonl`);
  const logFile = path.join(outDir, `log-${runId}.txt`);
  const log = (line) => {
    const stamped = `${new Date().toISOString().slice(11, 19)} ${line}`;
    process.stdout.write(stamped + '\n');
    appendFileSync(logFile, stamped + '\n');
  };

  const tokenizerJson = path.resolve(ROOT, '../shared/smollm2/tokenizer.json');
  const writer = process.env.SMOLLM_GGUF_WRITER ?? path.join(ROOT, 'build/gguf_writer');
  const modelsDir = path.join(ROOT, 'bench/models');
  const allTypes = [...new Set([...o.types, ...(o.threads.includes(1) ? o.types1t : [])])];
  const files = {};
  for (const quant of allTypes) {
    files[quant] = ensureModel({ writer, modelsDir, shape: o.shape, quant, tokenizerJson, threads: 2, regenerate: o.regenerate, log });
  }
  if (o.modelsOnly) return;

  const lengths = { warmup: 8, short: o.promptTokens[0], long: o.promptTokens[1] };
  const { bannedIds, prompts } = await buildPrompts(tokenizerJson, files[allTypes[0]], lengths);
  log(`prompts: ${lengths.short} and ${lengths.long} one-token words (ids checked with llama.cpp's tokenizer); ${bannedIds.length} byte tokens banned`);

  // Cache-Control: no-store (the static server's default), so every run fetches the model.
  const server = await startBenchServer(path.dirname(files[allTypes[0]]));
  const browserVersions = {};
  const drivers = {};
  for (const b of o.browsers) {
    drivers[b] = await import(BROWSER_DRIVERS[b]);
    browserVersions[b] = await drivers[b].browserVersion();
  }

  const records = o.include.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  if (o.include.length) log(`counting ${records.length} earlier runs from ${o.include.join(', ')}`);
  const skipped = [];
  // Every engine runs with this context; the memory budget counts its KV cache.
  const kvBytes = kvCacheBytes(o.shape, CONTEXT_SIZE);
  // One run, after waiting for a quiet machine and watched for other processes' CPU use;
  // recorded whatever happens. fn(rec) sets rec.result.
  const watchedRun = async (rec, fn) => {
    await waitQuiet(o, log);
    const monitor = new CpuMonitor(1000);
    monitor.start();
    rec.at = new Date().toISOString();
    try {
      await fn(rec);
    } catch (e) {
      rec.error = String(e?.stack ?? e);
    }
    rec.cpu = monitor.stop();
    rec.valid = !rec.error && rec.cpu.othersCores <= o.busyCores;
    records.push(rec);
    appendFileSync(recordsFile, JSON.stringify(rec) + '\n');
    return rec;
  };
  const runOne = async (browser, engine, quant, threads, rep) => {
    const file = files[quant];
    const job = {
      modelUrl: `/models/${path.basename(file)}`,
      modelPath: file,
      threads,
      contextSize: CONTEXT_SIZE,
      decodeTokens: o.decodeTokens,
      bannedIds,
      prompts,
      longBudgetMs: o.longBudgetMs,
    };
    for (let attempt = 1; attempt <= o.attempts; attempt++) {
      const rec = await watchedRun({ runId, browser, engine, quant, threads, rep, attempt }, async (r) => {
        r.result = engine === 'native'
          ? await runNative(job, ROOT)
          : await drivers[browser].runIn(server.url, engine, job, log);
        checkResult(r.result, prompts, threads);
      });
      log(summary(rec, kvBytes));
      if (rec.error || rec.valid) return;
    }
    log(`  ${engine} ${quant} ${threads}t: still busy after ${o.attempts} attempts; kept as invalid`);
  };

  for (const threads of o.reportOnly ? [] : o.threads) {
    const types = threads === 1 ? o.types1t : o.types;
    const reps = threads === 1 ? o.reps1t : o.reps;
    for (const quant of types) {
      for (let rep = 1; rep <= reps; rep++) {
        for (const engine of o.engines) {
          const browsers = engine === 'native' ? ['native'] : o.browsers;
          for (const browser of browsers) await runOne(browser, engine, quant, threads, rep);
        }
      }
    }
  }
  // Tab memory of a first (caching) load and of a cached load, per browser and file.
  const memoryThreads = Math.max(...o.threads);
  // WebKit runs two configurations (loadMemoryVariants): without and with SharedArrayBuffer.
  const MiB = 2 ** 20;
  const m = (x) => `${(x / MiB).toFixed(0)} MiB`;
  for (const browser of o.reportOnly || !o.loadMemory ? [] : o.browsers) {
    for (const variant of loadMemoryVariants(browser)) {
      for (const quant of o.types) {
        const job = { modelUrl: `/models/${path.basename(files[quant])}`, threads: memoryThreads, contextSize: CONTEXT_SIZE };
        const rec = await watchedRun({ runId, kind: 'load-memory', browser, variant, engine: 'ours (cache on)', quant, threads: memoryThreads, rep: 1, attempt: 1 },
          async (r) => {
            r.result = await runLoadMemory(variant, server.url, job, log);
            r.threads = r.result.threads ?? memoryThreads;
          });
        log(rec.error
          ? `${variant} load memory ${quant}: ERROR ${rec.error.split('\n')[0]}`
          : `${variant} load memory ${quant} ${rec.threads}t: peak tab RSS cache off ${m(rec.result.off.peakRssBytes)}, first load ${m(rec.result.first.peakRssBytes)} (${(rec.result.first.loadMs / 1000).toFixed(1)} s), ` +
            `cached load ${m(rec.result.cached.peakRssBytes)} (${(rec.result.cached.loadMs / 1000).toFixed(1)} s), wasm ${m(rec.result.cached.wasmMemoryBytes)} ` +
            `(others ${rec.cpu.othersCores.toFixed(2)} cores${rec.valid ? '' : ' BUSY'})`);
      }
    }
  }
  await server.close();

  for (const b of o.browsers) skipped.push(...(drivers[b].notes ?? []));
  const machine = describeMachine(ROOT, { browsers: Object.values(browserVersions).join(', ') });
  const method = [
    `Files: the SmolLM2-1.7B shape (dim 2048, 24 layers, 32 heads, 32 kv heads, ffn 8192, vocabulary 49152, tied) with random weights, written by our gguf_writer${o.shape === 'smollm2-1.7b' ? '' : ` (shape ${o.shape} in this run)`}.`,
    `Prompts: ${lengths.short} and ${lengths.long} words that are one token each in the SmolLM2 vocabulary (ids confirmed by llama.cpp\'s tokenizer; each engine checks the ids or the count it got). Context ${CONTEXT_SIZE} for every engine.`,
    `Greedy decoding of ${o.decodeTokens} tokens with the ${bannedIds.length} byte tokens that are not valid UTF-8 alone banned (logit bias) in every engine, end-of-text ignored.`,
    'Prefill tok/s = prompt tokens / time to the first sampled token. Decode tok/s = (generated - 1) / time from the first to the last generated token. wllama: llama.cpp\'s own prompt_ms / predicted_ms; ours: its GenerationStats (same definitions); native: node-llama-cpp timed the same way.',
    `Each run: a fresh browser (so the renderer's peak RSS, VmHWM, is that run's), a fetch of the whole file (the "fetch s" reference for the load-time target), then load, an 8-token warm-up, the ${lengths.short}-token prompt + ${o.decodeTokens} decoded tokens, the ${lengths.long}-token prompt${o.longBudgetMs < 1e12 ? ` (skipped where the ${lengths.short}-token rate predicts more than ${o.longBudgetMs / 1000} s)` : ''}. wllama loads with loadModelFromUrl, ours with SmolLM.load, both from the 127.0.0.1 server (COOP/COEP, crossOriginIsolated). 1 thread = our single-thread build and wllama without pthreads. wllama's wasm memory is read from its pthread workers, so it is not known at 1 thread.`,
    `Load memory (issue 19): per browser and file, our package loads with the offline cache on (the default) in a browser profile on disk, twice: a fresh profile (download + store), then the browser relaunched on it (read from the cache). Each is a fresh browser, so the peak RSS (VmHWM) of the tab's process (Chromium's renderer, Firefox's largest content process, WebKit's web process) is that load's (WebKit's automation session is ephemeral: its cached load runs in a new tab, and so a new web process, of the session that stored the file); ${memoryThreads} threads (WebKit without SharedArrayBuffer: 1, the single-thread build), context ${CONTEXT_SIZE}, loading only (no generation, so the KV cache is not yet resident). "cache off" is a third such load with cache: false, the reference.`,
    'Native llama.cpp reads the file from disk without mmap (its load is not comparable to the browser loads); its RSS is the process peak.',
    `Runs are interleaved (ours, wllama, native, then again), ${o.reps} per cell (${o.reps1t} at 1 thread)${o.include.length ? ` plus the runs of ${o.include.map((f) => path.basename(f)).join(', ')}` : ''}; the "runs" column counts them; medians shown. Other processes' CPU use is measured during every run; a run where they used more than ${o.busyCores} cores is redone (up to ${o.attempts} attempts).`,
  ];
  const md = renderMarkdown({
    records,
    machine,
    settings: { argv, runId, finishedAt: new Date().toISOString(), method, lengths: { ...lengths, decode: o.decodeTokens } },
    quants: allTypes,
    threadList: o.threads,
    engines: o.engines,
    browsers: o.browsers,
    kvBytes,
    skipped,
  });
  // The thread-scaling table is measured elsewhere (bench/scaling/, 16-core machine) and kept
  // in its own file; RESULTS.md carries it along.
  // So is the contention table (bench/e2e/contention.mjs, bench/contention/RESULTS.md).
  const carried = ['bench/contention/RESULTS.md', 'bench/scaling/RESULTS.md'].map((f) => path.join(ROOT, f)).filter(existsSync);
  const full = [md, ...carried.map((f) => readFileSync(f, 'utf8'))].join('\n');
  mkdirSync(path.dirname(o.output), { recursive: true });
  writeFileSync(o.output, full);
  log(`wrote ${path.relative(ROOT, o.output)}; raw records in ${path.relative(ROOT, recordsFile)}`);
  process.stdout.write('\n' + md);
}

// Every engine must have run what was asked: the prompt lengths and thread count.
function checkResult(r, prompts, threads) {
  for (const [name, got] of [['warmup', r.warmup], ['short', r.short], ['long', r.long]]) {
    if (!got) continue;
    if (got.promptTokens !== prompts[name].ids.length) {
      throw new Error(`${r.engine} evaluated ${got.promptTokens} prompt tokens for the ${name} prompt, expected ${prompts[name].ids.length}`);
    }
  }
  if (r.threadsUsed !== threads) throw new Error(`${r.engine} used ${r.threadsUsed} threads, asked for ${threads}`);
}

// kvBytes: the KV cache at the benchmark's context, for the peak-memory budget (file + KV +
// 64 MiB) printed beside our peak wasm memory.
function summary(rec, kvBytes) {
  const head = `${rec.browser} ${rec.engine} ${rec.quant} ${rec.threads}t rep ${rec.rep}#${rec.attempt}`;
  const busy = `others ${rec.cpu.othersCores.toFixed(2)} cores${rec.valid ? '' : rec.error ? '' : ' BUSY'}`;
  if (rec.error) return `${head}: ERROR ${rec.error.split('\n')[0]} (${busy})`;
  const r = rec.result;
  const rate = (p, n) => (p ? ((n(p)) / p.prefillMs) * 1000 : null);
  const p128 = rate(r.short, (p) => p.promptTokens);
  const p512 = r.long ? rate(r.long, (p) => p.promptTokens) : null;
  const dec = r.short.decodeMs > 0 ? ((r.short.generatedTokens - 1) / r.short.decodeMs) * 1000 : null;
  const MiB = 2 ** 20;
  const budget = r.fileBytes ? ` (budget file + KV + 64 MiB = ${((r.fileBytes + kvBytes) / MiB + 64).toFixed(0)} MiB)` : '';
  const mem = r.wasmMemoryBytes ? `peak ${(r.wasmMemoryBytes / MiB).toFixed(0)} MiB wasm${budget}, ` : '';
  return `${head}: load ${(r.loadMs / 1000).toFixed(2)} s, prefill ${p128?.toFixed(1)} / ${p512 === null ? 'skipped' : p512.toFixed(1)} tok/s, decode ${dec?.toFixed(2)} tok/s, ${mem}rss ${((r.peakRssBytes ?? 0) / MiB).toFixed(0)} MiB (${busy})`;
}

main().catch((e) => {
  process.stderr.write(`bench: ${e?.stack ?? e}\n`);
  process.exit(1);
});
