// Turns the run records of one benchmark invocation into the markdown of bench/RESULTS.md:
// medians per (browser, file, threads, engine), ratios of ours to wllama and to native, and
// the issue's targets checked against those medians.

const MiB = 2 ** 20;

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

const prefillRate = (p) => (p && p.prefillMs > 0 ? (p.promptTokens / p.prefillMs) * 1000 : null);
const decodeRate = (p) => (p && p.decodeMs > 0 && p.generatedTokens > 1 ? ((p.generatedTokens - 1) / p.decodeMs) * 1000 : null);
const decodeWallRate = (p) => (p && p.decodeWallMs > 0 && p.chunks > 1 ? ((p.chunks - 1) / p.decodeWallMs) * 1000 : null);

// The figures of one run, flat.
export function figures(result) {
  return {
    loadS: result.loadMs / 1000,
    fetchS: result.fetchMs !== undefined ? result.fetchMs / 1000 : null,
    prefillShort: prefillRate(result.short),
    prefillLong: prefillRate(result.long),
    longSkipped: result.longSkippedPredictedMs ?? null,
    decode: decodeRate(result.short),
    decodeWall: decodeWallRate(result.short),
    wasmMiB: result.wasmMemoryBytes ? result.wasmMemoryBytes / MiB : null,
    rssMiB: result.peakRssBytes ? result.peakRssBytes / MiB : null,
    threadsUsed: result.threadsUsed,
    threadsAtOnce: result.threadsAtOnce ?? null,
  };
}

// "4 threads, 2 at once" (fewer at once: the cores reported, or the engine's start-up probe),
// or "2 threads", from figures() or a run's result.
export function threadsText({ threadsUsed, threadsAtOnce }) {
  return threadsAtOnce && threadsAtOnce < threadsUsed ? `${threadsUsed} threads, ${threadsAtOnce} at once` : `${threadsUsed} threads`;
}

// Groups records into cells keyed browser|quant|threads|engine, medians of valid runs (busy
// runs only when a cell has no valid one, flagged).
export function aggregate(records) {
  const cells = new Map();
  for (const r of records) {
    if (!r.result || r.kind === 'load-memory') continue;
    const key = [r.browser, r.quant, r.threads, r.engine].join('|');
    if (!cells.has(key)) cells.set(key, { browser: r.browser, quant: r.quant, threads: r.threads, engine: r.engine, valid: [], busy: [] });
    (r.valid ? cells.get(key).valid : cells.get(key).busy).push(r);
  }
  const out = new Map();
  for (const [key, c] of cells) {
    const use = c.valid.length ? c.valid : c.busy;
    const figs = use.map((r) => figures(r.result));
    const pick = (k) => median(figs.map((f) => f[k]));
    out.set(key, {
      ...c,
      runs: use.length,
      // Our package's SIMD kind in these runs (relaxed or simd128), shown next to the engine.
      simd: [...new Set(use.map((r) => r.result.simd).filter(Boolean))].join('/') || null,
      busyOnly: c.valid.length === 0,
      othersCores: median(use.map((r) => r.cpu.othersCores)),
      loadS: pick('loadS'),
      fetchS: pick('fetchS'),
      prefillShort: pick('prefillShort'),
      prefillLong: pick('prefillLong'),
      longSkipped: figs.every((f) => f.longSkipped !== null) ? median(figs.map((f) => f.longSkipped)) : null,
      decode: pick('decode'),
      decodeWall: pick('decodeWall'),
      wasmMiB: pick('wasmMiB'),
      rssMiB: pick('rssMiB'),
      threadsUsed: figs[0]?.threadsUsed,
      fileBytes: use[0].result.fileBytes ?? null,
    });
  }
  return out;
}

const f1 = (x) => (x === null || x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined ? '—' : x.toFixed(2));
const ratio = (a, b) => (a && b ? a / b : null);
const fx = (x) => (x === null ? '—' : `${x.toFixed(2)}x`);

function cell(agg, browser, quant, threads, engine) {
  return agg.get([browser, quant, threads, engine].join('|')) ?? null;
}

function mainTable(agg, browser, quants, threadList, engines, L) {
  const lines = [
    `| file | threads | engine | load s (fetch s) | prefill ${L.short} tok/s | prefill ${L.long} tok/s | decode ${L.decode} tok/s | peak wasm MiB | peak renderer RSS MiB | runs | others' CPU (cores) |`,
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const threads of threadList) {
    for (const quant of quants) {
      for (const engine of engines) {
        const c = engine === 'native' ? cell(agg, 'native', quant, threads, 'native') : cell(agg, browser, quant, threads, engine);
        if (!c) continue;
        const long = c.prefillLong !== null ? f1(c.prefillLong) : c.longSkipped ? `skipped (~${(c.longSkipped / 1000).toFixed(0)} s)` : '—';
        const load = engine === 'native' ? `${f2(c.loadS)} (local file)` : `${f2(c.loadS)} (${f2(c.fetchS)})`;
        const rss = engine === 'native' ? `${f1(c.rssMiB)} (process)` : f1(c.rssMiB);
        lines.push(`| ${quant} | ${threads} | ${engine}${c.simd ? ` (${c.simd})` : ''}${c.busyOnly ? ' †' : ''} | ${load} | ${f1(c.prefillShort)} | ${long} | ${f1(c.decode)} | ${f1(c.wasmMiB)} | ${rss} | ${c.runs} | ${f2(c.othersCores)} |`);
      }
    }
  }
  return lines.join('\n');
}

