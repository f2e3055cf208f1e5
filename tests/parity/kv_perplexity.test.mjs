// Perplexity with a quantized KV cache (llama.cpp's method, tools/smollm_native/perplexity.h)
// on ../shared/golden/python-sample.txt: q8_0 keys and values must stay within 0.2% of the f16
// cache's figure; q4_0's is printed. tiny-py-F16 by default (SMOLLM_PPL_MODELS narrows as in
// perplexity.test.mjs), native tool by default (SMOLLM_PPL_ENGINE=wasm runs the CLI). The
// Opt-in: SMOLLM_KV_PPL_CHUNKS=N (the first N chunks of 512) or =all (the whole text; the CLI
// always reads it whole). The native tool takes ~15 s a chunk of tiny-py-F16 on a busy 2-core
// machine, so even 6 chunks of the three cache types cost CI ~5 minutes; CI checks quantized
// caches against llama.cpp's full logits instead (kv_types.test.mjs). Figures:
// bench/kvcache/RESULTS.md (123 chunks, figures in
// bench/kvcache/RESULTS.md).
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';

import {nativeTool, repoRoot, threadsForTests} from './lib/ours.mjs';
import {sharedDir} from './lib/prompts.mjs';

const text = join(sharedDir, 'golden/python-sample.txt');
const models = (process.env.SMOLLM_PPL_MODELS ?? 'tiny-py-F16').split(',');
const useWasm = process.env.SMOLLM_PPL_ENGINE === 'wasm';
const wasmCli = join(repoRoot, 'js/bin/smollm-wasm.js');
const chunks = process.env.SMOLLM_KV_PPL_CHUNKS;

function perplexity(modelPath, kvType) {
    const args = ['perplexity', '-m', modelPath, '-f', text, '--ctx', '512', '--threads', String(threadsForTests()),
        useWasm ? '--kv-type' : '--kv', kvType, ...(chunks === 'all' || useWasm ? [] : ['--chunks', chunks])];
    const [cmd, argv] = useWasm ? [process.execPath, [wasmCli, ...args]] : [nativeTool(), args];
    const out = execFileSync(cmd, argv, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
    return Number(out.match(/PPL = ([0-9.]+) \+\/- ([0-9.]+)/)[1]);
}

for (const name of models) {
    const path = join(sharedDir, `golden/models/${name}.gguf`);
    test(`perplexity with a q8_0 KV cache within 0.2% of f16: ${name}`, {skip: !chunks
        ? 'opt-in (minutes of CPU): set SMOLLM_KV_PPL_CHUNKS=N or =all; CI checks quantized caches by full logits in kv_types.test.mjs'
        : existsSync(path) && existsSync(text) ? false : `${path} or ${text} is missing`}, () => {
        const f16 = perplexity(path, 'f16');
        const q8 = perplexity(path, 'q8_0');
        const q4 = perplexity(path, 'q4_0');
        const rel = (x) => `${((x / f16 - 1) * 100).toFixed(3)}%`;
        console.log(`# ${name}: PPL f16 ${f16.toFixed(4)}, q8_0 ${q8.toFixed(4)} (${rel(q8)}), q4_0 ${q4.toFixed(4)} (${rel(q4)})`);
        assert.ok(Math.abs(q8 / f16 - 1) <= 0.002, `q8_0 PPL ${q8} is ${rel(q8)} from f16's ${f16}`);
        assert.ok(Number.isFinite(q4), `q4_0 PPL ${q4}`);
    });
}
