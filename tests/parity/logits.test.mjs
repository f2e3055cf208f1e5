// Full-logit parity with llama.cpp (node-llama-cpp) at every prompt position, for the models of
// lib/models.mjs (the CI set by default; SMOLLM_PARITY_SET=full for all), through two engines
// of ours: the native tool checks the maths on every model, and the shipped wasm build (the
// `smollm-wasm eval` CLI, SIMD128 kernels, 2 threads) checks what users run on four of them:
// one tensor of every type (ZOO), a trained K-quant mix, the 135M shape's fallback types, and
// gen-q5_1, whose logits must be llama.cpp's bit for bit in wasm too (its RoPE table once
// came from emscripten's sin / cos, which round some angles differently from glibc's).
// llama.cpp's logits are computed once per model for both.
// Run: node --test tests/parity/logits.test.mjs   (prints the tables; SMOLLM_EVAL_CMD switches
// the native side to another command).
import {existsSync} from 'node:fs';
import {join} from 'node:path';

import {defineLogitTests} from './lib/define-logit-tests.mjs';
import {parityModels} from './lib/models.mjs';
import {repoRoot, wasmEvalCommand} from './lib/ours.mjs';

const wasmModels = new Set(['tiny-a-ZOO.gguf', 'tiny-py-Q4_K_M.gguf', 'gen-135m-shape-q4_k_m', 'gen-q5_1']);
const wasmBuilt = existsSync(join(repoRoot, 'js/wasm/smollm-mt.wasm'));

const nativeNames = new Set((await parityModels()).map((m) => m.name));
const models = (await parityModels({all: true}))
    .filter((m) => nativeNames.has(m.name) || wasmModels.has(m.name))
    .filter((m) => !process.env.SMOLLM_PARITY_ONLY || m.name.includes(process.env.SMOLLM_PARITY_ONLY))
    .map((m) => Object.assign(m, {engines: ['native', 'wasm'].filter((e) => (e === 'native' ? nativeNames : wasmModels).has(m.name))}));

defineLogitTests(models, {
    native: {},
    wasm: {command: wasmEvalCommand(), skip: wasmBuilt ? undefined : 'js/wasm/smollm-mt.wasm is not built (the wasm build writes it)'},
});