function ratioTable(agg, browser, quants, threadList, L) {
  const lines = [
    `| file | threads | ours/wllama prefill ${L.short} | ours/wllama prefill ${L.long} | ours/wllama decode | ours/native prefill ${L.short} | ours/native prefill ${L.long} | ours/native decode |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const threads of threadList) {
    for (const quant of quants) {
      const o = cell(agg, browser, quant, threads, 'ours');
      if (!o) continue;
      const w = cell(agg, browser, quant, threads, 'wllama');
      const n = cell(agg, 'native', quant, threads, 'native');
      lines.push(`| ${quant} | ${threads} | ${fx(ratio(o.prefillShort, w?.prefillShort))} | ${fx(ratio(o.prefillLong, w?.prefillLong))} | ${fx(ratio(o.decode, w?.decode))} | ${fx(ratio(o.prefillShort, n?.prefillShort))} | ${fx(ratio(o.prefillLong, n?.prefillLong))} | ${fx(ratio(o.decode, n?.decode))} |`);
    }
  }
  return lines.join('\n');
}

// The targets of issue 8, each checked against the medians (2 threads unless stated).
function targets(agg, browser, kvBytes, L) {
  const rows = [];
  let busy = false; // set by r(): the last ratio used a cell measured only on a busy machine
  const add = (what, value, goal, ok) => rows.push(`| ${what} | ${value} | ${goal} | ${ok === null ? 'not measured' : `${ok ? 'met' : 'NOT met'}${busy ? ' † (busy runs, not valid)' : ''}`} |`);
  const r = (quant, threads, key, peer) => {
    const o = cell(agg, browser, quant, threads, 'ours');
    const p = peer === 'native' ? cell(agg, 'native', quant, threads, 'native') : cell(agg, browser, quant, threads, peer);
    busy = Boolean(o?.busyOnly || p?.busyOnly);
    return ratio(o?.[key], p?.[key]);
  };
  for (const quant of ['Q4_K_M', 'Q5_K_M']) {
    const d = r(quant, 2, 'decode', 'wllama');
    add(`${quant} decode vs wllama`, fx(d), '>= 3x', d === null ? null : d >= 3);
    const p = r(quant, 2, 'prefillShort', 'wllama');
    add(`${quant} prefill ${L.short} vs wllama`, fx(p), '>= 4x', p === null ? null : p >= 4);
  }
  for (const key of ['decode', 'prefillShort']) {
    const x = r('IQ4_XS', 2, key, 'wllama');
    add(`IQ4_XS ${key === 'decode' ? 'decode' : `prefill ${L.short}`} vs wllama`, fx(x), '>= 5x', x === null ? null : x >= 5);
  }
  const nat = r('Q4_K_M', 2, 'decode', 'native');
  add('Q4_K_M decode vs native llama.cpp', nat === null ? '—' : `${(nat * 100).toFixed(0)}%`, '>= 60%', nat === null ? null : nat >= 0.6);
  for (const key of ['decode', 'prefillShort']) {
    const s = r('Q4_K_M', 1, key, 'wllama');
    add(`single-thread build, Q4_K_M ${key === 'decode' ? 'decode' : `prefill ${L.short}`} vs wllama 1 thread`, fx(s), '>= 3x', s === null ? null : s >= 3);
  }
  if (browser === 'webkit') {
    // Issue 14: threads must pay off in WebKit too (its single-thread build is the baseline).
    const mt = cell(agg, browser, 'Q4_K_M', 2, 'ours');
    const st = cell(agg, browser, 'Q4_K_M', 1, 'ours');
    busy = Boolean(mt?.busyOnly || st?.busyOnly);
    const x = ratio(mt?.decode, st?.decode);
    add('Q4_K_M decode, multi-thread build at 2 threads vs single-thread build', fx(x), '>= 1.6x', x === null ? null : x >= 1.6);
  }
  for (const [key, c] of agg) {
    if (c.browser !== browser || c.engine !== 'ours' || c.threads !== 2 || !c.fileBytes) continue;
    busy = c.busyOnly;
    const budgetMiB = (c.fileBytes + kvBytes + 64 * MiB) / MiB;
    if (c.wasmMiB !== null) add(`${c.quant} peak wasm memory (file + KV + 64 MiB = ${budgetMiB.toFixed(0)} MiB)`, `${c.wasmMiB.toFixed(0)} MiB`, `<= ${budgetMiB.toFixed(0)} MiB`, c.wasmMiB <= budgetMiB);
    if (c.loadS !== null && c.fetchS) add(`${c.quant} load time vs fetching the bytes`, `${(c.loadS / c.fetchS).toFixed(2)}x (${f2(c.loadS)} s / ${f2(c.fetchS)} s)`, '<= 1.2x', c.loadS / c.fetchS <= 1.2);
    void key;
  }
  return ['| target | measured | goal | status |', '|---|---|---|---|', ...rows].join('\n');
}

// Peak tab RSS of a first (caching) load and of a cached load next to wasm memory (issue 19),
// from the load-memory records: the last valid one per file (a busy one when none is valid).
function loadMemoryTable(records, browser, quants) {
  const lines = [
    '| file | file MiB | peak wasm MiB | peak tab RSS MiB, cache off | first load (download + store): peak tab RSS MiB | load s | cached load: peak tab RSS MiB | load s | first - cached MiB | others\' CPU (cores) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  let any = false;
  // WebKit's records name their configuration (variant 'webkit' or 'webkit-sab'): a row each.
  const variants = [...new Set(records.filter((r) => r.kind === 'load-memory' && r.browser === browser).map((r) => r.variant ?? browser))];
  for (const variant of variants) {
    for (const quant of quants) {
      const mine = records.filter((r) => r.kind === 'load-memory' && r.browser === browser && (r.variant ?? browser) === variant && r.quant === quant && r.result);
      const rec = mine.filter((r) => r.valid).at(-1) ?? mine.at(-1);
      if (!rec) continue;
      any = true;
      const { off, first, cached, fileBytes } = rec.result;
      const label = variants.length === 1 && variant === browser ? quant : `${quant} (${variant}, ${rec.threads} thread${rec.threads === 1 ? '' : 's'})`;
      lines.push(`| ${label}${rec.valid ? '' : ' †'} | ${f1(fileBytes / MiB)} | ${f1(cached.wasmMemoryBytes / MiB)} | ${f1(off.peakRssBytes / MiB)} | ${f1(first.peakRssBytes / MiB)} | ${f2(first.loadMs / 1000)} | ` +
        `${f1(cached.peakRssBytes / MiB)} | ${f2(cached.loadMs / 1000)} | ${f1((first.peakRssBytes - cached.peakRssBytes) / MiB)} | ${f2(rec.cpu.othersCores)} |`);
    }
  }
  return any ? lines.join('\n') : null;
}

const BROWSER_TITLES = { chromium: 'Chromium', firefox: 'Firefox ESR', webkit: 'WebKit (WebKitGTK MiniBrowser, SharedArrayBuffer on)' };

export function renderMarkdown({ records, machine, settings, quants, threadList, engines, browsers, kvBytes, skipped }) {
  const agg = aggregate(records);
  const out = [];
  out.push('# End-to-end benchmark: smollm-wasm vs wllama vs native llama.cpp', '');
  out.push(`Generated by \`bash bench/run.sh ${settings.argv.join(' ')}\` on ${settings.finishedAt} (run ${settings.runId}).`, '');
  out.push('## Machine', '');
  for (const [k, v] of Object.entries(machine)) out.push(`- ${k}: ${v}`);
  out.push('', '## Method', '');
  out.push(...settings.method.map((m) => `- ${m}`));
  for (const browser of browsers) {
    const title = BROWSER_TITLES[browser] ?? browser;
    out.push('', `## ${title}: medians`, '');
    out.push(mainTable(agg, browser, quants, threadList, engines, settings.lengths));
    out.push('', `### ${title}: ratios (medians)`, '');
    out.push(ratioTable(agg, browser, quants, threadList, settings.lengths));
    out.push('', `### ${title}: targets of issue 8${browser === 'webkit' ? ' (and 14)' : ''}`, '');
    out.push(targets(agg, browser, kvBytes, settings.lengths));
    const memory = loadMemoryTable(records, browser, quants);
    if (memory) out.push('', `### ${title}: tab memory of a first (caching) and a cached load`, '', memory);
  }
  out.push('', '† no run of this cell was on a quiet machine: figures from busy runs, not valid.');
  if (skipped.length) out.push('', '## Not run', '', ...skipped.map((s) => `- ${s}`));
  const errors = records.filter((r) => r.error);
  if (errors.length) {
    out.push('', '## Failed runs', '');
    for (const e of errors) out.push(`- ${e.browser} ${e.engine} ${e.quant} ${e.threads}t rep ${e.rep}: ${e.error.split('\n')[0].slice(0, 300)}`);
  }
  return out.join('\n') + '\n';
}
