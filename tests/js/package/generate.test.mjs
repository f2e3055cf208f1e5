// Generation through the public API (engine in a worker_threads worker, as by default):
// streaming, stop strings, abort, queueing, prefix reuse, chat completions, tokenize.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SmolLM, UnloadedError, InvalidArgumentError } from '../../../js/src/index.js';
import { haveShared, smolModel } from './support/models.mjs';

const skip = haveShared ? false : '../shared/smollm2/tokenizer.json is absent';

async function collect(iterable) {
  const pieces = [];
  for await (const p of iterable) pieces.push(p);
  return pieces;
}

describe('generate and chat', { skip }, () => {
  let llm;
  before(async () => {
    llm = await SmolLM.load(smolModel(), { threads: 2, contextSize: 512 });
  });
  after(async () => {
    await llm?.unload();
  });

  test('info describes the model and the build', () => {
    const info = llm.info;
    assert.equal(info.architecture, 'llama');
    assert.equal(info.contextSize, 512);
    assert.equal(info.build, 'multi-thread');
    assert.equal(info.threads, 2);
    assert.match(info.buildReason, /Node/);
    assert.equal(info.nVocab, 49152);
    assert.ok(info.memoryBytes > info.fileBytes, 'engine memory includes the weights');
    assert.match(info.chatTemplate, /im_start/);
    assert.equal(info.metadata['general.architecture'], 'llama');
    assert.ok(info.tensorTypes.F32 > 0);
  });

  test('streamed pieces join to the text of their tokens', async () => {
    const pieces = await collect(llm.generate('def main():', { maxTokens: 24, temperature: 0, ignoreEos: true }));
    const tokens = pieces.flatMap((p) => p.tokens);
    assert.equal(tokens.length, 24);
    const text = pieces.map((p) => p.text).join('');
    assert.equal(text, await llm.detokenize(tokens));
    for (let i = 1; i < pieces.length; ++i) assert.ok(pieces[i].elapsedMs >= pieces[i - 1].elapsedMs);
    assert.equal(llm.stats.completionTokens, 24);
    assert.equal(llm.stats.finishReason, 'length');
  });

  test('a stop string ends the text right before it, even across tokens', async () => {
    const full = (await collect(llm.generate('class Foo:', { maxTokens: 40, temperature: 0, ignoreEos: true })))
      .map((p) => p.text).join('');
    assert.ok(full.length > 12, `need some text, got ${JSON.stringify(full)}`);
    const stop = full.slice(6, 11);
    const expected = full.slice(0, full.indexOf(stop));
    const text = (await collect(llm.generate('class Foo:', { maxTokens: 40, temperature: 0, ignoreEos: true, stop: [stop] })))
      .map((p) => p.text).join('');
    assert.equal(text, expected);
    assert.equal(llm.stats.finishReason, 'stop');
  });

  test('an aborted signal stops within one token and the engine stays usable', async () => {
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(async () => {
      for await (const piece of llm.generate('import os', { maxTokens: 200, ignoreEos: true, signal: controller.signal })) {
        seen += piece.tokens.length;
        if (seen >= 3) controller.abort();
      }
    }, (e) => e.name === 'AbortError' && e instanceof DOMException);
    assert.equal(llm.stats.finishReason, 'abort');
    assert.ok(llm.stats.completionTokens <= seen + 1, `${llm.stats.completionTokens} tokens after abort at ${seen}`);
    const again = await collect(llm.generate('import os', { maxTokens: 4, ignoreEos: true }));
    assert.equal(again.flatMap((p) => p.tokens).length, 4);
  });

  test('leaving for-await early cancels the generation', async () => {
    for await (const piece of llm.generate('x = 1', { maxTokens: 200, ignoreEos: true })) {
      void piece;
      break;
    }
    assert.equal(llm.stats.finishReason, 'abort');
    assert.ok(llm.stats.completionTokens < 200);
  });

  test('concurrent generations are queued, never interleaved', async () => {
    const opts = { maxTokens: 12, temperature: 0, ignoreEos: true };
    const alone = (await collect(llm.generate('for i in', opts))).map((p) => p.text).join('');
    const order = [];
    const run = async (name) => {
      let text = '';
      for await (const p of llm.generate('for i in', opts)) {
        order.push(name);
        text += p.text;
      }
      return text;
    };
    const [a, b] = await Promise.all([run('a'), run('b')]);
    assert.equal(a, alone);
    assert.equal(b, alone);
    assert.equal(order.join(''), order.join('').split('').sort().join(''), `interleaved: ${order.join('')}`);
  });

  test('multi-turn chat reuses the KV cache for the shared prefix', async () => {
    const first = [{ role: 'user', content: 'Write a function.' }];
    const r1 = await llm.chat.completions.create({ messages: first, max_tokens: 8, temperature: 0 });
    assert.equal(r1.object, 'chat.completion');
    const prompt1 = await llm.tokenize(await llm.applyChatTemplate(first), { special: true });
    assert.equal(r1.usage.prompt_tokens, prompt1.length);
    const second = [...first, { role: 'assistant', content: r1.choices[0].message.content }, { role: 'user', content: 'Again.' }];
    const r2 = await llm.chat.completions.create({ messages: second, max_tokens: 4, temperature: 0 });
    const reused = r2.usage.prompt_tokens_details.cached_tokens;
    assert.equal(reused, llm.stats.reusedTokens);
    assert.ok(reused >= prompt1.length, `reused ${reused} < first prompt ${prompt1.length}`);
    assert.ok(reused < r2.usage.prompt_tokens);
    // The cache holds the prompt and the reply (the last sampled token may not be evaluated yet).
    const total = r2.usage.prompt_tokens + r2.usage.completion_tokens;
    assert.ok(llm.stats.contextUsed >= total - 1 && llm.stats.contextUsed <= total, `${llm.stats.contextUsed} vs ${total}`);
  });

  test('streamed chat: role first, content deltas, finish_reason and usage last', async () => {
    const stream = await llm.chat.completions.create({
      messages: [{ role: 'user', content: 'hello' }], stream: true, max_tokens: 6, temperature: 0,
    });
    const chunks = await collect(stream);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const last = chunks.at(-1);
    assert.ok(['stop', 'length'].includes(last.choices[0].finish_reason));
    assert.equal(last.usage.completion_tokens, llm.stats.completionTokens);
    assert.ok(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null && !c.usage));
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id));
  });

  test('an aborted chat stream ends with finish_reason abort', async () => {
    const controller = new AbortController();
    const stream = await llm.chat.completions.create({
      messages: [{ role: 'user', content: 'count' }], stream: true, max_tokens: 300, signal: controller.signal,
    });
    const chunks = [];
    for await (const c of stream) {
      chunks.push(c);
      if (chunks.length === 3) controller.abort();
    }
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'abort');
    assert.ok(chunks.at(-1).usage.completion_tokens < 300);
  });

  test('tokenize adds no BOS and parses special tokens only when asked', async () => {
    const plain = await llm.tokenize('<|im_start|>user');
    const special = await llm.tokenize('<|im_start|>user', { special: true });
    assert.equal(special[0], 1);
    assert.ok(plain.length > special.length);
    assert.ok(!plain.includes(1));
    const text = 'def f(x):\n    return x * 2  # ünïcödé ✓';
    assert.equal(await llm.detokenize(await llm.tokenize(text)), text);
  });

  test('the SmolLM2 template renders like the reference template', async () => {
    const sys = 'You are a helpful AI assistant named SmolLM, trained by Hugging Face';
    assert.equal(await llm.applyChatTemplate([{ role: 'user', content: 'Hi' }]),
      `<|im_start|>system\n${sys}<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n`);
    assert.equal(await llm.applyChatTemplate([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], { addGenerationPrompt: false }),
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n');
  });

  test('bad arguments are rejected with clear errors', async () => {
    await assert.rejects(() => llm.chat.completions.create({ messages: [] }), InvalidArgumentError);
    await assert.rejects(() => collect(llm.generate('x', { maxTokens: 0 })), /maxTokens/);
    await assert.rejects(() => collect(llm.generate('x '.repeat(600))), /context holds 512/);
  });
});

describe('unload', { skip }, () => {
  test('frees the worker and its memory; later calls reject with UnloadedError', async () => {
    const llm = await SmolLM.load(smolModel(), { threads: 2 });
    const { wasmBytes } = await llm.memoryUsage();
    assert.ok(wasmBytes > llm.info.fileBytes);
    await llm.unload();
    assert.throws(() => llm.info, UnloadedError);
    await assert.rejects(() => llm.tokenize('x'), UnloadedError);
    await assert.rejects(() => collect(llm.generate('x')), /unloaded/);
    await llm.unload();
  });

  test('returns the wasm memory to the process', async () => {
    const llm = await SmolLM.load(smolModel({ dim: 256, ffn: 1024, layers: 4 }), { threads: 2 });
    const loadedRss = process.memoryUsage().rss;
    const { wasmBytes } = await llm.memoryUsage();
    await llm.unload();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const freed = loadedRss - process.memoryUsage().rss;
    assert.ok(freed > wasmBytes / 2, `only ${freed} of ${wasmBytes} bytes of wasm memory came back`);
  });
});
