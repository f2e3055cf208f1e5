// Parity past 512 cached tokens with an f16 cache. There llama.cpp's one-token attention splits
// the keys among its threads, each summing its share of V in an f16 accumulator, so its logits
// depend on its thread count; ours sum V in f32 from src/model/flash_attention.h's kSplitKeys
// (512) keys on. The test evaluates one token at a time over 640 positions of a generated
// multi-head model with f16 weights (the SmolLM2-1.7B attention layout at a smaller width:
// head size 64, as many KV heads as heads, rope theta 130000), llama.cpp with 1 thread and with
// 2, and ours (the shipped wasm build through its CLI, 2 threads). Below 512 keys the bound is
// lib/thresholds.mjs's for f16 weights against the 1-thread run (the pass we mirror). From 512
// on, against either llama.cpp run, that bound plus llama.cpp's own 1-vs-2-thread difference
// there: the weights' drift below 512 carries on, and the split adds a difference of that
// size (issue 20's rule for a reference that disagrees with itself). Measured 2026-12-03: before
// kSplitKeys (the f16 accumulator at every length) ours was 1.34e-3 from the 1-thread run and
// 3.27e-3 from the 2-thread one at positions 512-639, llama.cpp 1 vs 2 threads 2.59e-3; with it
// 3.20e-3 and 2.48e-3 (positions 511-639).
// Run: node --test tests/parity/long_attention.test.mjs (prints the table).
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';

import {comparePosition} from './lib/compare.mjs';
import {generatedModel, writerTool} from './lib/models.mjs';
import {ourLogits, repoRoot, wasmEvalCommand} from './lib/ours.mjs';
import {randomIds} from './lib/prompts.mjs';
import {openReference, referenceCpuVariant} from './lib/reference.mjs';
import {thresholdsFor} from './lib/thresholds.mjs';

const N = 640;
const SPLIT = 511;   // the first position with flash_attention::kSplitKeys (512) keys: p + 1
const MODEL = ['--dim', '256', '--heads', '4', '--kv-heads', '4', '--ffn', '768', '--layers', '2',
    '--rope-theta', '130000', '--context', '1024', '--type', 'f16', '--seed', '31'];

// The largest max-diff / range over positions [from, to) of two runs' logit rows.
function maxRel(a, b, nVocab, from, to) {
    let worst = 0;
    for (let p = from; p < to; p++) {
        const c = comparePosition(a.subarray(p * nVocab, (p + 1) * nVocab), b.subarray(p * nVocab, (p + 1) * nVocab));
        worst = Math.max(worst, c.rel);
    }
    return worst;
}

const skip = !writerTool() ? 'gguf_writer is not built'
    : !existsSync(join(repoRoot, 'js/wasm/smollm-mt.wasm')) ? 'js/wasm/smollm-mt.wasm is not built (the wasm build writes it)'
        : undefined;

test('past 512 cached tokens an f16 cache stays within llama.cpp\'s own thread-count difference', {skip}, async () => {
    const path = generatedModel('gen-mha-f16-long', MODEL);
    const runs = {};
    let nVocab = 0;
    let tokens = [];
    for (const threads of [1, 2]) {
        const ref = await openReference(path, N, threads);
        try {
            nVocab = ref.nVocab;
            tokens = randomIds(N, nVocab, 777);
            runs[threads] = await ref.logitsOneByOne(tokens);
        } finally {
            await ref.dispose();
        }
    }
    // One token at a time, as llama.cpp above: the decode path whose attention this checks (a
    // batch in llama.cpp's batch order would take its tiled kernel instead).
    const ours = ourLogits(path, tokens, nVocab, ['--batch-size', '1'], wasmEvalCommand());
    // Below 512 keys ours is llama.cpp's single pass: the f16 bound (0.0 measured, 2026-12-04).
    // From 512 keys ours sums V in f32 where llama.cpp splits the keys among its threads: a
    // different order of the same kind as its own 1-vs-2-thread difference, bounded by that
    // plus the f16 bound against a build we do not mirror (2e-3).
    const bound = thresholdsFor({name: 'gen-mha-f16'}, await referenceCpuVariant()).maxRel;
    const kOtherOrderBound = 2e-3;
    const short = {ours1: maxRel(ours, runs[1], nVocab, 0, SPLIT)};
    const long = {
        ours1: maxRel(ours, runs[1], nVocab, SPLIT, N),
        ours2: maxRel(ours, runs[2], nVocab, SPLIT, N),
        llama: maxRel(runs[1], runs[2], nVocab, SPLIT, N),
    };
    console.log(`| positions | ours vs llama.cpp 1 thread | ours vs llama.cpp 2 threads | llama.cpp 1 vs 2 threads |
|---|---|---|---|
| 0-${SPLIT - 1} | ${short.ours1.toExponential(2)} | | |
| ${SPLIT}-${N - 1} | ${long.ours1.toExponential(2)} | ${long.ours2.toExponential(2)} | ${long.llama.toExponential(2)} |`);
    assert.ok(short.ours1 <= bound, `below ${SPLIT} keys: ${short.ours1} > ${bound}`);
    const longBound = kOtherOrderBound + long.llama;
    assert.ok(long.ours1 <= longBound, `from ${SPLIT} keys, vs 1 thread: ${long.ours1} > ${longBound}`);
    assert.ok(long.ours2 <= longBound, `from ${SPLIT} keys, vs 2 threads: ${long.ours2} > ${longBound}`);
});
