// JSON schema `pattern` and `format` agree with llama.cpp's json-schema-to-grammar, end to
// end: llama.cpp (node-llama-cpp) decodes from tiny-py under the GBNF that llama.cpp's own
// converter makes of each schema (llamaGbnf below), and our converter's GBNF must allow the
// same tokens:
// - greedy: we take llama.cpp's raw logits at every step, remove what OUR grammar masks and
//   take the argmax (tools/grammar_mask, as in grammar.test.mjs): it must pick llama.cpp's
//   token at every step, end-of-generation included;
// - sampled (seeded, temperature 1): every run under llama.cpp's grammar is accepted by ours,
//   and every run that llama.cpp's engine samples under OUR grammar is accepted by llama.cpp's.
// node-llama-cpp's createGrammarForJsonSchema has its own converter without `pattern`, so
// llamaGbnf is what llama.cpp's common/json-schema-to-grammar.cpp (the release node-llama-cpp
// 3.22.1 builds, node_modules/node-llama-cpp/llama/gitRelease.bundle) prints for the schema:
// json_schema_to_grammar(common_json::parse(schema), true).
// Patterns here stay where both converters mean the same: llama.cpp writes `.`, negated
// classes and `"` unescaped (invalid JSON) and accepts any string for an unanchored pattern
// or for `\d`, where ours escapes, searches and converts (tests/cpp/grammar/regex_to_gbnf_test).
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';

import {LlamaGrammarEvaluationState, getLlama} from 'node-llama-cpp';

import {repoRoot} from './lib/ours.mjs';
import {sharedDir} from './lib/prompts.mjs';

const modelPath = join(sharedDir, 'golden/models/tiny-py-Q4_K_M.gguf');
const tool = join(process.env.SMOLLM_BUILD_DIR ?? join(repoRoot, 'build'), 'grammar_mask');
const kMaxTokens = 32;
// CI runs the cases marked ci with 2 sampling seeds; SMOLLM_GRAMMAR_SET=full runs all with 6.
const fullSet = process.env.SMOLLM_GRAMMAR_SET === 'full';
const seeds = fullSet ? [1, 2, 3, 4, 5, 6] : [1, 2];

// Prompts where the model would naturally write Python, not what the schema demands.
const cases = [
    {ci: true, name: 'pattern: letters, a dash and counted digits', prompt: 'def f(x):',
        schema: {'type': 'string', 'pattern': '^[A-Z]{2}-[0-9]{3,4}$'},
        llamaGbnf: String.raw`root ::= "\"" (root-1{2,2} "-" root-2{3,4}) "\""
root-1 ::= [A-Z]
root-2 ::= [0-9]
space ::= | " " | "\n"{1,2} [ \t]{0,20}
`},
    {name: 'pattern: snake_case identifier', prompt: 'import os\n',
        schema: {'type': 'string', 'pattern': '^[a-z]+(_[a-z0-9]+)*$'},
        llamaGbnf: String.raw`root ::= "\"" ([a-z]+ ("_" [a-z0-9]+)*) "\""
space ::= | " " | "\n"{1,2} [ \t]{0,20}
`},
    {ci: true, name: 'pattern: groups, alternation and +', prompt: 'class A:',
        schema: {'type': 'string', 'pattern': '^(foo|ba(r|z))+$'},
        llamaGbnf: String.raw`root ::= "\"" (("foo" | "ba" ("r" | "z"))+) "\""
space ::= | " " | "\n"{1,2} [ \t]{0,20}
`},
    {name: 'pattern: optional parts and escaped dots', prompt: 'version = ',
        schema: {'type': 'string', 'pattern': '^v?[0-9]{1,2}\\.[0-9]{1,2}(\\.[0-9]+)?$'},
        llamaGbnf: String.raw`root ::= "\"" ("v"? root-1{1,2} "." root-1{1,2} ("." [0-9]+)?) "\""
root-1 ::= [0-9]
space ::= | " " | "\n"{1,2} [ \t]{0,20}
`},
    {name: 'pattern and date properties in an object', prompt: 'record = ',
        schema: {'type': 'object', 'properties': {'id': {'type': 'string', 'pattern': '^[a-f0-9]{4}-[a-f0-9]{4}$'}, 'day': {'type': 'string', 'format': 'date'}}, 'required': ['id', 'day'], 'additionalProperties': false},
        llamaGbnf: String.raw`date ::= [0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] )
date-string ::= "\"" date "\""
day ::= date-string
day-kv ::= "\"day\"" space ":" space day
id ::= "\"" (id-1{4,4} "-" id-1{4,4}) "\""
id-1 ::= [a-f0-9]
id-kv ::= "\"id\"" space ":" space id
root ::= "{" space id-kv "," space day-kv space "}"
space ::= | " " | "\n"{1,2} [ \t]{0,20}
`},
    {name: 'format: time', prompt: 'def g():\n    return ',
        schema: {'type': 'string', 'format': 'time'},
        llamaGbnf: String.raw`root ::= time-string
space ::= | " " | "\n"{1,2} [ \t]{0,20}
time ::= ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | ( "+" | "-" ) ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )
time-string ::= "\"" time "\""
`},
    {ci: true, name: 'format: date-time', prompt: 'x = ',
        schema: {'type': 'string', 'format': 'date-time'},
        llamaGbnf: String.raw`date ::= [0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] )
date-time ::= date "T" time
date-time-string ::= "\"" date-time "\""
root ::= date-time-string
space ::= | " " | "\n"{1,2} [ \t]{0,20}
time ::= ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | ( "+" | "-" ) ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )
`},
    {name: 'format: uuid', prompt: '# id\n',
        schema: {'type': 'string', 'format': 'uuid'},
        llamaGbnf: String.raw`root ::= "\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\""
space ::= | " " | "\n"{1,2} [ \t]{0,20}
`},
];

