// Full-logit parity with llama.cpp for every pair of KV cache types (f16, q8_0, q4_0 keys and
// values): node-llama-cpp's context with experimentalKvCacheKeyType / ValueType against ours
// with --kv-type-k / --kv-type-v, at every position of a 300-token prompt, on tiny-py (trained,
// GQA, text) and a generated model with SmolLM2-1.7B's attention layout (multi-head: as many
// KV heads as heads, head size 64, rope theta 130000) at a smaller width and depth.
// llama.cpp rotates the heads a quantized cache holds (Walsh-Hadamard, src/model/hadamard.h);
// we do too, summing in another order. Bounds: lib/thresholds.mjs's for the model's weights
// with an f16 cache; with a quantized K or V its bound for quantized files, for the same
// reason: a value ~1e-7 from llama.cpp's now and then rounds to the neighbouring level of a
// cache block (1/127 or 1/8 of the block's range), and the logits move by that. Run:
//   node --test tests/parity/kv_types.test.mjs   (SMOLLM_KV_PAIRS=all for every pair;
//   SMOLLM_KV_PAIRS=q8_0/q8_0,q4_0/f16 picks pairs)
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {existsSync} from 'node:fs';

import {comparePosition, formatRow, tableHeader} from './lib/compare.mjs';
import {generatedModel, writerTool} from './lib/models.mjs';
import {ourLogits} from './lib/ours.mjs';
import {randomIds, sharedDir, textIds} from './lib/prompts.mjs';
import {openReference, referenceCpuVariant} from './lib/reference.mjs';
import {quantizedCacheBound, thresholdsFor} from './lib/thresholds.mjs';

const TYPES = ['f16', 'q8_0', 'q4_0'];
const allPairs = TYPES.flatMap((k) => TYPES.map((v) => `${k}/${v}`));
// The default run (CI) takes four cases: both caches quantized on tiny-py (q8_0 and q4_0:
// every kernel and both Hadamard rotations), one quantized side each on the multi-head model.
// Each tiny-py case costs llama.cpp 300 one-token evaluations (~80-110 s on a busy 2-core
// machine); SMOLLM_KV_PAIRS=all runs all nine pairs on both models.
const DEFAULT_CASES = {'tiny-py-F16': ['q8_0/q8_0', 'q4_0/q4_0'], 'gen-1.7b-layout-q4_k_m': ['q8_0/f16', 'f16/q4_0']};
const pairsFor = (name) => {
    const asked = process.env.SMOLLM_KV_PAIRS;
    if (asked === 'all') return allPairs;
    return asked ? asked.split(',') : DEFAULT_CASES[name];
};
const N = 300;

function models() {
    const list = [];
    const tinyPy = join(sharedDir, 'golden/models/tiny-py-F16.gguf');
    list.push(existsSync(tinyPy)
        ? {name: 'tiny-py-F16', path: tinyPy, text: true}
        : {name: 'tiny-py-F16', skip: `${tinyPy} is missing (reference data from ../shared)`});
    const smollm2 = ['--tokenizer', join(sharedDir, 'smollm2/tokenizer.json')];
    const mha = ['--dim', '512', '--heads', '8', '--kv-heads', '8', '--ffn', '1536', '--layers', '2',
        '--rope-theta', '130000', ...smollm2, '--mix', 'q4_k_m', '--seed', '12'];
    list.push(!writerTool()
        ? {name: 'gen-1.7b-layout-q4_k_m', skip: 'gguf_writer is not built'}
        : !existsSync(join(sharedDir, 'smollm2/tokenizer.json'))
            ? {name: 'gen-1.7b-layout-q4_k_m', skip: 'the SmolLM2 tokenizer from ../shared is missing'}
            : {name: 'gen-1.7b-layout-q4_k_m', get path() { return generatedModel('gen-1.7b-layout-q4_k_m', mha); }, text: false});
    return list;
}

const rows = [];
after(() => console.log(`\n${tableHeader}\n${rows.join('\n')}\n`));

for (const m of models()) {
    for (const pair of pairsFor(m.name)) {
        const [k, v] = pair.split('/');
        test(`logits with a ${k} K / ${v} V cache match llama.cpp's: ${m.name}`, {skip: m.skip}, async () => {
            const ref = await openReference(m.path, N, 1, {
                experimentalKvCacheKeyType: k.toUpperCase(), experimentalKvCacheValueType: v.toUpperCase(),
            });
            try {
                const tokens = m.text ? textIds(ref.model, N, 2000) : randomIds(N, ref.nVocab, 4321);
                const want = await ref.logitsOneByOne(tokens);
                const got = ourLogits(m.path, tokens, ref.nVocab, ['--kv-type-k', k, '--kv-type-v', v]);
                const V = ref.nVocab;
                const s = {positions: 0, maxAbs: 0, maxRel: 0, top1Agree: 0, top1NearTie: 0, top1Miss: 0, minOverlap: 10,
                    meanOverlap: 0, nonFinite: 0, batchRel: 0, selfRel: 0, worst: null};
                for (let p = 0; p < N; p++) {
                    const c = comparePosition(got.subarray(p * V, (p + 1) * V), want.subarray(p * V, (p + 1) * V));
                    s.positions++;
                    s.nonFinite += c.nonFinite;
                    s.maxAbs = Math.max(s.maxAbs, c.maxAbs);
                    if (c.rel > s.maxRel) {
                        s.maxRel = c.rel;
                        s.worst = `position ${p}`;
                    }
                    s.meanOverlap += c.overlap;
                    s.minOverlap = Math.min(s.minOverlap, c.overlap);
                    if (c.top1) s.top1Agree++;
                    else if (c.gap <= 2 * c.maxAbs) s.top1NearTie++;
                    else s.top1Miss++;
                }
                s.meanOverlap /= s.positions;
                rows.push(formatRow(`${m.name} K ${k} V ${v}`, s));
                const t = thresholdsFor({name: k === 'f16' && v === 'f16' ? m.name : `${m.name}-q8_0`});
                if (k !== 'f16' || v !== 'f16') {
                    const bound = quantizedCacheBound(await referenceCpuVariant(), t.maxRel, {v});
                    if (bound.note) console.log(`${m.name} K ${k} V ${v}: ${bound.note}`);
                    t.maxRel = bound.maxRel;
                }
                assert.equal(s.nonFinite, 0, 'non-finite logits');
                assert.ok(s.maxRel <= t.maxRel, `max diff / range ${s.maxRel} > ${t.maxRel} (${s.worst})`);
                assert.equal(s.top1Miss, 0, 'top-1 disagreement where llama.cpp has a clear winner');
                assert.ok(s.minOverlap >= t.minOverlap, `top-10 overlap ${s.minOverlap} < ${t.minOverlap}`);
                assert.ok(s.meanOverlap >= t.meanOverlap, `mean top-10 overlap ${s.meanOverlap} < ${t.meanOverlap}`);
            } finally {
                await ref.dispose();
            }
        });
    }
}
