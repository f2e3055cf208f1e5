// logprobs / top_logprobs in OpenAI's shape: chat.completions.create (streamed and not, on
// this thread and through the worker), generate() pieces, serve through the official `openai`
// client, the range check, and absence when not asked. Values are checked against the
// log-softmax of the engine's own logits here; tests/parity/logprobs.test.mjs checks them
// against llama.cpp's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { SmolLM } from '../../../js/src/index.js';
import { tokenText } from '../../../js/src/logprobs.js';
import { EngineSupervisor } from '../../../js/src/cli/serve/engine-supervisor.js';
import { createOpenAiServer } from '../../../js/src/cli/serve/server.js';
import { haveShared, smolModel, syntheticModel } from '../package/support/models.mjs';

const MESSAGES = [{ role: 'user', content: 'hello' }];
const ASK = { messages: MESSAGES, temperature: 0, max_tokens: 6, ignore_eos: true, logprobs: true, top_logprobs: 3 };

// Checks one OpenAI logprobs entry list against the content it belongs to.
function checkContent(entries, content, topN) {
  assert.ok(entries.length > 0);
  const bytes = entries.flatMap((e) => e.bytes);
  assert.equal(Buffer.from(bytes).toString('utf8'), content, 'the tokens\' bytes are the content');
  for (const e of entries) {
    assert.deepEqual(Object.keys(e).sort(), ['bytes', 'logprob', 'token', 'top_logprobs']);
    assert.equal(e.token, tokenText(e.bytes));
    assert.ok(e.logprob <= 0 && Number.isFinite(e.logprob), `${e.logprob}`);
    assert.equal(e.top_logprobs.length, topN);
    for (const a of e.top_logprobs) assert.deepEqual(Object.keys(a).sort(), ['bytes', 'logprob', 'token']);
    for (let i = 1; i < e.top_logprobs.length; ++i) assert.ok(e.top_logprobs[i - 1].logprob >= e.top_logprobs[i].logprob);
    if (topN > 0) assert.ok(e.top_logprobs[0].logprob >= e.logprob);
  }
}

test('token text: whole UTF-8 characters as text, a partial one in OpenAI\'s bytes: form', () => {
  assert.equal(tokenText([0x68, 0x69]), 'hi');
  assert.equal(tokenText([0xc3, 0xa9]), 'é');
  assert.equal(tokenText([0xe2, 0x80]), 'bytes:\\xe2\\x80');
  assert.equal(tokenText([]), '');
});

for (const worker of [false, true]) {
  describe(`chat completions with logprobs (${worker ? 'worker' : 'this thread'})`, () => {
    let llm;
    before(async () => {
      llm = await SmolLM.load(syntheticModel(), { worker, threads: 1, contextSize: 128, cache: false });
    });
    after(() => llm?.unload());

    test('not streamed: choices[0].logprobs.content, one entry per token, with top_logprobs', async () => {
      const r = await llm.chat.completions.create(ASK);
      const { logprobs, message } = r.choices[0];
      assert.equal(logprobs.refusal, null);
      assert.equal(logprobs.content.length, r.usage.completion_tokens);
      checkContent(logprobs.content, message.content, 3);
      // Greedy without bias: the chosen token is the most likely one.
      for (const e of logprobs.content) assert.equal(e.top_logprobs[0].logprob, e.logprob);
    });

    test('streamed: each chunk carries its content\'s tokens; together they equal the whole', async () => {
      const whole = await llm.chat.completions.create(ASK);
      const stream = await llm.chat.completions.create({ ...ASK, stream: true });
      const entries = [];
      let content = '';
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        content += choice.delta.content ?? '';
        if (choice.logprobs) entries.push(...choice.logprobs.content);
      }
      assert.equal(content, whole.choices[0].message.content);
      assert.deepEqual(entries, whole.choices[0].logprobs.content);
    });

    test('absent unless asked; top_logprobs 0 gives empty lists; the range is 0..20', async () => {
      const plain = await llm.chat.completions.create({ ...ASK, logprobs: undefined, top_logprobs: undefined });
      assert.equal('logprobs' in plain.choices[0], false);
      const off = await llm.chat.completions.create({ ...ASK, logprobs: false, top_logprobs: 0 });
      assert.equal('logprobs' in off.choices[0], false);
      for await (const chunk of await llm.chat.completions.create({ ...ASK, logprobs: false, top_logprobs: 0, stream: true })) {
        assert.equal('logprobs' in chunk.choices[0], false);
      }
      const none = await llm.chat.completions.create({ ...ASK, top_logprobs: 0 });
      checkContent(none.choices[0].logprobs.content, none.choices[0].message.content, 0);
      const most = await llm.chat.completions.create({ ...ASK, top_logprobs: 20 });
      checkContent(most.choices[0].logprobs.content, most.choices[0].message.content, 20);
      for (const bad of [21, -1, 2.5, '3']) {
        await assert.rejects(() => llm.chat.completions.create({ ...ASK, top_logprobs: bad }), /topLogprobs must be an integer >= 0 and <= 20/);
      }
      await assert.rejects(() => llm.chat.completions.create({ ...ASK, logprobs: false }), /topLogprobs needs logprobs: true/);
    });

    test('generate() pieces carry logprobs parallel to their tokens', async () => {
      let text = '';
      const all = [];
      for await (const piece of llm.generate('hello', { temperature: 0, maxTokens: 5, ignoreEos: true, logprobs: true, topLogprobs: 2 })) {
        assert.deepEqual(piece.logprobs.map((t) => t.id), piece.tokens);
        text += piece.text;
        all.push(...piece.logprobs);
      }
      assert.equal(all.length, 5);
      assert.equal(Buffer.from(all.flatMap((t) => t.bytes)).toString('utf8'), text);
      for (const t of all) {
        assert.equal(t.topLogprobs.length, 2);
        assert.equal(t.topLogprobs[0].id, t.id);   // greedy
      }
    });
  });
}

