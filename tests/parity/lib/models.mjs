// The models the parity tests run: every file in ../shared/golden/models, plus models our
// writer (tools/gguf_writer) generates: every single weight type, llama.cpp's mixes, the
// SmolLM2-135M and 360M shapes with few layers, and untied output. Generated files are
// cached in $TMPDIR/smollm-parity-models between runs.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, renameSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {repoRoot} from './ours.mjs';
import {sharedDir} from './prompts.mjs';

const singleTypes = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q2_k', 'q3_k', 'q4_k', 'q5_k',
    'q6_k', 'iq4_nl', 'iq4_xs'];

// name -> writer arguments. Small synthetic vocabularies keep the single-type runs fast;
// the SmolLM2 shapes carry the real 49,152-token vocabulary.
function generatedSpecs() {
    const smollm2 = ['--tokenizer', join(sharedDir, 'smollm2/tokenizer.json')];
    const specs = {};
    for (const t of singleTypes) specs[`gen-${t}`] = ['--type', t, '--seed', '7'];
    for (const m of ['q4_k_m', 'q5_k_m', 'iq4_xs']) specs[`gen-mix-${m}`] = ['--mix', m, '--seed', '8'];
    specs['gen-untied-f16'] = ['--untied', '--type', 'f16', '--seed', '9'];
    specs['gen-untied-q4_k_m'] = ['--untied', '--mix', 'q4_k_m', '--seed', '9'];
    const s135 = ['--dim', '576', '--heads', '9', '--kv-heads', '3', '--ffn', '1536', '--layers', '3', '--rope-theta', '100000', ...smollm2];
    specs['gen-135m-shape-f32'] = [...s135, '--type', 'f32', '--seed', '10'];
    specs['gen-135m-shape-q4_k_m'] = [...s135, '--mix', 'q4_k_m', '--seed', '10'];
    specs['gen-135m-shape-iq4_xs'] = [...s135, '--mix', 'iq4_xs', '--seed', '10'];
    const s360 = ['--dim', '960', '--heads', '15', '--kv-heads', '5', '--ffn', '2560', '--layers', '2', '--rope-theta', '100000', ...smollm2];
    specs['gen-360m-shape-f16'] = [...s360, '--type', 'f16', '--seed', '11'];
    specs['gen-360m-shape-q5_k_m'] = [...s360, '--mix', 'q5_k_m', '--seed', '11'];
    return specs;
}

export function writerTool() {
    if (process.env.SMOLLM_WRITER_BIN) return process.env.SMOLLM_WRITER_BIN;
    for (const dir of ['build-model', 'build']) {
        const p = join(repoRoot, dir, 'gguf_writer');
        if (existsSync(p)) return p;
    }
    return null;
}

export function generatedModel(name, args) {
    const dir = join(tmpdir(), 'smollm-parity-models');
    mkdirSync(dir, {recursive: true});
    const path = join(dir, `${name}.gguf`);
    if (existsSync(path)) return path;
    // Written under a name of this process, then renamed: parity files run in parallel, so
    // another one may be writing the same model; a half-written file never has the final name.
    const partial = `${path}.${process.pid}.partial`;
    execFileSync(writerTool(), ['-o', partial, ...args], {stdio: ['ignore', 'ignore', 'inherit']});
    renameSync(partial, path);
    return path;
}

// The CI set: every type at least once (tiny-a-ZOO holds one tensor of each), the trained
// model in F16 and a K-quant mix, the fallback-heavy 135M shape, GQA 360M shape and untied
// output, and files whose decode path must be llama.cpp's bit for bit: Q4_K + Q6_K
// (tiny-py-Q4_K_M, gen-untied-q4_k_m), Q5_K + Q6_K (gen-mix-q5_k_m), IQ4_XS, Q5_1, Q4_0 and
// IQ4_NL (gen-q4_0, gen-iq4_nl; the relaxed-SIMD browser test checks that build's Q4_0 / IQ4_NL
// decode against the native tool), F16, and F32 and BF16 (gen-f32, gen-bf16: 2 s each).
// SMOLLM_PARITY_SET=full runs every model above (about 35 minutes on 2 busy cores).
const ciSet = new Set(['tiny-a-ZOO.gguf', 'tiny-a-IQ4_XS.gguf', 'tiny-py-F16.gguf', 'tiny-py-Q4_K_M.gguf',
    'gen-135m-shape-q4_k_m', 'gen-360m-shape-q5_k_m', 'gen-untied-q4_k_m', 'gen-q5_1', 'gen-mix-q5_k_m',
    'gen-f32', 'gen-bf16', 'gen-q4_0', 'gen-iq4_nl']);

// SMOLLM_PARITY_ONLY (a substring) narrows the list further.
// {all: true} skips the CI narrowing (for tests that pick their own models by name).
export async function parityModels({all = false} = {}) {
    const only = process.env.SMOLLM_PARITY_ONLY;
    const full = all || process.env.SMOLLM_PARITY_SET === 'full';
    const models = [];
    const dir = join(sharedDir, 'golden/models');
    if (!existsSync(dir)) {
        models.push({name: 'golden models', skip: `${dir} is missing (reference data from ../shared)`});
    } else {
        for (const f of readdirSync(dir).filter((f) => f.endsWith('.gguf')).sort()) {
            models.push({name: f, path: join(dir, f), text: f.startsWith('tiny-py'), trained: f.startsWith('tiny-py')});
        }
    }
    const writer = writerTool();
    for (const [name, args] of Object.entries(generatedSpecs())) {
        if (!writer) {
            models.push({name, skip: 'gguf_writer is not built (cmake --build build-model --target gguf_writer)'});
        } else {
            models.push({name, get path() { return generatedModel(name, args); }, text: false, trained: false});
        }
    }
    const chosen = full || only ? models : models.filter((m) => m.skip || ciSet.has(m.name));
    return only ? chosen.filter((m) => m.name.includes(only)) : chosen;
}
