// Context shift against llama.cpp doing the same shift. Ours: the native tool generating
// greedily in a 64-token context with --context-shift (keep nKeep prompt tokens, discard half
// of the rest whenever the next token does not fit), dumping the logits each token was picked
// from. llama.cpp (node-llama-cpp, one token at a time) is fed the same tokens and, at the same
// steps, the same shift through its own KV-cache operations (eraseContextTokenRanges:
// llama_memory_seq_rm + seq_add, then its K-shift graph re-rotates the kept keys). Every
// step's full logit vector must stay within the bounds of lib/thresholds.mjs, and our token
// must be llama.cpp's argmax except at a near-tie (its top two within twice the difference).
// llama.cpp keeps the shifted cells where they are and writes new tokens into the freed
// cells, so its attention visits the same keys in another order: that order is the only
// difference the shift adds (see the figures printed and tests/parity/README.md).
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';

import {comparePosition} from './lib/compare.mjs';
import {parityModels} from './lib/models.mjs';
import {nativeTool, threadsForTests} from './lib/ours.mjs';
import {randomIds, textIds} from './lib/prompts.mjs';
import {openReference} from './lib/reference.mjs';
import {thresholdsFor} from './lib/thresholds.mjs';

const kCtx = 64;
const kSteps = 200;
const kPrompt = 24;
// [model, nKeep]: a short kept prefix, and the whole prompt kept (-1).
const cases = (process.env.SMOLLM_SHIFT_CASES ?? 'tiny-py-F16:4,tiny-py-Q4_K_M:4,tiny-py-F16:-1,gen-135m-shape-q4_k_m:4')
    .split(',').map((c) => c.split(':')).map(([name, keep]) => ({name, nKeep: Number(keep)}));

function ourShiftedGreedy(modelPath, prompt, nKeep, nVocab) {
    const dir = mkdtempSync(join(tmpdir(), 'smollm-shift-'));
    const dump = join(dir, 'logits.f32');
    try {
        const out = execFileSync(nativeTool(), ['generate', '-m', modelPath, '--tokens', prompt.join(','), '--ctx', String(kCtx),
            '--max-tokens', String(kSteps), '--temp', '0', '--ignore-eos', '--context-shift', '--n-keep', String(nKeep),
            '--threads', String(threadsForTests()), '--json', '--dump-logits', dump], {encoding: 'utf8', maxBuffer: 1 << 26});
        const result = JSON.parse(out);
        const bytes = readFileSync(dump);
        const logits = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).slice();
        assert.equal(logits.length, result.tokens.length * nVocab, 'one logit row per generated token');
        return {...result, logits};
    } finally {
        rmSync(dir, {recursive: true, force: true});
    }
}

const all = await parityModels({all: true});
for (const {name, nKeep} of cases) {
    const m = all.find((x) => x.name.replace(/\.gguf$/, '') === name);
    test(`greedy generation through context shifts matches llama.cpp: ${name}, nKeep ${nKeep}`, {skip: m?.skip ?? (m ? false : `no model ${name}`)}, async () => {
        // llama.cpp's context is larger than ours: it never shifts by itself; we shift it.
        const ref = await openReference(m.path, 4 * kCtx);
        try {
            const n = ref.nVocab;
            const prompt = m.text ? textIds(ref.model, kPrompt) : randomIds(kPrompt, n, 77);
            const ours = ourShiftedGreedy(m.path, prompt, nKeep, n);
            assert.equal(ours.tokens.length, kSteps);
            const keep = nKeep < 0 ? prompt.length : Math.min(prompt.length, nKeep);   // no BOS in these prompts
            const limits = thresholdsFor(m);
            let shifts = 0, dropped = 0, worst = 0, agree = 0, nearTies = 0;
            await ref.clear();
            let out = await ref.evaluate(prompt);
            for (let i = 0; i < kSteps; i++) {
                const row = out;
                const c = comparePosition(ours.logits.subarray(i * n, (i + 1) * n), row);
                worst = Math.max(worst, c.rel);
                assert.equal(c.nonFinite, 0);
                assert.ok(c.rel <= limits.maxRel, `step ${i} (after ${shifts} shifts): logits differ by ${c.rel.toExponential(2)} of the range`);
                const refChoice = ref.argmaxNotEog(row);
                if (refChoice === ours.tokens[i]) {
                    agree++;
                } else {
                    const gap = row[refChoice] - row[ours.tokens[i]];
                    assert.ok(gap <= 2 * c.maxAbs, `step ${i}: llama.cpp picks ${refChoice}, we pick ${ours.tokens[i]} (gap ${gap}, difference ${c.maxAbs})`);
                    nearTies++;
                }
                if (i + 1 === kSteps) break;
                if (ref.cached() >= kCtx) {
                    const nDiscard = Math.floor((ref.cached() - keep) / 2);
                    await ref.erase(keep, keep + nDiscard);
                    shifts++;
                    dropped += nDiscard;
                }
                out = await ref.evaluate([ours.tokens[i]]);
            }
            console.log(`# ${name} nKeep ${nKeep}: ${shifts} shifts (${dropped} tokens), max diff ${worst.toExponential(2)} of the range, ` +
                `top-1 ${agree}/${kSteps}${nearTies ? ` (+${nearTies} near-tie)` : ''}`);
            assert.equal(ours.context_shifts, shifts, 'the same number of shifts as the replay');
            assert.equal(ours.shifted_out_tokens, dropped);
            assert.ok(shifts >= 4, `${shifts} shifts`);
        } finally {
            await ref.dispose();
        }
    });
}
