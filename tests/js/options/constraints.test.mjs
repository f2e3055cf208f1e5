// Constrained decoding on every surface (writer model, synthetic vocabulary: no ../shared):
// response_format maps onto jsonSchema; chat.completions.create, `serve` through the npm
// `openai` client (streamed and not, `grammar` extension field) and the CLI's --grammar-file
// and --json-schema give output that the grammar or schema accepts; bad grammars, schemas and
// response formats are clear errors (400s naming the param, exit code 1 naming the line).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { InvalidArgumentError } from '../../../js/src/errors.js';
import { SmolLM } from '../../../js/src/index.js';
import { fromOpenAi, responseFormatSchema } from '../../../js/src/options/openai.js';
import { EngineSupervisor } from '../../../js/src/cli/serve/engine-supervisor.js';
import { createOpenAiServer } from '../../../js/src/cli/serve/server.js';
import { ROOT, syntheticModel } from '../package/support/models.mjs';

const CLI = join(ROOT, 'js/bin/smollm-wasm.js');
const run = promisify(execFile);

// Short, closed answers: the random model must finish them within the token limit.
const SCHEMA = {
  type: 'object',
  properties: { answer: { enum: ['yes', 'no'] }, score: { type: 'integer', minimum: 0, maximum: 9 } },
  required: ['answer', 'score'],
  additionalProperties: false,
};
const valid = (text) => {
  const v = JSON.parse(text);
  return ['yes', 'no'].includes(v.answer) && Number.isInteger(v.score) && v.score >= 0 && v.score <= 9 && Object.keys(v).length === 2;
};
const GRAMMAR = 'root ::= "<" [a-z]{2,4} ">" ("!" | "?")\n';

describe('response_format', () => {
  test('maps onto jsonSchema; text is no constraint', () => {
    assert.equal(responseFormatSchema({ type: 'text' }), undefined);
    assert.deepEqual(responseFormatSchema({ type: 'json_object' }), { type: 'object' });
    assert.deepEqual(responseFormatSchema({ type: 'json_schema', json_schema: { name: 'a', schema: SCHEMA, strict: true } }), SCHEMA);
    assert.deepEqual(fromOpenAi({ response_format: { type: 'json_object' }, temperature: 0 }), { temperature: 0, jsonSchema: { type: 'object' } });
    assert.deepEqual(fromOpenAi({ grammar: GRAMMAR }), { grammar: GRAMMAR });
  });

  test('bad formats are InvalidArgumentErrors naming the part', () => {
    for (const [format, at] of [
      [{ type: 'xml' }, 'response_format.type'], ['json', 'response_format'],
      [{ type: 'json_schema' }, 'response_format.json_schema'],
      [{ type: 'json_schema', json_schema: { schema: SCHEMA } }, 'response_format.json_schema.name'],
      [{ type: 'json_schema', json_schema: { name: 'x', schema: [] } }, 'response_format.json_schema.schema'],
    ]) {
      assert.throws(() => responseFormatSchema(format), (e) => e instanceof InvalidArgumentError && e.message.startsWith(`${at} `), JSON.stringify(format));
    }
    assert.throws(() => fromOpenAi({ response_format: { type: 'json_object' }, json_schema: SCHEMA }), /not both/);
  });
});

