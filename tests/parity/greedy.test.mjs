// A 32-token greedy continuation must agree with llama.cpp's. Where it diverges, the
// divergence must start at a near-tie: at that step llama.cpp's gap between its choice and
// ours is within twice the logit difference measured between the two engines there.
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {comparePosition} from './lib/compare.mjs';
import {parityModels} from './lib/models.mjs';
import {ourGreedy, ourLogits} from './lib/ours.mjs';
import {randomIds, textIds} from './lib/prompts.mjs';
import {openReference} from './lib/reference.mjs';

const kSteps = 32;
const wanted = (process.env.SMOLLM_GREEDY_MODELS ?? 'tiny-py-F16,tiny-py-Q4_K_M,tiny-a-Q8_0,gen-f32,gen-135m-shape-q4_k_m').split(',');

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
            console.log(`#   diverges at step ${i}: llama.cpp ${refChoice}, ours ${ourChoice}, llama.cpp gap ${gap.toExponential(2)}, ` +
                `max logit diff there ${c.maxAbs.toExponential(2)}`);
            assert.ok(gap <= 2 * c.maxAbs, `divergence at step ${i} is not a near-tie (gap ${gap} > 2 x ${c.maxAbs})`);
        } finally {
            await ref.dispose();
        }
    });
}
