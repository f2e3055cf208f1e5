// Defines one node:test case per model comparing our full logit vectors with llama.cpp's at
// every prompt position (see logits.test.mjs for the native engine, wasm_logits.test.mjs for
// the wasm build through the CLI). Our side evaluates each prompt as one batch (our batch and
// one-token paths give the same bits: tests/cpp/model); llama.cpp's side twice, one token at a
// time (its decode path, the bound of lib/thresholds.mjs holds at every position) and as one
// batch (its batched kernels differ from its own decode path: the bound there adds that
// self-difference, printed beside ours).
import assert from 'node:assert/strict';
import {test, after} from 'node:test';

import {comparePosition, formatRow, tableHeader} from './compare.mjs';
import {ourLogits} from './ours.mjs';
import {promptLengths, randomIds, textIds} from './prompts.mjs';
import {openReference} from './reference.mjs';
import {thresholdsFor} from './thresholds.mjs';

function emptySummary() {
    return {positions: 0, maxAbs: 0, maxRel: 0, top1Agree: 0, top1NearTie: 0, top1Miss: 0, minOverlap: 10,
        meanOverlap: 0, nonFinite: 0, batchRel: 0, selfRel: 0, worst: null};
}

export function defineLogitTests(models, label) {
    const rows = [];
    after(() => console.log(`\n${tableHeader}\n${rows.join('\n')}\n`));

    for (const m of models) {
        test(`${label} logits match llama.cpp: ${m.name}`, {skip: m.skip}, async () => {
            const ref = await openReference(m.path, Math.max(...promptLengths));
            const t = thresholdsFor(m);
            try {
                const s = emptySummary();
                for (const [i, n] of promptLengths.entries()) {
                    const tokens = m.text ? textIds(ref.model, n, 1000 * i) : randomIds(n, ref.nVocab, 1234 + i);
                    const decode = await ref.logitsOneByOne(tokens);
                    const batch = await ref.logits(tokens);
                    const got = ourLogits(m.path, tokens, ref.nVocab);
                    const V = ref.nVocab;
                    for (let p = 0; p < n; p++) {
                        const at = (a) => a.subarray(p * V, (p + 1) * V);
                        const c = comparePosition(at(got), at(decode));
                        s.positions++;
                        s.nonFinite += c.nonFinite;
                        s.maxAbs = Math.max(s.maxAbs, c.maxAbs);
                        if (c.rel > s.maxRel) {
                            s.maxRel = c.rel;
                            s.worst = `prompt ${n}, position ${p}`;
                        }
                        s.meanOverlap += c.overlap;
                        s.minOverlap = Math.min(s.minOverlap, c.overlap);
                        // A top-1 disagreement is allowed only at a near-tie: llama.cpp's top two
                        // within twice the difference at that position.
                        if (c.top1) s.top1Agree++;
                        else if (c.gap <= 2 * c.maxAbs) s.top1NearTie++;
                        else s.top1Miss++;
                        s.batchRel = Math.max(s.batchRel, comparePosition(at(got), at(batch)).rel);
                        s.selfRel = Math.max(s.selfRel, comparePosition(at(batch), at(decode)).rel);
                    }
                }
                s.meanOverlap /= s.positions;
                rows.push(formatRow(m.name, s));
                assert.equal(s.nonFinite, 0, 'non-finite logits');
                assert.ok(s.maxRel <= t.maxRel, `max diff / range ${s.maxRel} > ${t.maxRel} (${s.worst}) vs llama.cpp one token at a time`);
                assert.equal(s.top1Miss, 0, 'top-1 disagreement where llama.cpp has a clear winner');
                assert.ok(s.minOverlap >= t.minOverlap, `top-10 overlap ${s.minOverlap} < ${t.minOverlap}`);
                assert.ok(s.meanOverlap >= t.meanOverlap, `mean top-10 overlap ${s.meanOverlap} < ${t.meanOverlap}`);
                // Against its batch: our bound plus its own batch-vs-decode difference (the
                // triangle inequality; our batch and decode paths agree bit for bit).
                assert.ok(s.batchRel <= t.maxRel + s.selfRel,
                    `vs llama.cpp's batch: ${s.batchRel} > ${t.maxRel} + its own batch-vs-decode ${s.selfRel}`);
            } finally {
                await ref.dispose();
            }
        });
    }
}
