// Constrained decoding agrees with llama.cpp's grammar engine. For each grammar (GBNF, or a
// JSON schema through our converter), llama.cpp (node-llama-cpp) decodes greedily under the
// grammar from tiny-py; we then take llama.cpp's own raw logits at every step, remove what
// OUR grammar masks, and take the argmax (tools/grammar_mask): it must pick llama.cpp's token
// at every step, end-of-generation included. Using llama.cpp's logits isolates the grammar
// engines from the small numeric differences between the two models' forward passes.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';

import {LlamaGrammarEvaluationState, getLlama} from 'node-llama-cpp';

import {repoRoot} from './lib/ours.mjs';
import {sharedDir} from './lib/prompts.mjs';
import {nestedSchema, refsSchema} from './lib/schemas.mjs';

const modelPath = join(sharedDir, 'golden/models/tiny-py-Q4_K_M.gguf');
const tool = join(process.env.SMOLLM_BUILD_DIR ?? join(repoRoot, 'build'), 'grammar_mask');
const kMaxTokens = 32;
// llama.cpp's grammar sampler takes seconds a step on JSON grammars here, so CI runs the cases
// marked ci; SMOLLM_GRAMMAR_SET=full runs all.
const fullSet = process.env.SMOLLM_GRAMMAR_SET === 'full';

// Prompts where the model would naturally write Python, not what the grammar demands.
const cases = [
    {ci: true, name: 'letters in braces', prompt: 'def f(x):', gbnf: 'root ::= "{" [a-z]+ "}"\n'},
    {name: 'number list', prompt: 'import os\n', gbnf: 'root ::= "[" [0-9]{1,3} ("," " "? [0-9]{1,3}){0,5} "]"\n'},
    {ci: true, name: 'alternatives and a non-ASCII class', prompt: 'class A:', gbnf: 'root ::= "caf" [\\u00e0-\\u00ff] " " ("oui" | "non" | "peut-\\u00eatre")\n'},
    {name: 'identifiers and comments', prompt: '# a helper\n', gbnf: 'root ::= ("def " [a-z_]+ "(" [a-z]* "):" | "# " [^\\n]{1,30}) "\\n"\n'},
    {name: 'json_object', prompt: 'x = ', schema: {type: 'object'}},
    {ci: true, name: 'nested schema', prompt: 'config = ', schema: nestedSchema},
    {name: 'refs, anyOf and a date', prompt: 'def g():\n    return ', schema: refsSchema},
];

const missing = !existsSync(modelPath) ? `${modelPath} is missing (tests read models from ../shared)`
    : !existsSync(tool) ? `${tool} is missing (build the native tools first)` : null;

test('greedy decoding under a grammar picks llama.cpp\'s tokens', {skip: missing ?? false}, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'smollm-grammar-parity-'));
    const llama = await getLlama({gpu: false, build: 'never', logLevel: 'error'});
    const model = await llama.loadModel({modelPath});
    const ctx = await model.createContext({contextSize: 256, threads: 2, flashAttention: false});
    const seq = ctx.getSequence();
    try {
        // SMOLLM_GRAMMAR_ONLY=<substring> narrows the cases.
        for (const c of cases.filter((x) => (fullSet || x.ci) && x.name.includes(process.env.SMOLLM_GRAMMAR_ONLY ?? ''))) {
            await t.test(c.name, async () => {
                let gbnf = c.gbnf;
                if (c.schema) {
                    const schemaFile = join(work, 'schema.json');
                    writeFileSync(schemaFile, JSON.stringify(c.schema));
                    gbnf = execFileSync(tool, ['--gbnf-from-schema', schemaFile], {encoding: 'utf8'});
                }
                const grammarFile = join(work, 'grammar.gbnf');
                writeFileSync(grammarFile, gbnf);
                const prompt = model.tokenize(c.prompt);

                // llama.cpp: greedy under its grammar engine, end-of-generation token included.
                await seq.clearHistory();
                const state = new LlamaGrammarEvaluationState({model, grammar: await llama.createGrammar({grammar: gbnf})});
                const want = [];
                for await (const token of seq.evaluate(prompt, {temperature: 0, grammarEvaluationState: state, yieldEogToken: true})) {
                    want.push(token);
                    if (model.isEogToken(token) || want.length >= kMaxTokens) break;
                }

                // llama.cpp's raw logits before each of those tokens, evaluated in the same
                // batches as above (the prompt, then one token at a time) so they are the very
                // logits its sampler saw.
                await seq.clearHistory();
                const rows = [(await seq.controlledEvaluate([...prompt.slice(0, -1), [prompt.at(-1), {generateNext: {logits: true}}]])).at(-1)];
                for (const tok of want.slice(0, -1)) rows.push((await seq.controlledEvaluate([[tok, {generateNext: {logits: true}}]]))[0]);
                const n = rows[0].next.logits.size;
                const logits = new Float32Array(rows.length * n);
                rows.forEach((o, i) => {
                    for (const [id, l] of o.next.logits) logits[i * n + id] = l;
                });
                const logitsFile = join(work, 'logits.f32');
                writeFileSync(logitsFile, Buffer.from(logits.buffer));

                const ours = JSON.parse(execFileSync(tool, [modelPath, grammarFile, logitsFile, want.join(',')], {encoding: 'utf8'}));
                console.log(`# ${c.name}: ${JSON.stringify(model.detokenize(want.filter((x) => !model.isEogToken(x))))} (${want.length} tokens)`);
                const diverge = ours.choices.findIndex((x, i) => i < want.length && x !== want[i]);
                if (diverge >= 0) {
                    const row = logits.subarray(diverge * n, (diverge + 1) * n);
                    console.log(`#   step ${diverge}: llama.cpp ${want[diverge]} (logit ${row[want[diverge]]}), ours ${ours.choices[diverge]} (logit ${row[ours.choices[diverge]]})`);
                }
                assert.equal(ours.refused, -1, `our grammar refused llama.cpp's token at step ${ours.refused}`);
                assert.deepEqual(ours.choices.slice(0, want.length), want);
            });
        }
    } finally {
        await ctx.dispose();
        await model.dispose();
        rmSync(work, {recursive: true, force: true});
    }
});
