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
export function negLogLikelihood(row, next) {
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    return Math.log(sum) - (row[next] - max);
}
