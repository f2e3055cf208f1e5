// Tokenizer benchmark (not a test): tokens per second encoding 1 MB of mixed text
// (tests/js/tokenizer/mixed_text.mjs, fixed seed) natively and as wasm under Node.
// Usage: node bench/tokenizer/run.mjs [MODEL.gguf ...]   (default: SmolLM2, Llama-3 BPE, Llama-2 SPM)
// Needs g++ and Emscripten (export NODE_PATH=/usr/share/nodejs for em++).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRng, mixedString } from '../../tests/js/tokenizer/mixed_text.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.SMOLLM_SHARED_DIR ?? path.resolve(repo, '../shared');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-tokbench-'));
const models = process.argv.length > 2 ? process.argv.slice(2) : [
    'golden/models/tiny-py-Q4_K_M.gguf', 'golden/vocab/ggml-vocab-llama-bpe.gguf', 'golden/vocab/ggml-vocab-llama-spm.gguf',
].map((f) => path.join(shared, f));

// 1 MB: the mixed generator's strings, plus real prose and code from the Python sample so the
// text is not only stress cases.
const rng = makeRng(7);
const sample = fs.readFileSync(path.join(shared, 'golden/python-sample.txt'), 'utf8');
let text = '';
while (Buffer.byteLength(text) < 1_000_000) {
    text += rng.chance(0.5) ? mixedString(rng, 50) : sample.substr(rng.int(sample.length - 4000), 4000);
}
const textFile = path.join(work, 'mixed.txt');
fs.writeFileSync(textFile, Buffer.from(text).subarray(0, 1_000_000).toString('utf8'));

const sources = [
    'bench/tokenizer/tokenizer_bench.cpp', 'tools/tokenize_tool/gguf_header_file.cpp',
    ...fs.readdirSync(path.join(repo, 'src/text')).filter((f) => f.endsWith('.cpp')).map((f) => `src/text/${f}`),
    ...fs.readdirSync(path.join(repo, 'src/gguf')).filter((f) => f.endsWith('.cpp')).map((f) => `src/gguf/${f}`),
].map((f) => path.join(repo, f));
const flags = ['-O2', '-std=c++20', `-I${path.join(repo, 'src')}`, `-I${path.join(repo, 'tools')}`];

const nativeBin = path.join(work, 'tokenizer_bench');
execFileSync('g++', [...flags, ...sources, '-o', nativeBin], { stdio: 'inherit' });
const wasmJs = path.join(work, 'tokenizer_bench.cjs');
let wasmError = null;
try {
    execFileSync('em++', [...flags, '-msimd128', '-fexceptions', '-sNODERAWFS=1', '-sALLOW_MEMORY_GROWTH=1',
        '-sEXIT_RUNTIME=1', ...sources, '-o', wasmJs],
        { stdio: 'inherit', env: { ...process.env, NODE_PATH: process.env.NODE_PATH ?? '/usr/share/nodejs' } });
} catch (e) {
    wasmError = `em++ failed: ${e.message}`;
}

const rows = [];
for (const model of models) {
    const native = JSON.parse(execFileSync(nativeBin, [model, textFile, '5'], { encoding: 'utf8' }));
    const wasm = wasmError ? null
        : JSON.parse(execFileSync('node', ['--no-experimental-fetch', wasmJs, model, textFile, '5'], { encoding: 'utf8' }));
    rows.push({ model: path.basename(model), native, wasm });
}
console.log(`\nTokenizer throughput, ${fs.statSync(textFile).size} bytes of mixed text, special tokens parsed, best of 5 (${os.cpus()[0].model})`);
console.log('| vocabulary | tokens | native tokens/s | native MB/s | wasm tokens/s | wasm MB/s |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
    const w = r.wasm ? `${r.wasm.tokens_per_s.toLocaleString('en-US')} | ${r.wasm.mb_per_s}` : `n/a | ${wasmError}`;
    console.log(`| ${r.model} | ${r.native.tokens} | ${r.native.tokens_per_s.toLocaleString('en-US')} | ${r.native.mb_per_s} | ${w} |`);
}
fs.rmSync(work, { recursive: true, force: true });
