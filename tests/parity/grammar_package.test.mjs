// Constrained decoding through the package (the wasm build, 2 threads) agrees with llama.cpp:
// for GBNF grammars and JSON schemas, tiny-py's greedy tokens under `generate({grammar})` /
// `generate({jsonSchema})` equal llama.cpp's under its grammar engine (node-llama-cpp's
// `llama.createGrammar`), end of generation included. For a schema llama.cpp gets the GBNF
// our converter makes (tools/grammar_mask --gbnf-from-schema): node-llama-cpp's
// createGrammarForJsonSchema is its own converter, not llama.cpp's json-schema-to-grammar
// (it ignores `minimum` and lets the output end in newlines), so it is no reference; our
// converter's rules are checked against llama.cpp's in tests/cpp/grammar. The prompts make the model want
// Python, not what the grammar demands. A divergence is allowed only at a near-tie of
// llama.cpp's own logits (its choice and ours within kTieGap: the two forward passes differ
// by ~1e-3 there, lib/thresholds.mjs), and is reported.
//
// Then a randomized sampling run (every sampler option, random seeds) whose every output must
// parse and validate against its schema (ajv), and the error of a bad grammar.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';

import Ajv from 'ajv';
import {LlamaGrammarEvaluationState, getLlama} from 'node-llama-cpp';

import {repoRoot} from './lib/ours.mjs';
import {sharedDir} from './lib/prompts.mjs';
import {nestedSchema, refsSchema} from './lib/schemas.mjs';

const modelPath = join(sharedDir, 'golden/models/tiny-py-Q4_K_M.gguf');
const wasmBuilt = existsSync(join(repoRoot, 'js/wasm/smollm-mt.wasm'));
const tool = join(process.env.SMOLLM_BUILD_DIR ?? join(repoRoot, 'build'), 'grammar_mask');
const kMaxTokens = 24;
const kTieGap = 0.02;

const nested = nestedSchema;

const cases = [
    {name: 'letters in braces', prompt: 'def f(x):', grammar: 'root ::= "{" [a-z]+ "}"\n'},
    {name: 'alternatives, repetition and a non-ASCII class', prompt: 'class A:',
        grammar: 'root ::= "caf" [\\u00e0-\\u00ff] " " ("oui" | "non") (", " [0-9]{1,2}){2}\n'},
    {name: 'a keyword the model wants to write', prompt: 'import os\nimport', grammar: 'root ::= " " ("json" | "yaml") "\\n"\n'},
    {name: 'enum schema', prompt: 'x = ', jsonSchema: {enum: ['red', 'green', 'blue']}},
    {name: 'nested schema', prompt: 'config = ', jsonSchema: nested},
    {name: 'json_object mode', prompt: 'def h():\n    return ', jsonSchema: {type: 'object'}},
    {name: 'refs, anyOf and a date', prompt: 'def g():\n    return ', jsonSchema: refsSchema},
];

const missing = !existsSync(modelPath) ? `${modelPath} is missing (tests read models from ../shared)`
    : !wasmBuilt ? 'js/wasm/smollm-mt.wasm is not built (the wasm build writes it)' : null;
const missingTool = missing ?? (!existsSync(tool) ? `${tool} is missing (build the native tools first)` : null);

// Our converter's GBNF of a schema, for llama.cpp's grammar engine.
function gbnfOf(schema) {
    const dir = mkdtempSync(join(tmpdir(), 'smollm-grammar-package-'));
    try {
        writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
        return execFileSync(tool, ['--gbnf-from-schema', join(dir, 'schema.json')], {encoding: 'utf8'});
    } finally {
        rmSync(dir, {recursive: true, force: true});
    }
}

async function loadOurs() {
    const {SmolLM} = await import('../../js/src/index.js');
    return SmolLM.load(modelPath, {worker: false, threads: 2, contextSize: 512, cache: false});
}

