// Tool calls end to end on the trained tiny-py model (SmolLM2 vocabulary, ChatML; needs
// ../shared): required and named choices give calls whose arguments ajv validates against
// the tool's schema, over seeded sampling runs that repeat; a round trip with the result sent
// back; `serve` through the npm `openai` client, non-streamed, streamed (the client's own
// assembly of delta.tool_calls) and its runTools helper; a lazy grammar through generate();
// models that cannot do tools get a clear error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import OpenAI from 'openai';
import { InvalidArgumentError } from '../../../js/src/errors.js';
import { SmolLM } from '../../../js/src/index.js';
import { EngineSupervisor } from '../../../js/src/cli/serve/engine-supervisor.js';
import { createOpenAiServer } from '../../../js/src/cli/serve/server.js';
import { ROOT, SHARED, SMOLLM2_TOKENIZER, haveShared, smolModel } from '../package/support/models.mjs';

const TINY_PY = join(SHARED, 'golden/models/tiny-py-Q4_K_M.gguf');
const skip = existsSync(TINY_PY) ? false : `needs ${TINY_PY} (../shared is missing)`;

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather', description: 'The current weather of a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', maxLength: 12 }, unit: { enum: ['celsius', 'fahrenheit'] } },
        required: ['city', 'unit'], additionalProperties: false,
      },
    },
  },
  { type: 'function', function: { name: 'get_time', description: 'The current time', parameters: { type: 'object', properties: {}, additionalProperties: false } } },
  {
    type: 'function',
    function: {
      name: 'add', description: 'Adds two integers',
      parameters: {
        type: 'object',
        properties: { a: { type: 'integer', minimum: -99, maximum: 99 }, b: { type: 'integer', minimum: -99, maximum: 99 } },
        required: ['a', 'b'], additionalProperties: false,
      },
    },
  },
];
const ajv = new Ajv({ strict: false });
const validators = new Map(TOOLS.map((t) => [t.function.name, ajv.compile(t.function.parameters)]));
const MESSAGES = [{ role: 'user', content: 'What is the weather in Paris, and what time is it?' }];
const SAMPLING = { temperature: 0.9, top_k: 40, top_p: 0.95, repeat_penalty: 1.1, max_tokens: 300 };

/** Every call names a tool and has arguments (JSON text) valid against its schema. */
function assertValidCalls(message, { names = TOOLS.map((t) => t.function.name), most = Infinity } = {}) {
  assert.ok(Array.isArray(message.tool_calls) && message.tool_calls.length >= 1, JSON.stringify(message));
  assert.ok(message.tool_calls.length <= most, JSON.stringify(message.tool_calls));
  const ids = new Set();
  for (const call of message.tool_calls) {
    assert.equal(call.type, 'function');
    assert.match(call.id, /^call-/);
    ids.add(call.id);
    assert.ok(names.includes(call.function.name), call.function.name);
    assert.equal(typeof call.function.arguments, 'string');
    const validate = validators.get(call.function.name);
    assert.ok(validate(JSON.parse(call.function.arguments)), `${call.function.arguments}: ${ajv.errorsText(validate.errors)}`);
  }
  assert.equal(ids.size, message.tool_calls.length, 'ids are distinct');
}

const withoutIds = (calls) => calls.map(({ function: f }) => f);

