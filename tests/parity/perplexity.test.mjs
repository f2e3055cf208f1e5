// Perplexity by llama.cpp's method (see tools/smollm_native/perplexity.h) on
// ../shared/golden/python-sample.txt, each chunk one batch in llama.cpp's batch order
// (--batch-order llama.cpp, whose batches are llama-perplexity's bit for bit), must equal
// llama-perplexity's figures from ../shared/README.md to their 4 decimals for every tiny-py
// file. CPU heavy (~63k tokens per model), so
// CI checks the Q4_K_M file through the shipped wasm build (the `smollm-wasm perplexity` CLI);
// SMOLLM_PPL_MODELS=tiny-py-F16,tiny-py-Q5_K_M,tiny-py-Q4_K_M,tiny-py-IQ4_XS runs all four and
// SMOLLM_PPL_ENGINE=native uses the native tool instead. SMOLLM_TEST_THREADS sets threads.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';

import {nativeTool, repoRoot, threadsForTests} from './lib/ours.mjs';
import {haveSampleText, referenceFigures, sampleTextPath} from './lib/perplexity.mjs';
import {sharedDir} from './lib/prompts.mjs';

const figures = haveSampleText ? referenceFigures() : {};
const models = (process.env.SMOLLM_PPL_MODELS ?? 'tiny-py-Q4_K_M').split(',');
const wasmCli = join(repoRoot, 'js/bin/smollm-wasm.js');
const useWasm = process.env.SMOLLM_PPL_ENGINE !== 'native';
const wasmMissing = useWasm && !existsSync(join(repoRoot, 'js/wasm/smollm-mt.wasm'));

function perplexityCommand(modelPath) {
    const args = ['perplexity', '-m', modelPath, '-f', sampleTextPath, '--ctx', '512', '--threads', String(threadsForTests()),
        '--batch-order', 'llama.cpp'];
    return useWasm ? [process.execPath, [wasmCli, ...args]] : [nativeTool(), args];
}

for (const name of models) {
    const skip = !haveSampleText ? `${sampleTextPath} is missing` : wasmMissing ? 'js/wasm/smollm-mt.wasm is not built' : false;
    test(`perplexity matches llama.cpp: ${name}`, {skip}, () => {
        assert.ok(figures[name], `no llama.cpp figure for ${name} in ../shared/README.md`);
        const [cmd, args] = perplexityCommand(join(sharedDir, `golden/models/${name}.gguf`));
        const out = execFileSync(cmd, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
        const ppl = Number(out.match(/PPL = ([0-9.]+) \+\/- ([0-9.]+)/)[1]);
        const chunks = Number(out.match(/chunks[:=] (\d+)/)[1]);
        const rel = Math.abs(ppl / figures[name] - 1);
        console.log(`# ${name}: PPL ${ppl.toFixed(4)} vs llama.cpp ${figures[name]} (${(rel * 100).toFixed(3)}%), ${chunks} chunks`);
        assert.equal(chunks, 123);
        assert.equal(ppl.toFixed(4), figures[name].toFixed(4), `PPL ${ppl} differs from llama.cpp's ${figures[name]} (${(rel * 100).toFixed(3)}%)`);
    });
}
