// Our tokenizer (tools/tokenize_tool, the native build) against llama.cpp's (node-llama-cpp)
// on 10,000 generated strings per vocabulary, with and without special-token parsing.
// Run: node --test tests/js/tokenizer/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mixedStrings } from './mixed_text.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shared = process.env.SMOLLM_SHARED_DIR ?? path.resolve(repo, '../shared');
const tool = process.env.SMOLLM_TOKENIZE_TOOL ?? path.join(repo, 'build/tokenize_tool');
const SEED = 20261123;
const COUNT = 10000;

const VOCABS = [
    { name: 'SmolLM2 (tiny-py-Q4_K_M)', file: 'golden/models/tiny-py-Q4_K_M.gguf' },
    { name: 'Llama-3 BPE', file: 'golden/vocab/ggml-vocab-llama-bpe.gguf' },
    { name: 'Llama-2 SentencePiece', file: 'golden/vocab/ggml-vocab-llama-spm.gguf' },
];

function ourTokens(gguf, requests) {
    const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const run = spawnSync(tool, [gguf], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
    assert.equal(run.status, 0, `tokenize_tool failed: ${run.stderr}`);
    const lines = run.stdout.split('\n').filter((l) => l.length > 0);
    assert.equal(lines.length, requests.length, 'one answer per request');
    return lines.map((l) => JSON.parse(l));
}

const skipReason = !fs.existsSync(tool)
    ? `SKIPPED: ${tool} is missing (build it: cmake --build build --target tokenize_tool, or set SMOLLM_TOKENIZE_TOOL)`
    : !fs.existsSync(shared) ? `SKIPPED: ${shared} is missing (reference data)` : false;

let llama;
async function getLlamaOnce() {
    if (!llama) {
        const { getLlama } = await import('node-llama-cpp');
        llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
    }
    return llama;
}

const strings = mixedStrings(SEED, COUNT);

for (const vocab of VOCABS) {
    test(`${vocab.name}: ${COUNT} generated strings tokenize exactly as llama.cpp`, { skip: skipReason, timeout: 600_000 }, async () => {
        const gguf = path.join(shared, vocab.file);
        const l = await getLlamaOnce();
        const model = await l.loadModel({ modelPath: gguf, vocabOnly: true, gpuLayers: 0 });
        try {
            const requests = [];
            for (const text of strings) {
                requests.push({ text, special: false });
                requests.push({ text, special: true });
            }
            const ours = ourTokens(gguf, requests);
            let mismatches = 0;
            const examples = [];
            for (let i = 0; i < requests.length; i++) {
                const ref = Array.from(model.tokenize(requests[i].text, requests[i].special));
                const got = ours[i];
                if (!Array.isArray(got) || got.length !== ref.length || got.some((v, j) => v !== ref[j])) {
                    mismatches++;
                    if (examples.length < 5) examples.push({ ...requests[i], ref, got });
                }
            }
            console.log(`${vocab.name}: ${requests.length - mismatches}/${requests.length} tokenizations identical`);
            assert.equal(mismatches, 0, `first mismatches:\n${examples.map((e) => JSON.stringify(e)).join('\n')}`);
        } finally {
            await model.dispose();
        }
    });
}

// Llama-3's vocabulary has a token for every byte, so every well-formed string must survive.
// (SmolLM2's lacks a few bytes, e.g. 0xF1; llama.cpp drops those and so do we: the C++ suite
// checks its round trip on text made of the bytes it has.)
test('decode(encode(s)) == s through the tool for well-formed text (Llama-3 BPE)', { skip: skipReason }, () => {
    const gguf = path.join(shared, VOCABS[1].file);
    const wellFormed = strings.filter((s) => s.isWellFormed());
    assert.ok(wellFormed.length > 9000);
    const encoded = ourTokens(gguf, wellFormed.map((text) => ({ text, special: false })));
    const decoded = ourTokens(gguf, encoded.map((ids) => ({ ids })));
    for (let i = 0; i < wellFormed.length; i++) assert.equal(decoded[i], wellFormed[i]);
});

// token_to_piece parity: decoding llama.cpp's own ids gives llama.cpp's text. (Llama-3 is left
// out: llama.cpp's detokenizer "cleans" spaces before punctuation for it, which loses text;
// ours is the exact concatenation of the pieces.)
for (const vocab of [VOCABS[0], VOCABS[2]]) {
    test(`${vocab.name}: decoding llama.cpp's tokens gives llama.cpp's text`, { skip: skipReason, timeout: 600_000 }, async () => {
        const gguf = path.join(shared, vocab.file);
        const l = await getLlamaOnce();
        const model = await l.loadModel({ modelPath: gguf, vocabOnly: true, gpuLayers: 0 });
        try {
            const idLists = strings.slice(0, 3000).map((s) => Array.from(model.tokenize(s, true)));
            const ours = ourTokens(gguf, idLists.map((ids) => ({ ids })));
            for (let i = 0; i < idLists.length; i++) {
                assert.equal(ours[i], model.detokenize(idLists[i], false), `ids ${JSON.stringify(idLists[i])}`);
            }
        } finally {
            await model.dispose();
        }
    });
}