describe('tool calls on tiny-py', { skip }, () => {
  let llm;
  before(async () => {
    llm = await SmolLM.load(TINY_PY, { worker: false, threads: 1, contextSize: 1024, cache: false });
  });
  after(async () => {
    await llm?.unload();
  });

  test('required: every seeded sampling run calls tools with valid arguments, and repeats', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = await llm.chat.completions.create({ messages: MESSAGES, tools: TOOLS, tool_choice: 'required', seed, ...SAMPLING });
      const choice = r.choices[0];
      assert.equal(choice.finish_reason, 'tool_calls', `seed ${seed}: ${JSON.stringify(choice)}`);
      assert.equal(choice.message.content, null);
      assertValidCalls(choice.message);
      if (seed <= 2) {
        const again = await llm.chat.completions.create({ messages: MESSAGES, tools: TOOLS, tool_choice: 'required', seed, ...SAMPLING });
        assert.deepEqual(withoutIds(again.choices[0].message.tool_calls), withoutIds(choice.message.tool_calls));
      }
    }
  });

  test('a named function: only it is called; parallel_tool_calls false: exactly one call', async () => {
    for (let seed = 1; seed <= 4; seed++) {
      const r = await llm.chat.completions.create({
        messages: MESSAGES, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'add' } }, seed, ...SAMPLING,
      });
      // A named choice still allows several calls; a sampled run may go on calling until
      // max_tokens cuts it mid-array (one of these seeds does since attention past 512 keys sums
      // in f32).
      // Then the reply is finish_reason 'length' with the raw text, as OpenAI's API does, and
      // every call name the grammar let through is still 'add'.
      const choice = r.choices[0];
      if (choice.finish_reason === 'length') {
        const names = [...choice.message.content.matchAll(/"name"\s*:\s*"([^"]*)"/g)].map((m) => m[1]);
        assert.ok(names.length >= 1 && names.every((n) => n === 'add'), choice.message.content);
      } else {
        assert.equal(choice.finish_reason, 'tool_calls', JSON.stringify(choice));
        assertValidCalls(choice.message, { names: ['add'] });
      }
      const one = await llm.chat.completions.create({
        messages: MESSAGES, tools: TOOLS, tool_choice: 'required', parallel_tool_calls: false, seed, ...SAMPLING,
      });
      assertValidCalls(one.choices[0].message, { most: 1 });
    }
  });

  test('auto: the answer is text or valid calls, never a half-parsed call', async () => {
    for (let seed = 1; seed <= 4; seed++) {
      const r = await llm.chat.completions.create({ messages: MESSAGES, tools: TOOLS, seed, ...SAMPLING, max_tokens: 60 });
      const { message, finish_reason: finish } = r.choices[0];
      if (message.tool_calls) {
        assert.equal(finish, 'tool_calls');
        assertValidCalls(message);
      } else {
        assert.equal(typeof message.content, 'string');
        assert.ok(['stop', 'length'].includes(finish), finish);
      }
    }
  });

  test('a round trip: the call and its result go back in; the prompt holds them in the trained format', async () => {
    const first = await llm.chat.completions.create({
      messages: MESSAGES, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_time' } }, seed: 3, ...SAMPLING,
    });
    const call = first.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_time');
    const messages = [...MESSAGES, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '12:30' }];
    const second = await llm.chat.completions.create({ messages, tools: TOOLS, tool_choice: 'none', seed: 3, ...SAMPLING, max_tokens: 20 });
    assert.equal(typeof second.choices[0].message.content, 'string');
    assert.equal(second.choices[0].message.tool_calls, undefined);
    // What the model read: the rendered turns.
    const { toolTurns } = await import('../../../js/src/tools/smollm2-tool-format.js');
    const { toolPlan } = await import('../../../js/src/tools/tool-request.js');
    const prompt = await llm.applyChatTemplate(toolTurns(messages, toolPlan({ tools: TOOLS })));
    assert.ok(prompt.includes('<|im_start|>assistant\n<tool_call>[{"name":"get_time","arguments":{}}]</tool_call><|im_end|>'), prompt);
    assert.ok(prompt.includes('<|im_start|>user\n<tool_response>\n12:30\n</tool_response><|im_end|>\n<|im_start|>assistant\n'), prompt);
    assert.ok(prompt.startsWith('<|im_start|>system\nYou are an expert in composing functions.'));
  });

  test('a tool whose parameters cannot become a grammar is an error naming it', async () => {
    const tools = [TOOLS[0], { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { x: { type: 'array', uniqueItems: true } } } } }];
    await assert.rejects(() => llm.chat.completions.create({ messages: MESSAGES, tools, tool_choice: 'required', max_tokens: 5 }),
      (e) => e instanceof InvalidArgumentError && /^tools\[1\]\.function\.parameters at #\/properties\/x.*uniqueItems/.test(e.message));
    await assert.rejects(() => llm.chat.completions.create({ messages: MESSAGES, tools: TOOLS, response_format: { type: 'json_object' } }),
      (e) => e instanceof InvalidArgumentError && /not both/.test(e.message));
  });

  test('generate({jsonSchema, grammarTrigger}): free text up to the trigger, then the schema', async () => {
    const prompt = 'def parse(text):\n    """';
    let free = '';
    const tokens = [];
    for await (const p of llm.generate(prompt, { temperature: 0, maxTokens: 24 })) {
      free += p.text;
      tokens.push(...p.tokens);
    }
    // A trigger the greedy run writes, ending at a token boundary (the text of its tokens 1
    // and 2): the text up to it stays the same, what follows is JSON. (A trigger ending inside
    // a token whose rest the grammar refuses makes the engine pick another token instead.)
    const head = await llm.detokenize(tokens.slice(0, 1));
    const trigger = await llm.detokenize(tokens.slice(1, 3));
    assert.equal(free.indexOf(trigger), head.length, free);
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
    let lazy = '';
    for await (const p of llm.generate(prompt, { temperature: 0, maxTokens: 60, jsonSchema: schema, grammarTrigger: trigger })) lazy += p.text;
    const at = lazy.indexOf(trigger);
    assert.ok(at >= 0 && lazy.slice(0, at) === free.slice(0, at), lazy);
    assert.ok(ajv.validate(schema, JSON.parse(lazy.slice(at + trigger.length))), lazy);
    assert.equal(llm.stats.finishReason, 'stop');
  });

  describe('serve through the openai client', () => {
    let supervisor;
    let server;
    let client;
    before(async () => {
      supervisor = new EngineSupervisor(async () => llm);
      await supervisor.start();
      server = createOpenAiServer(supervisor, { modelId: 'tiny-py' });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      client = new OpenAI({ baseURL: `http://127.0.0.1:${server.address().port}/v1`, apiKey: 'unused' });
    });
    after(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    });

    test('non-streamed and streamed give the same calls; the client assembles delta.tool_calls', async () => {
      const body = { model: 'tiny-py', messages: MESSAGES, tools: TOOLS, tool_choice: 'required', seed: 5, ...SAMPLING };
      const plain = await client.chat.completions.create(body);
      assert.equal(plain.choices[0].finish_reason, 'tool_calls');
      assertValidCalls(plain.choices[0].message);
      // The client library's stream helper assembles the chunks into a message.
      const stream = client.chat.completions.stream(body);
      const assembled = await stream.finalChatCompletion();
      assert.equal(assembled.choices[0].finish_reason, 'tool_calls');
      assert.deepEqual(withoutIds(assembled.choices[0].message.tool_calls), withoutIds(plain.choices[0].message.tool_calls));
      assertValidCalls(assembled.choices[0].message);
      // Raw chunks: a call's id and name come first, its arguments after, by index.
      const raw = await client.chat.completions.create({ ...body, stream: true });
      const deltas = [];
      for await (const chunk of raw) deltas.push(...(chunk.choices[0]?.delta?.tool_calls ?? []));
      assert.ok(deltas.length >= 2);
      assert.ok(deltas[0].id && deltas[0].function.name && deltas[0].index === 0);
    });

    test('runTools: the client calls our function and sends its result back', async () => {
      const calls = [];
      const runner = client.chat.completions.runTools({
        model: 'tiny-py', messages: MESSAGES, seed: 2, ...SAMPLING, stream: true,
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        tools: [{
          type: 'function',
          function: {
            name: 'get_weather', parameters: TOOLS[0].function.parameters, parse: JSON.parse,
            function: (args) => {
              calls.push(args);
              return { temperature: 21 };
            },
          },
        }],
      });
      await runner.done();
      assert.equal(calls.length, 1);
      assert.ok(validators.get('get_weather')(calls[0]), JSON.stringify(calls[0]));
      const messages = runner.messages;
      const result = messages.find((m) => m.role === 'tool');
      assert.equal(result.content, '{"temperature":21}');
      // The conversation so far goes back in through serve.
      const next = await client.chat.completions.create({ model: 'tiny-py', messages, tools: TOOLS, tool_choice: 'none', max_tokens: 16, seed: 1 });
      assert.equal(typeof next.choices[0].message.content, 'string');
    });

    test('bad tool fields and tool messages are 400s naming the param', async () => {
      const cases = [
        [{ tools: [{ type: 'function', function: { name: 'bad name' } }] }, 'tools[0].function.name'],
        [{ tools: TOOLS, tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice.function.name'],
        [{ tool_choice: 'required' }, 'tool_choice'],
        [{ tools: TOOLS, parallel_tool_calls: 'yes' }, 'parallel_tool_calls'],
        [{ messages: [{ role: 'tool', tool_call_id: 'x', content: 'r' }] }, 'messages[0].tool_call_id'],
        [{ messages: [{ role: 'tool', content: 'r' }] }, 'messages[0].tool_call_id'],
        [{ messages: [{ role: 'user', content: 'r', tool_calls: [] }] }, 'messages[0].tool_calls'],
      ];
      for (const [extra, param] of cases) {
        await assert.rejects(() => client.chat.completions.create({ model: 'tiny-py', messages: MESSAGES, max_tokens: 4, ...extra }), (e) => {
          assert.equal(e.status, 400, JSON.stringify(extra));
          assert.equal(e.param, param, e.message);
          return true;
        });
      }
    });
  });
});

