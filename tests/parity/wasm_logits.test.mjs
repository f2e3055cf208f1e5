// The same full-logit parity through the shipped wasm build (the `smollm-wasm eval` CLI, SIMD128
// kernels, 2 threads): the native run checks the maths, this one checks what users run.
import {existsSync} from 'node:fs';
import {join} from 'node:path';

import {defineLogitTests} from './lib/define-logit-tests.mjs';
import {parityModels} from './lib/models.mjs';
import {repoRoot} from './lib/ours.mjs';

const cli = join(repoRoot, 'js/bin/smollm-wasm.js');
const wasmBuilt = existsSync(join(repoRoot, 'js/wasm/smollm-mt.wasm'));
process.env.SMOLLM_EVAL_CMD ??= `${process.execPath} ${cli} eval -m {model} --tokens {tokens} --threads 2 --top 1 --dump-logits {out}`;

// One tensor of every type (ZOO), a trained K-quant mix, and the 135M shape's fallback types.
const wanted = new Set(['tiny-a-ZOO.gguf', 'tiny-py-Q4_K_M.gguf', 'gen-135m-shape-q4_k_m']);
const models = (await parityModels({all: true})).filter((m) => wanted.has(m.name))
    .map((m) => (wasmBuilt ? m : {...m, skip: 'js/wasm/smollm-mt.wasm is not built (the wasm build writes it)'}));
defineLogitTests(models, 'wasm');
