// Token-id prompts shared by the parity tests: real text for the trained model (so the
// logits are peaked, the hard case for top-k agreement) and seeded random ids otherwise.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

export const sharedDir = process.env.SMOLLM_SHARED_DIR ?? join(import.meta.dirname, '../../../../shared');

// Prompt lengths: a single token, short, and > 256 (several 64-token micro-batches plus a remainder).
export const promptLengths = [1, 19, 300];

export function randomIds(n, nVocab, seed) {
    let s = seed >>> 0;
    const ids = [];
    for (let i = 0; i < n; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        ids.push(s % nVocab);
    }
    return ids;
}

// The first n tokens of python-sample.txt in the model's own tokenization.
export function textIds(model, n, offset = 0) {
    const text = readFileSync(join(sharedDir, 'golden/python-sample.txt'), 'utf8').slice(offset, offset + 8 * n + 64);
    const ids = Array.from(model.tokenize(text));
    if (ids.length < n) throw new Error(`python-sample.txt gave only ${ids.length} tokens`);
    return ids.slice(0, n);
}
