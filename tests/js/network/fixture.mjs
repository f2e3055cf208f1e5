// What the reliability suites share: the package (skipped with a reason when it or its wasm
// is absent), models made by the native model writer, greedy reference outputs, memory
// figures, and a JSON-lines sink for RELIABILITY.md (SMOLLM_RELIABILITY_OUT).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUILD = process.env.SMOLLM_BUILD_DIR || path.join(ROOT, 'build');
const WRITER = process.env.SMOLLM_GGUF_WRITER || path.join(BUILD, 'gguf_writer');

// One scratch directory per test process; the package's Node cache lives inside it. Removed
// at exit too: not every importer calls cleanupScratch, and a skipped suite runs no after().
export const SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-reliability-'));
process.env.SMOLLM_WASM_CACHE = path.join(SCRATCH, 'cache');
process.on('exit', cleanupScratch);

// Why the suite cannot run here, or null.
export function missingPrerequisite() {
  const need = [
    [path.join(ROOT, 'js/src/index.js'), 'the npm package (js/src/index.js)'],
    [path.join(ROOT, 'js/wasm/smollm-st.js'), 'the wasm build (js/wasm/smollm-st.js: run the wasm build)'],
    [WRITER, `the model writer (${WRITER}: build the native tools or set SMOLLM_GGUF_WRITER)`],
  ];
  for (const [file, what] of need) if (!fs.existsSync(file)) return `SKIPPED: ${what} is missing`;
  return null;
}

export async function importPackage() {
  return import(pathToFileURL(path.join(ROOT, 'js/src/index.js')).href);
}

// A small random-weight llama with the writer's synthetic vocabulary. Deterministic in its
// arguments, written once per process.
export function writeModel(name, { dim = 64, layers = 2, heads = 4, kvHeads = 2, ffn = 128, context = 256, seed = 1 } = {}) {
  const file = path.join(SCRATCH, `${name}.gguf`);
  if (fs.existsSync(file)) return file;
  const args = ['--output', file, '--dim', dim, '--layers', layers, '--heads', heads, '--kv-heads', kvHeads,
    '--ffn', ffn, '--context', context, '--seed', seed, '--type', 'f16'].map(String);
  const r = spawnSync(WRITER, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${WRITER} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return file;
}

export function sha256(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

// The cached copy of a model, found by content size in the package's cache directory.
export function cachedFiles() {
  const dir = process.env.SMOLLM_WASM_CACHE;
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((n) => path.join(dir, n)).filter((f) => fs.statSync(f).isFile());
}

export function cachedCopyOf(bytes) {
  const hits = cachedFiles().filter((f) => f.endsWith('.gguf') && fs.statSync(f).size === bytes.length);
  return hits.length ? fs.readFileSync(hits[0]) : null;
}

// The cached data file of one URL: the package keeps a JSON record ({url, bytes, ...}) beside
// each data file, with the same base name.
export function cachedFileFor(url) {
  for (const f of cachedFiles().filter((n) => n.endsWith('.json'))) {
    try {
      if (JSON.parse(fs.readFileSync(f, 'utf8')).url === String(url)) {
        const data = cachedFiles().find((d) => d !== f && path.basename(d, path.extname(d)) === path.basename(f, '.json') && !d.endsWith('.partial'));
        if (data) return data;
      }
    } catch {
      // not a record
    }
  }
  return null;
}

export function clearCacheDir() {
  fs.rmSync(process.env.SMOLLM_WASM_CACHE, { recursive: true, force: true });
}

// Greedy text for a fixed prompt: two loads of byte-identical models give the same text.
export async function greedy(llm, prompt = 'the quick brown fox', maxTokens = 12) {
  let text = '';
  const tokens = [];
  for await (const piece of llm.generate(prompt, { temperature: 0, maxTokens, ignoreEos: true })) {
    text += piece.text;
    tokens.push(...piece.tokens);
  }
  return { text, tokens };
}

// A garbage collection on demand, without --expose-gc on the command line.
let gcFn = null;
export function collectGarbage() {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc');
  }
  gcFn();
  gcFn();
}

export async function settledMemory() {
  for (let i = 0; i < 3; ++i) {
    collectGarbage();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

export function mib(n) {
  return Math.round((n / 2 ** 20) * 10) / 10;
}

// Appends one figure record for bench/reliability/run.sh.
export function record(suite, name, data) {
  const out = process.env.SMOLLM_RELIABILITY_OUT;
  if (!out) return;
  fs.appendFileSync(out, `${JSON.stringify({ suite, name, ...data })}\n`);
}

export function cleanupScratch() {
  fs.rmSync(SCRATCH, { recursive: true, force: true });
}