test('greedy decoding under a grammar through the package picks llama.cpp\'s tokens', {skip: missingTool ?? false}, async (t) => {
    const llama = await getLlama({gpu: false, build: 'never', logLevel: 'error'});
    const model = await llama.loadModel({modelPath});
    const ctx = await model.createContext({contextSize: 256, threads: 2, flashAttention: false});
    const seq = ctx.getSequence();
    const ours = await loadOurs();
    try {
        for (const c of cases) {
            await t.test(c.name, async () => {
                const grammar = await llama.createGrammar({grammar: c.grammar ?? gbnfOf(c.jsonSchema)});
                const prompt = model.tokenize(c.prompt);
                await seq.clearHistory();
                const state = new LlamaGrammarEvaluationState({model, grammar});
                const want = [];
                for await (const token of seq.evaluate(prompt, {temperature: 0, grammarEvaluationState: state, yieldEogToken: true})) {
                    if (model.isEogToken(token)) break;
                    want.push(token);
                    if (want.length >= kMaxTokens) break;
                }
                const got = [];
                const constraint = c.grammar !== undefined ? {grammar: c.grammar} : {jsonSchema: c.jsonSchema};
                let text = '';
                for await (const piece of ours.generate(c.prompt, {...constraint, temperature: 0, maxTokens: kMaxTokens, addBos: false})) {
                    got.push(...piece.tokens);
                    text += piece.text;
                }
                console.log(`# ${c.name}: llama.cpp ${JSON.stringify(model.detokenize(want))}, ours ${JSON.stringify(text)}`);
                let i = 0;
                while (i < want.length && i < got.length && want[i] === got[i]) i++;
                if (i === want.length && i === got.length) return;
                // A divergence: only at a near-tie of llama.cpp's own logits at that step.
                assert.ok(i < want.length && i < got.length, `one side ended early at step ${i}: llama.cpp ${want.length}, ours ${got.length} tokens`);
                await seq.clearHistory();
                const context = [...prompt, ...want.slice(0, i)];
                const row = (await seq.controlledEvaluate([...context.slice(0, -1), [context.at(-1), {generateNext: {logits: true}}]])).at(-1);
                const logits = row.next.logits;
                const gap = logits.get(want[i]) - logits.get(got[i]);
                console.log(`#   step ${i}: llama.cpp ${want[i]}, ours ${got[i]}, llama.cpp's logit gap ${gap.toFixed(5)}`);
                assert.ok(Math.abs(gap) <= kTieGap, `diverged at step ${i} with a logit gap of ${gap} (> ${kTieGap})`);
            });
        }
    } finally {
        await ours.unload();
        await ctx.dispose();
        await model.dispose();
    }
});

test('every sampled output under a schema parses and validates (ajv), seeds repeat', {skip: missing ?? false}, async () => {
    const ours = await loadOurs();
    const ajv = new Ajv({strict: false});
    const schemas = [
        nested,
        {type: 'array', items: {anyOf: [{type: 'integer', minimum: 0, maximum: 99}, {type: 'null'}]}, minItems: 2, maxItems: 4},
        {$defs: {point: {type: 'object', properties: {x: {type: 'number'}, y: {type: 'number'}}, required: ['x', 'y'], additionalProperties: false}},
            type: 'object', properties: {from: {$ref: '#/$defs/point'}, to: {$ref: '#/$defs/point'}, label: {type: 'string', maxLength: 8}},
            required: ['from', 'to'], additionalProperties: false},
    ];
    try {
        let n = 0;
        for (const [k, schema] of schemas.entries()) {
            const validate = ajv.compile(schema);
            for (let seed = 1; seed <= 4; seed++) {
                const options = {jsonSchema: schema, temperature: 1.1, topK: 50, topP: 0.95, minP: 0.02, repeatPenalty: 1.05,
                    presencePenalty: 0.2, frequencyPenalty: 0.1, seed: seed * 7919 + k, maxTokens: 400};
                let text = '';
                for await (const piece of ours.generate('data = ', options)) text += piece.text;
                assert.equal(ours.stats?.finishReason, 'stop', text);
                let value;
                assert.doesNotThrow(() => { value = JSON.parse(text); }, `schema ${k}, seed ${seed}: ${text}`);
                assert.ok(validate(value), `schema ${k}, seed ${seed}: ${text}: ${ajv.errorsText(validate.errors)}`);
                if (seed === 1) {
                    let again = '';
                    for await (const piece of ours.generate('data = ', options)) again += piece.text;
                    assert.equal(again, text, 'the same seed repeats');
                }
                n++;
            }
        }
        console.log(`# ${n} sampled outputs valid`);
    } finally {
        await ours.unload();
    }
});