test('CLI chat --tools: a call is printed, the typed result goes back, the model answers', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'smollm-tools-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tools.json');
  writeFileSync(file, JSON.stringify(TOOLS));
  const child = spawn(process.execPath, [join(ROOT, 'js/bin/smollm-wasm.js'), 'chat', '-m', TINY_PY, '-t', '1', '--tools', file,
    '--tool-choice', 'get_weather', '-n', '120', '--seed', '4']);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  // The first line is the question, the second the tool's result; then input ends.
  child.stdin.end('Weather in Oslo?\n{"temperature": 3}\n');
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const m = /tool call get_weather\((.*)\)\n/.exec(stdout);
  assert.ok(m, stdout);
  assert.ok(validators.get('get_weather')(JSON.parse(m[1])), m[1]);
  // After the result the named choice asks for the call again: a second call is printed.
  assert.equal(stdout.match(/tool call get_weather/g).length, 2, stdout);
  await assert.rejects(new Promise((resolve, reject) => {
    const bad = spawn(process.execPath, [join(ROOT, 'js/bin/smollm-wasm.js'), 'chat', '-m', TINY_PY, '--tool-choice', 'required']);
    let err = '';
    bad.stderr.on('data', (d) => { err += d; });
    bad.stdin.end('');
    bad.on('close', (c) => (c === 0 ? resolve() : reject(new Error(err))));
  }), /--tool-choice needs --tools/);
});