describe('constrained generation through the package, serve and the CLI', () => {
  let llm;
  let supervisor;
  let server;
  let client;
  let files;
  before(async () => {
    files = mkdtempSync(join(tmpdir(), 'smollm-constraints-'));
    supervisor = new EngineSupervisor(() => SmolLM.load(syntheticModel(), { worker: false, threads: 1, contextSize: 512, cache: false }));
    llm = await supervisor.start();
    server = createOpenAiServer(supervisor, { modelId: 'synthetic' });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new OpenAI({ baseURL: `http://127.0.0.1:${server.address().port}/v1`, apiKey: 'unused' });
  });
  after(async () => {
    // First: when before() failed before making the server, the wait on its close never ends.
    if (files) rmSync(files, { recursive: true, force: true });
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await supervisor?.stop();
  });

  test('generate({grammar}) and generate({jsonSchema}) with sampling: every output belongs', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      const sampling = { temperature: 1.5, topK: 40, topP: 0.95, repeatPenalty: 1.2, seed, maxTokens: 300 };
      let text = '';
      for await (const piece of llm.generate('hello', { ...sampling, grammar: GRAMMAR })) text += piece.text;
      assert.match(text, /^<[a-z]{2,4}>[!?]$/, `seed ${seed}`);
      text = '';
      for await (const piece of llm.generate('hello', { ...sampling, jsonSchema: SCHEMA })) text += piece.text;
      assert.ok(valid(text), `seed ${seed}: ${text}`);
      assert.equal(llm.stats?.finishReason, 'stop');
    }
  });

  test('chat.completions.create: response_format json_schema and json_object, and grammar', async () => {
    const messages = [{ role: 'user', content: 'Answer in JSON.' }];
    const r = await llm.chat.completions.create({
      messages, temperature: 0.8, seed: 5, max_tokens: 300,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA, strict: true } },
    });
    assert.ok(valid(r.choices[0].message.content), r.choices[0].message.content);
    assert.equal(r.choices[0].finish_reason, 'stop');
    const g = await llm.chat.completions.create({ messages, grammar: GRAMMAR, max_tokens: 20 });
    assert.match(g.choices[0].message.content, /^<[a-z]{2,4}>[!?]$/);
    // json_object: an object (the random model may run past the limit; what it wrote so far
    // is still an object's beginning).
    const o = await llm.chat.completions.create({ messages, temperature: 0, max_tokens: 40, response_format: { type: 'json_object' } });
    assert.match(o.choices[0].message.content, /^\s*\{/);
  });

  test('serve through the openai client: response_format, streamed and not; the grammar extension', async () => {
    const messages = [{ role: 'user', content: 'Answer in JSON.' }];
    const response_format = { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA, strict: true } };
    const r = await client.chat.completions.create({ model: 'synthetic', messages, response_format, max_tokens: 300, seed: 3 });
    assert.ok(valid(r.choices[0].message.content), r.choices[0].message.content);
    const stream = await client.chat.completions.create({ model: 'synthetic', messages, response_format, max_tokens: 300, seed: 3, stream: true });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(streamed, r.choices[0].message.content);
    const g = await client.chat.completions.create({ model: 'synthetic', messages, grammar: GRAMMAR, max_tokens: 20 });
    assert.match(g.choices[0].message.content, /^<[a-z]{2,4}>[!?]$/);
    const c = await client.completions.create({ model: 'synthetic', prompt: 'hello', json_schema: SCHEMA, max_tokens: 300 });
    assert.ok(valid(c.choices[0].text), c.choices[0].text);
  });

  test('serve: bad grammars, schemas and formats are 400s', async () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const cases = [
      [{ grammar: 'root ::= "a"\nx ::= [a-\n' }, /grammar: line 2, column/, undefined],
      [{ response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object', properties: { a: { type: 'string', uniqueItems: true } } } } } }, /uniqueItems/, undefined],
      [{ response_format: { type: 'xml' } }, /must be/, 'response_format.type'],
      [{ response_format: { type: 'json_object' }, json_schema: SCHEMA }, /conflicts/, 'json_schema'],
      [{ json_schema: 'not json' }, /JSON schema/, 'json_schema'],
    ];
    // Streamed or not: the engine refuses a bad grammar or schema before the answer starts.
    for (const stream of [false, true]) {
      for (const [extra, message, param] of cases) {
        await assert.rejects(() => client.chat.completions.create({ model: 'synthetic', messages, max_tokens: 4, stream, ...extra }), (e) => {
          assert.equal(e.status, 400, JSON.stringify({ stream, ...extra }));
          assert.match(e.message, message);
          if (param) assert.equal(e.param, param);
          return true;
        });
      }
      await assert.rejects(() => client.completions.create({ model: 'synthetic', prompt: 'hi', max_tokens: 4, stream, grammar: 'root ::= [a-\n' }), (e) => {
        assert.equal(e.status, 400, `completions, stream ${stream}`);
        assert.match(e.message, /grammar: line 1, column/);
        return true;
      });
    }
  });

  test('CLI: --json-schema and --grammar-file constrain generate and chat; a bad grammar exits 1 naming its line', async () => {
    const schemaFile = join(files, 'schema.json');
    const grammarFile = join(files, 'g.gbnf');
    writeFileSync(schemaFile, JSON.stringify(SCHEMA));
    writeFileSync(grammarFile, GRAMMAR);
    const model = syntheticModel();
    const json = await run(process.execPath, [CLI, 'generate', '-m', model, '-p', 'hello', '-t', '1', '-n', '300', '--json-schema', schemaFile]);
    assert.ok(valid(json.stdout), json.stdout);
    const g = await run(process.execPath, [CLI, 'generate', '-m', model, '-p', 'hello', '-t', '1', '-n', '60', '--grammar-file', grammarFile, '--seed', '9', '--temperature', '1']);
    assert.match(g.stdout, /^<[a-z]{2,4}>[!?]\n$/);
    writeFileSync(grammarFile, 'root ::= "a"\nbad ::= [z-\n');
    await assert.rejects(() => run(process.execPath, [CLI, 'generate', '-m', model, '-p', 'hello', '-t', '1', '--grammar-file', grammarFile]),
      (e) => e.code === 1 && /InvalidArgumentError: grammar: line 2, column/.test(e.stderr));
    await assert.rejects(() => run(process.execPath, [CLI, 'generate', '-m', model, '-p', 'x', '--json-schema', join(files, 'missing.json')]),
      (e) => e.code !== 0 && /--json-schema: cannot read/.test(e.stderr));
  });
});
