// A 64-token greedy continuation must equal llama.cpp's token for token wherever llama.cpp's
// own two paths agree: a divergence is allowed only at a step where llama.cpp evaluating the
// same context as one batch picks another token than its one-token path did, or at a near-tie
// (llama.cpp's gap between its choice and ours within twice the logit difference there; see
// lib/thresholds.mjs for why such differences remain).
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {comparePosition} from './lib/compare.mjs';
import {parityModels} from './lib/models.mjs';
import {ourGreedy, ourLogits} from './lib/ours.mjs';
import {randomIds, textIds} from './lib/prompts.mjs';
import {argmax, openReference} from './lib/reference.mjs';

const kSteps = 64;
const wanted = (process.env.SMOLLM_GREEDY_MODELS ?? 'tiny-py-F16,tiny-py-Q4_K_M,tiny-a-Q8_0,gen-f32,gen-q5_1,gen-q4_0,gen-135m-shape-q4_k_m').split(',');

for (const m of (await parityModels({all: true})).filter((x) => wanted.includes(x.name.replace(/\.gguf$/, '')))) {
    test(`greedy continuation matches llama.cpp: ${m.name}`, {skip: m.skip}, async () => {
        const ref = await openReference(m.path, 64 + kSteps);
        try {
            const prompt = m.text ? textIds(ref.model, 24) : randomIds(24, ref.nVocab, 99);
            const want = await ref.greedy(prompt, kSteps);
            const got = ourGreedy(m.path, prompt, kSteps);
            let i = 0;
            while (i < want.tokens.length && i < got.length && want.tokens[i] === got[i]) i++;
            const agreed = i === want.tokens.length && i === got.length;
            console.log(`# ${m.name}: ${i} of ${Math.max(want.tokens.length, got.length)} greedy tokens agree`);
            if (agreed) return;
            // Divergence at step i: compare both engines' logits at that step.
            const context = [...prompt, ...want.tokens.slice(0, i)];
            const n = ref.nVocab;
            const oursRow = ourLogits(m.path, context, n).subarray((context.length - 1) * n);
            const refRow = want.steps[i];
            const c = comparePosition(oursRow, refRow);
            const refChoice = i < want.tokens.length ? want.tokens[i] : c.refTop1;
            const ourChoice = i < got.length ? got[i] : c.ourTop1;
            const gap = refRow[refChoice] - refRow[ourChoice];
            const batchRow = (await ref.logits(context)).subarray((context.length - 1) * n);
            const selfSplit = argmax(batchRow) !== refChoice;
            console.log(`#   diverges at step ${i}: llama.cpp ${refChoice}, ours ${ourChoice}, llama.cpp gap ${gap.toExponential(2)}, ` +
                `max logit diff there ${c.maxAbs.toExponential(2)}, llama.cpp's batch path picks ${argmax(batchRow)}`);
            if (selfSplit) return;
            assert.ok(gap <= 2 * c.maxAbs,
                `divergence at step ${i} where llama.cpp's two paths agree (gap ${gap}, difference ${c.maxAbs})`);
        } finally {
            await ref.dispose();
        }
    });
}
