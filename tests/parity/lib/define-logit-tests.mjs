// Defines one node:test case per model comparing our full logit vectors with llama.cpp's at
// every prompt position (see logits.test.mjs for the native engine, wasm_logits.test.mjs for
// the wasm build through the CLI).
import assert from 'node:assert/strict';
import {test, after} from 'node:test';

import {compareLogits, formatRow, tableHeader} from './compare.mjs';
import {ourLogits} from './ours.mjs';
import {promptLengths, randomIds, textIds} from './prompts.mjs';
import {openReference} from './reference.mjs';
import {thresholdsFor} from './thresholds.mjs';

export function defineLogitTests(models, label) {
    const rows = [];
    after(() => console.log(`\n${tableHeader}\n${rows.join('\n')}\n`));

    for (const m of models) {
        test(`${label} logits match llama.cpp: ${m.name}`, {skip: m.skip}, async () => {
            const ref = await openReference(m.path, Math.max(...promptLengths));
            try {
                const total = {positions: 0, maxAbs: 0, maxRel: 0, top1Agree: 0, top1NearTie: 0, minOverlap: 10, meanOverlap: 0, nonFinite: 0};
                for (const [i, n] of promptLengths.entries()) {
                    const tokens = m.text ? textIds(ref.model, n, 1000 * i) : randomIds(n, ref.nVocab, 1234 + i);
                    const want = await ref.logits(tokens);
                    const got = ourLogits(m.path, tokens, ref.nVocab);
                    const s = compareLogits(got, want, n, ref.nVocab);
                    total.meanOverlap = (total.meanOverlap * total.positions + s.meanOverlap * n) / (total.positions + n);
                    total.positions += n;
                    total.maxAbs = Math.max(total.maxAbs, s.maxAbs);
                    total.maxRel = Math.max(total.maxRel, s.maxRel);
                    total.top1Agree += s.top1Agree;
                    total.top1NearTie += s.top1NearTie;
                    total.minOverlap = Math.min(total.minOverlap, s.minOverlap);
                    total.nonFinite += s.nonFinite;
                }
                rows.push(formatRow(m.name, total));
                const t = thresholdsFor(m);
                assert.equal(total.nonFinite, 0, 'non-finite logits');
                assert.ok(total.maxRel <= t.maxRel, `max diff / range ${total.maxRel} > ${t.maxRel}`);
                assert.equal(total.top1Agree + total.top1NearTie, total.positions, 'top-1 disagreement that is not a near-tie');
                assert.ok(total.minOverlap >= t.minOverlap, `top-10 overlap ${total.minOverlap} < ${t.minOverlap}`);
                assert.ok(total.meanOverlap >= t.meanOverlap, `mean top-10 overlap ${total.meanOverlap} < ${t.meanOverlap}`);
            } finally {
                await ref.dispose();
            }
        });
    }
}
