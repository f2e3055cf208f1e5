// `serve` takes every generation field of the table under its OpenAI name (aliases too) on
// both endpoints and hands it to the engine under the package's name; logit_bias and
// max_completion_tokens change the answer; a field's own name wins over its alias.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SmolLM } from '../../../js/src/index.js';
import { LocalEngine } from '../../../js/src/engine/local-engine.js';
import { OPENAI_FIELDS } from '../../../js/src/options/openai.js';
import { EngineSupervisor } from '../../../js/src/cli/serve/engine-supervisor.js';
import { createOpenAiServer } from '../../../js/src/cli/serve/server.js';
import { syntheticModel } from '../package/support/models.mjs';

// A value other than the default for each field, as a request sends it, and as the engine
// should receive it.
const SENT = {
  temperature: [0.7, 0.7],
  topK: [5, 5],
  topP: [0.5, 0.5],
  minP: [0.1, 0.1],
  repeatPenalty: [1.3, 1.3],
  presencePenalty: [0.5, 0.5],
  frequencyPenalty: [-0.5, -0.5],
  penaltyLastN: [8, 8],
  seed: [42, 42],
  logitBias: [{ 7: 3 }, { 7: 3 }],
  maxTokens: [3, 3],
  stop: ['zz', ['zz']],
  ignoreEos: [true, true],
  grammar: ['root ::= "z"+\n', 'root ::= "z"+\n'],
  jsonSchema: [{ type: 'object' }, { type: 'object' }],
  grammarTrigger: ['zz', 'zz'],
  logprobs: [true, true],
  topLogprobs: [2, 2],
  contextShift: [false, false],
  nKeep: [5, 5],
};
// Only chat takes these: the legacy completions endpoint's logprobs is a count, refused there.
const CHAT_ONLY = new Set(['logprobs', 'top_logprobs']);
// top_logprobs needs logprobs (as OpenAI's API says).
// A grammar trigger needs a grammar.
const WITH = { top_logprobs: { logprobs: true }, grammar_trigger: { grammar: 'root ::= "z"+\n' } };

describe('serve: every generation field by its OpenAI name', () => {
  let server;
  let supervisor;
  let base;
  let llm;
  const requests = [];
  const original = LocalEngine.prototype.generate;
  before(async () => {
    // The engine runs on this thread (worker: false), so its requests can be watched.
    LocalEngine.prototype.generate = function watched(request, handlers) {
      requests.push(request);
      return original.call(this, request, handlers);
    };
    supervisor = new EngineSupervisor(() => SmolLM.load(syntheticModel(), { worker: false, threads: 1, contextSize: 256, cache: false }));
    llm = await supervisor.start();
    server = createOpenAiServer(supervisor, { modelId: 'synthetic' });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}/v1`;
  });
  after(async () => {
    LocalEngine.prototype.generate = original;
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await supervisor?.stop();
  });

  const post = async (path, body) => {
    const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: await r.json() };
  };
  const chat = (extra) => post('/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra });
  const complete = (extra) => post('/completions', { prompt: 'hello world', max_tokens: 2, ...extra });

  test('every field with an OpenAI name has a value here', () => {
    const named = new Set(OPENAI_FIELDS.map(({ field }) => field.name));
    assert.deepEqual(Object.keys(SENT).sort(), [...named].sort());
  });

  for (const { name, field } of OPENAI_FIELDS) {
    test(`${name} reaches the engine as ${field.name}, on both endpoints`, async () => {
      const [sent, received] = SENT[field.name];
      // max_tokens is the default body's: send the alias alone to see it.
      const body = name === 'max_completion_tokens' ? { [name]: sent, max_tokens: undefined } : { [name]: sent, ...WITH[name] };
      for (const endpoint of CHAT_ONLY.has(name) ? [chat] : [chat, complete]) {
        requests.length = 0;
        const r = await endpoint(body);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        assert.equal(requests.length, 1);
        assert.deepEqual(requests[0][field.name], received, `${endpoint === chat ? 'chat' : 'completions'}: ${name}`);
      }
    });
  }

  test('logit_bias changes the answer; max_completion_tokens limits it; max_tokens wins over it', async () => {
    const plain = await complete({ temperature: 0, max_tokens: 4, ignore_eos: true });
    const biased = await complete({ temperature: 0, max_tokens: 4, ignore_eos: true, logit_bias: { 7: 100 } });
    assert.notEqual(biased.json.choices[0].text, plain.json.choices[0].text);
    assert.equal(biased.json.choices[0].text, await llm.detokenize([7, 7, 7, 7]));
    const chatBiased = await chat({ temperature: 0, max_tokens: 4, ignore_eos: true, logit_bias: { 7: 100 } });
    assert.equal(chatBiased.json.choices[0].message.content, await llm.detokenize([7, 7, 7, 7]));
    const limited = await chat({ max_tokens: undefined, max_completion_tokens: 3, ignore_eos: true });
    assert.equal(limited.json.usage.completion_tokens, 3);
    assert.equal(limited.json.choices[0].finish_reason, 'length');
    const both = await chat({ max_completion_tokens: 3, max_tokens: 5, ignore_eos: true });
    assert.equal(both.json.usage.completion_tokens, 5);
  });

  test('a field out of its OpenAI range is a 400 naming it; package names are not request fields', async () => {
    for (const [body, param] of [
      [{ temperature: 2.5 }, 'temperature'], [{ logit_bias: { 7: 101 } }, 'logit_bias.7'], [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ repeat_last_n: -1 }, 'repeat_last_n'], [{ ignore_eos: 1 }, 'ignore_eos'], [{ max_completion_tokens: 0 }, 'max_completion_tokens'],
      [{ penaltyLastN: 8 }, 'penaltyLastN'], [{ prefill_chunk: 8 }, 'prefill_chunk'],
      [{ logprobs: true, top_logprobs: 21 }, 'top_logprobs'], [{ logprobs: 'yes' }, 'logprobs'],
    ]) {
      const r = await chat(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.param, param);
    }
  });
});