describe('models that cannot do tools', () => {
  test('a vocabulary without ChatML tokens: a clear error, nothing generated', { skip: haveShared ? false : 'needs ../shared (SmolLM2 tokenizer)' }, async (t) => {
    // SmolLM2's tokenizer with its ChatML tokens renamed: <|im_start|> is plain text there.
    const dir = mkdtempSync(join(tmpdir(), 'smollm-tools-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const tokenizer = join(dir, 'no-chatml-tokenizer.json');
    writeFileSync(tokenizer, readFileSync(SMOLLM2_TOKENIZER, 'utf8').replaceAll('<|im_start|>', '<|xx_start|>').replaceAll('<|im_end|>', '<|xx_end|>'));
    const llm = await SmolLM.load(smolModel({ tokenizer }), { worker: false, threads: 1, contextSize: 2048, cache: false });
    try {
      await assert.rejects(() => llm.chat.completions.create({ messages: MESSAGES, tools: TOOLS, max_tokens: 4 }),
        (e) => e instanceof InvalidArgumentError && /cannot make tool calls \(its vocabulary has no <\|im_start\|> token\)/.test(e.message));
      // tool_choice none is a plain chat, which it can do.
      const r = await llm.chat.completions.create({ messages: MESSAGES, tools: TOOLS, tool_choice: 'none', max_tokens: 4 });
      assert.equal(typeof r.choices[0].message.content, 'string');
    } finally {
      await llm.unload();
    }
  });

  test('a chat template that is not ChatML: a clear error', { skip: haveShared ? false : 'needs ../shared (SmolLM2 tokenizer)' }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'smollm-tools-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const template = join(dir, 'llama2.jinja');
    writeFileSync(template, "{% for m in messages %}{{ '[INST] ' + m['content'] + ' [/INST]' }}{% endfor %}");
    const llm = await SmolLM.load(smolModel({ chatTemplate: template }), { worker: false, threads: 1, contextSize: 256, cache: false });
    try {
      await assert.rejects(() => llm.chat.completions.create({ messages: MESSAGES, tools: TOOLS, tool_choice: 'required', max_tokens: 4 }),
        (e) => e instanceof InvalidArgumentError && /cannot make tool calls \(its chat template does not render ChatML turns\)/.test(e.message));
    } finally {
      await llm.unload();
    }
  });
});