const missing = !existsSync(modelPath) ? `${modelPath} is missing (tests read models from ../shared)`
    : !existsSync(tool) ? `${tool} is missing (build the native tools first)` : null;

test('schemas with pattern and format: our grammar allows llama.cpp\'s tokens', {skip: missing ?? false}, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'smollm-grammar-pattern-'));
    const llama = await getLlama({gpu: false, build: 'never', logLevel: 'error'});
    const model = await llama.loadModel({modelPath});
    const ctx = await model.createContext({contextSize: 256, threads: 2, flashAttention: false});
    const seq = ctx.getSequence();

    // llama.cpp's tokens under `gbnf` from `prompt`: greedy, or sampled with `seed`.
    async function decode(prompt, gbnf, seed) {
        await seq.clearHistory();
        const state = new LlamaGrammarEvaluationState({model, grammar: await llama.createGrammar({grammar: gbnf})});
        const options = seed === undefined ? {temperature: 0} : {temperature: 1, seed};
        const tokens = [];
        for await (const token of seq.evaluate(prompt, {...options, grammarEvaluationState: state, yieldEogToken: true})) {
            tokens.push(token);
            if (model.isEogToken(token) || tokens.length >= kMaxTokens) break;
        }
        return tokens;
    }

    // Replays `tokens` through our matcher under `gbnf` (tools/grammar_mask) over `logits`
    // (rows of n_vocab floats, one per step).
    function replay(gbnf, tokens, logits) {
        const grammarFile = join(work, 'grammar.gbnf');
        const logitsFile = join(work, 'logits.f32');
        writeFileSync(grammarFile, gbnf);
        writeFileSync(logitsFile, Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength));
        return JSON.parse(execFileSync(tool, [modelPath, grammarFile, logitsFile, tokens.join(',')], {encoding: 'utf8'}));
    }

    const text = (tokens) => JSON.stringify(model.detokenize(tokens.filter((x) => !model.isEogToken(x))));
    try {
        // SMOLLM_GRAMMAR_ONLY=<substring> narrows the cases.
        for (const c of cases.filter((x) => (fullSet || x.ci) && x.name.includes(process.env.SMOLLM_GRAMMAR_ONLY ?? ''))) {
            await t.test(c.name, async () => {
                const schemaFile = join(work, 'schema.json');
                writeFileSync(schemaFile, JSON.stringify(c.schema));
                const ours = execFileSync(tool, ['--gbnf-from-schema', schemaFile], {encoding: 'utf8'});
                const prompt = model.tokenize(c.prompt);

                const want = await decode(prompt, c.llamaGbnf);
                // llama.cpp's raw logits before each of those tokens, evaluated in the same
                // batches as above so they are the very logits its sampler saw.
                await seq.clearHistory();
                const rows = [(await seq.controlledEvaluate([...prompt.slice(0, -1), [prompt.at(-1), {generateNext: {logits: true}}]])).at(-1)];
                for (const tok of want.slice(0, -1)) rows.push((await seq.controlledEvaluate([[tok, {generateNext: {logits: true}}]]))[0]);
                const nVocab = rows[0].next.logits.size;
                const logits = new Float32Array(rows.length * nVocab);
                rows.forEach((o, i) => {
                    for (const [id, l] of o.next.logits) logits[i * nVocab + id] = l;
                });
                const greedy = replay(ours, want, logits);
                console.log(`# ${c.name}: greedy ${text(want)} (${want.length} tokens)`);
                assert.equal(greedy.refused, -1, `our grammar refused llama.cpp's token at step ${greedy.refused}`);
                assert.deepEqual(greedy.choices.slice(0, want.length), want);

                // Sampled runs: only acceptance matters, so the logits are zeros.
                for (const seed of seeds) {
                    const theirs = await decode(prompt, c.llamaGbnf, seed);
                    const oursRun = await decode(prompt, ours, seed);
                    console.log(`#   seed ${seed}: llama.cpp's grammar ${text(theirs)}, ours ${text(oursRun)}`);
                    const zeros = (k) => new Float32Array(k * nVocab);
                    const a = replay(ours, theirs, zeros(theirs.length));
                    assert.equal(a.refused, -1, `seed ${seed}: our grammar refused step ${a.refused} of ${text(theirs)}`);
                    const b = replay(c.llamaGbnf, oursRun, zeros(oursRun.length));
                    assert.equal(b.refused, -1, `seed ${seed}: llama.cpp's grammar refused step ${b.refused} of ${text(oursRun)}`);
                }
            });
        }
    } finally {
        await ctx.dispose();
        await model.dispose();
        rmSync(work, {recursive: true, force: true});
    }
});
