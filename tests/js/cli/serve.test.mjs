// `smollm-wasm serve` answers the official OpenAI client, streaming and not, and guards its
// inputs (size limit, JSON, routes) and its queue (a client that leaves frees the model).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import OpenAI from 'openai';
import { ROOT, haveShared, smolModel } from '../package/support/models.mjs';

const skip = haveShared ? false : '../shared/smollm2/tokenizer.json is absent';

describe('smollm-wasm serve', { skip }, () => {
  let child;
  let base;
  let client;
  before(async () => {
    child = spawn(process.execPath, [join(ROOT, 'js/bin/smollm-wasm.js'), 'serve', '-m', smolModel(), '--port', '0', '--threads', '2', '--ctx', '512']);
    base = await new Promise((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        const m = /on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(err);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused' });
  });
  after(() => child?.kill('SIGTERM'));

  test('binds loopback and lists the model', async () => {
    assert.match(base, /^http:\/\/127\.0\.0\.1:/);
    const models = await client.models.list();
    assert.equal(models.data.length, 1);
    assert.equal(models.data[0].object, 'model');
  });

  test('non-streaming chat completion', async () => {
    const r = await client.chat.completions.create({
      model: 'any', messages: [{ role: 'user', content: 'Say something.' }], max_tokens: 6, temperature: 0,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(typeof r.choices[0].message.content, 'string');
    assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
    assert.ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= 6);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  });

  test('streaming chat completion gives the same text as non-streaming', async () => {
    const params = { model: 'any', messages: [{ role: 'user', content: 'Count.' }], max_tokens: 8, temperature: 0 };
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({ ...params, stream: true });
    let text = '';
    let last = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      last = chunk;
    }
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(last.choices[0].finish_reason, whole.choices[0].finish_reason);
    assert.equal(last.usage.completion_tokens, whole.usage.completion_tokens);
  });

  test('legacy completions, streaming and not', async () => {
    const r = await client.completions.create({ model: 'any', prompt: 'def f(', max_tokens: 5, temperature: 0 });
    assert.equal(r.object, 'text_completion');
    const stream = await client.completions.create({ model: 'any', prompt: 'def f(', max_tokens: 5, temperature: 0, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0].text;
    assert.equal(text, r.choices[0].text);
  });

  test('concurrent requests are queued and all answered', async () => {
    const ask = (content) => client.chat.completions.create({ model: 'any', messages: [{ role: 'user', content }], max_tokens: 4, temperature: 0 });
    const answers = await Promise.all([ask('a'), ask('b'), ask('a')]);
    assert.equal(answers.length, 3);
    assert.equal(answers[0].choices[0].message.content, answers[2].choices[0].message.content);
  });

  test('a client that disconnects stops its generation', async () => {
    const timed = performance.now();
    const probe = await client.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'Go.' }], max_tokens: 64 });
    const msPerToken = (performance.now() - timed) / probe.usage.completion_tokens;
    const controller = new AbortController();
    const stream = await client.chat.completions.create({
      model: 'any', messages: [{ role: 'user', content: 'Go on forever.' }], max_tokens: 400, stream: true,
    }, { signal: controller.signal });
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        void chunk;
        if (++chunks === 2) {
          controller.abort();
          break;
        }
      }
    } catch (error) {
      if (!/abort/i.test(`${error.name} ${error.message}`)) throw error;
    }
    assert.equal(chunks, 2);
    const started = performance.now();
    await client.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    const waited = performance.now() - started;
    // Had the abandoned request gone on, this one would have queued behind ~398 tokens.
    assert.ok(waited < msPerToken * 200, `waited ${waited.toFixed(0)} ms at ${msPerToken.toFixed(1)} ms/token`);
  });

  test('bad requests get OpenAI-shaped errors', async () => {
    const post = (path, body, headers = {}) => fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const notJson = await post('/v1/chat/completions', '{nope');
    assert.equal(notJson.status, 400);
    assert.match((await notJson.json()).error.message, /not valid JSON/);
    const tooBig = await post('/v1/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(2 << 20) }] }));
    assert.equal(tooBig.status, 413);
    const noMessages = await post('/v1/chat/completions', '{}');
    assert.equal(noMessages.status, 400);
    assert.equal((await fetch(`${base}/v1/nothing`)).status, 404);
    await assert.rejects(() => client.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }), /maxTokens|400/);
  });
});
