// What the perplexity checks share: the text llama-perplexity was run on, its figures as
// ../shared/README.md gives them, and one position's negative log-likelihood.
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {sharedDir} from './prompts.mjs';

export const sampleTextPath = join(sharedDir, 'golden/python-sample.txt');
export const haveSampleText = existsSync(sampleTextPath);

// llama-perplexity's figures, read from the table in ../shared/README.md ("| tiny-py-F16 |
// 2.8039 |", "| Q5_K_M | 2.8152 |"), by model name (tiny-py-Q5_K_M).
export function referenceFigures() {
    const readme = readFileSync(join(sharedDir, 'README.md'), 'utf8');
    const figures = {};
    for (const [, name, ppl] of readme.matchAll(/^\s*\|\s*((?:tiny-py-)?[A-Z0-9_]+)\s*\|\s*([0-9.]+)\s*\|/gm)) {
        figures[name.startsWith('tiny-py-') ? name : `tiny-py-${name}`] = Number(ppl);
    }
    return figures;
}

// -log p(next) from one row of logits, in double.
function negLogLikelihood(row, next) {
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    return Math.log(sum) - (row[next] - max);
}

// llama-perplexity's chunks of a tokenized text: consecutive runs of nCtx tokens, the rest
// dropped (at most `limit` of them when limit > 0).
export function perplexityChunks(tokens, nCtx, limit = 0) {
    const n = Math.min(Math.floor(tokens.length / nCtx), limit > 0 ? limit : Infinity);
    return Array.from({length: n}, (_, c) => tokens.slice(c * nCtx, (c + 1) * nCtx));
}

// The first position whose prediction is scored, and how many are, per chunk of nCtx tokens:
// the second half, up to the next-to-last position.
export const firstScored = (nCtx) => nCtx / 2;
export const scoredPerChunk = (nCtx) => nCtx - 1 - firstScored(nCtx);

// The summed -log p of one chunk's scored predictions; rowOf(i) gives position i's logits.
export function chunkNegLogLikelihood(chunk, rowOf) {
    let sum = 0;
    for (let i = firstScored(chunk.length); i < chunk.length - 1; ++i) sum += negLogLikelihood(rowOf(i), chunk[i + 1]);
    return sum;
}