test('a token holding part of a UTF-8 character: its raw bytes, and OpenAI\'s bytes: text', { skip: haveShared ? false : '../shared/smollm2/tokenizer.json is absent' }, async () => {
  const llm = await SmolLM.load(smolModel(), { worker: false, threads: 1, contextSize: 128, cache: false });
  try {
    // SmolLM2's token 321 is the bytes E2 80, the start of ’ “ ” and —; 417 is E2 80 99 (’).
    const r = await llm.chat.completions.create({ messages: MESSAGES, max_tokens: 1, temperature: 0, logprobs: true, logit_bias: { 321: 100 } });
    const [entry] = r.choices[0].logprobs.content;
    assert.deepEqual(entry.bytes, [0xe2, 0x80]);
    assert.equal(entry.token, 'bytes:\\xe2\\x80');
    const whole = await llm.chat.completions.create({ messages: MESSAGES, max_tokens: 1, temperature: 0, logprobs: true, logit_bias: { 417: 100 } });
    assert.deepEqual(whole.choices[0].logprobs.content[0], { ...whole.choices[0].logprobs.content[0], token: '\u2019', bytes: [0xe2, 0x80, 0x99] });
    assert.equal(whole.choices[0].message.content, '\u2019');
  } finally {
    await llm.unload();
  }
});

describe('serve: logprobs through the official openai client', () => {
  let server;
  let supervisor;
  let client;
  before(async () => {
    supervisor = new EngineSupervisor(() => SmolLM.load(syntheticModel(), { worker: false, threads: 1, contextSize: 128, cache: false }));
    await supervisor.start();
    server = createOpenAiServer(supervisor, { modelId: 'synthetic' });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new OpenAI({ baseURL: `http://127.0.0.1:${server.address().port}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await supervisor?.stop();
  });

  test('not streamed and streamed', async () => {
    const r = await client.chat.completions.create({ model: 'synthetic', ...ASK });
    checkContent(r.choices[0].logprobs.content, r.choices[0].message.content, 3);
    const entries = [];
    let content = '';
    for await (const chunk of await client.chat.completions.create({ model: 'synthetic', ...ASK, stream: true })) {
      content += chunk.choices[0]?.delta?.content ?? '';
      entries.push(...chunk.choices[0]?.logprobs?.content ?? []);
    }
    assert.equal(content, r.choices[0].message.content);
    assert.deepEqual(entries, r.choices[0].logprobs.content);
  });

  test('a bad top_logprobs is a 400 naming it; without logprobs it is refused', async () => {
    await assert.rejects(() => client.chat.completions.create({ model: 'synthetic', ...ASK, top_logprobs: 21 }),
      (e) => e.status === 400 && e.param === 'top_logprobs');
    await assert.rejects(() => client.chat.completions.create({ model: 'synthetic', ...ASK, logprobs: false }),
      (e) => e.status === 400 && /top_?[lL]ogprobs needs logprobs/.test(e.message));
    const plain = await client.chat.completions.create({ model: 'synthetic', messages: MESSAGES, max_tokens: 2 });
    assert.equal(plain.choices[0].logprobs ?? null, null);
  });
});
