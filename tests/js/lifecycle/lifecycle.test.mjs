// Limits and lifecycle of the package in Node: the context filling up, prompts longer than the
// context, aborts during download / prefill / decode (100 each), unload + reload (50) with
// memory measured, a soak of 1,000 generations, and two engines at once. After every abuse
// the engine must still give the reference greedy text: state is never corrupted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { FaultServer } from '../network/fault-server.mjs';
import {
  cleanupScratch, greedy, importPackage, mib, missingPrerequisite, record, settledMemory, writeModel,
} from '../network/fixture.mjs';

const skip = missingPrerequisite();
if (skip) console.log(skip);

const PROMPT = 'the quick brown fox';
const isAbort = (e) => e?.name === 'AbortError';

describe('lifecycle', { skip: skip ?? false }, () => {
  let pkg;
  let file;
  let otherFile;
  let reference;   // greedy text of `file`
  let otherReference;

  before(async () => {
    pkg = await importPackage();
    file = writeModel('lifecycle', { dim: 64, layers: 2, ffn: 128, context: 512, seed: 21 });
    otherFile = writeModel('lifecycle-other', { dim: 64, layers: 2, ffn: 128, context: 512, seed: 22 });
    for (const [f, set] of [[file, (t) => { reference = t; }], [otherFile, (t) => { otherReference = t; }]]) {
      const llm = await pkg.SmolLM.load(f, { cache: false, threads: 1 });
      set((await greedy(llm, PROMPT)).text);
      await llm.unload();
    }
    assert.notEqual(reference, otherReference, 'the two models differ');
  });

  after(() => cleanupScratch());

  test('generation that reaches the context size stops with finish reason "length" (contextShift off)', async () => {
    const llm = await pkg.SmolLM.load(file, { cache: false, threads: 1, contextSize: 32 });
    const promptTokens = (await llm.tokenize(PROMPT)).length;
    let n = 0;
    for await (const piece of llm.generate(PROMPT, { temperature: 0, maxTokens: 1000, ignoreEos: true, contextShift: false })) n += piece.tokens.length;
    assert.equal(llm.stats.finishReason, 'length');
    assert.ok(llm.stats.contextUsed <= 32, `context used ${llm.stats.contextUsed}`);
    // The last sampled token need not enter the KV cache: at most context + 1 tokens in all.
    assert.ok(n > 0 && n + promptTokens <= 33, `${n} tokens generated after ${promptTokens} prompt tokens`);
    assert.equal((await greedy(llm, PROMPT)).text, reference, 'the engine is intact afterwards');
    const chunks = [];
    const stream = await llm.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true, max_tokens: 1000, temperature: 0, context_shift: false });
    for await (const c of stream) chunks.push(c);
    assert.ok(['length', 'stop'].includes(chunks.at(-1).choices[0].finish_reason));
    await llm.unload();
  });

  test('a prompt longer than the context is a clear error and the engine stays usable', async () => {
    const llm = await pkg.SmolLM.load(file, { cache: false, threads: 1, contextSize: 32 });
    const long = `${PROMPT} `.repeat(40);
    assert.ok((await llm.tokenize(long)).length > 32);
    await assert.rejects(async () => {
      for await (const piece of llm.generate(long, { maxTokens: 4 })) assert.fail(`generated ${piece.text}`);
    }, (e) => e instanceof pkg.SmolLMError && /context/i.test(e.message));
    assert.equal((await greedy(llm, PROMPT)).text, reference);
    await llm.unload();
  });

  test('aborting a download 100 times in a row: AbortError each time, nothing stuck', async () => {
    const server = await new FaultServer().start();
    const bytes = fs.readFileSync(file);
    const baseline = process.getActiveResourcesInfo().length;
    let aborted = 0;
    let completed = 0;
    for (let i = 0; i < 100; ++i) {
      const url = server.serve(`/abort-${i}.gguf`, bytes, { always: { throttle: 16384 } });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 1 + (i % 20));
      try {
        const llm = await pkg.SmolLM.load(url, { cache: false, threads: 1, signal: controller.signal });
        completed += 1;
        await llm.unload();
      } catch (e) {
        assert.ok(isAbort(e), `AbortError expected, got ${e?.name}: ${e?.message}`);
        aborted += 1;
      }
    }
    await server.stop();
    await new Promise((r) => setTimeout(r, 200));
    const leftover = process.getActiveResourcesInfo().length - baseline;
    assert.ok(aborted >= 90, `${aborted} of 100 loads were aborted`);
    assert.ok(leftover <= 2, `${leftover} more active handles than before: ${process.getActiveResourcesInfo().join(', ')}`);
    const llm = await pkg.SmolLM.load(file, { cache: false, threads: 1 });
    assert.equal((await greedy(llm, PROMPT)).text, reference);
    await llm.unload();
    record('lifecycle', 'abort during download', { attempts: 100, aborted, completed, leftoverHandles: leftover });
  });

  test('aborting prefill and decode 100 times each leaves the engine intact', async () => {
    const llm = await pkg.SmolLM.load(file, { cache: false, threads: 1, contextSize: 512 });
    const longPrompt = `${PROMPT} `.repeat(60);
    const counts = { prefill: 0, decode: 0, finishedFirst: 0 };
    const m0 = await settledMemory();
    for (let i = 0; i < 100; ++i) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), i % 3);
      try {
        for await (const piece of llm.generate(longPrompt, { maxTokens: 4, signal: controller.signal })) void piece;
        counts.finishedFirst += 1;
      } catch (e) {
        assert.ok(isAbort(e), `AbortError expected, got ${e?.name}: ${e?.message}`);
        counts.prefill += 1;
      }
      if (i % 25 === 24) assert.equal((await greedy(llm, PROMPT)).text, reference);
    }
    for (let i = 0; i < 100; ++i) {
      const controller = new AbortController();
      let pieces = 0;
      await assert.rejects(async () => {
        for await (const piece of llm.generate(PROMPT, { maxTokens: 400, ignoreEos: true, temperature: 0.8, seed: i, signal: controller.signal })) {
          void piece;
          if (++pieces === 2) controller.abort();
        }
      }, isAbort);
      assert.equal(llm.stats?.finishReason ?? 'abort', 'abort');
      counts.decode += 1;
      if (i % 25 === 24) assert.equal((await greedy(llm, PROMPT)).text, reference);
    }
    // Leaving the loop early (break) cancels too.
    for (let i = 0; i < 20; ++i) {
      for await (const piece of llm.generate(PROMPT, { maxTokens: 400, ignoreEos: true })) { void piece; break; }
    }
    assert.equal((await greedy(llm, PROMPT)).text, reference);
    const m1 = await settledMemory();
    assert.ok(counts.prefill >= 50, `${counts.prefill} prefills were aborted`);
    await llm.unload();
    record('lifecycle', 'abort during prefill and decode', { ...counts, heapBeforeMiB: mib(m0.heapUsed), heapAfterMiB: mib(m1.heapUsed) });
  });

  test('unload and reload 50 times: JS heap and process memory return to the baseline', async () => {
    const cycle = async () => {
      const llm = await pkg.SmolLM.load(file, { cache: false, threads: 1 });
      await llm.unload();
      await assert.rejects(llm.tokenize('x'), pkg.UnloadedError);
    };
    await cycle();
    const before = await settledMemory();
    for (let i = 0; i < 50; ++i) await cycle();
    const afterMem = await settledMemory();
    const grow = (k) => afterMem[k] - before[k];
    record('lifecycle', 'unload and reload x50', {
      heapUsedMiB: [mib(before.heapUsed), mib(afterMem.heapUsed)],
      externalMiB: [mib(before.external), mib(afterMem.external)],
      arrayBuffersMiB: [mib(before.arrayBuffers), mib(afterMem.arrayBuffers)],
      rssMiB: [mib(before.rss), mib(afterMem.rss)],
    });
    assert.ok(grow('heapUsed') < 8 * 2 ** 20, `JS heap grew ${mib(grow('heapUsed'))} MiB`);
    assert.ok(grow('arrayBuffers') < 8 * 2 ** 20, `array buffers grew ${mib(grow('arrayBuffers'))} MiB`);
    assert.ok(grow('rss') < 96 * 2 ** 20, `RSS grew ${mib(grow('rss'))} MiB`);
  });

  test('a soak of 1,000 short generations on one model: no heap growth', async () => {
    const llm = await pkg.SmolLM.load(file, { cache: false, threads: 1 });
    const samples = [];
    for (let i = 1; i <= 1000; ++i) {
      for await (const piece of llm.generate(`${PROMPT} ${i}`, { maxTokens: 4, temperature: 0.7, seed: i })) void piece;
      if (i % 100 === 0) samples.push({ generations: i, heapUsedMiB: mib((await settledMemory()).heapUsed) });
    }
    assert.equal((await greedy(llm, PROMPT)).text, reference);
    await llm.unload();
    record('lifecycle', 'soak of 1000 generations', { samples });
    const growth = samples.at(-1).heapUsedMiB - samples[0].heapUsedMiB;
    assert.ok(growth < 4, `heap grew ${growth} MiB from 100 to 1000 generations`);
  });

  test('two engines at once give each their own model\'s answers', async () => {
    const [a, b] = await Promise.all([
      pkg.SmolLM.load(file, { cache: false, threads: 1 }),
      pkg.SmolLM.load(otherFile, { cache: false, threads: 1, build: 'single-thread' }),
    ]);
    for (let round = 0; round < 3; ++round) {
      const [ta, tb] = await Promise.all([greedy(a, PROMPT), greedy(b, PROMPT)]);
      assert.equal(ta.text, reference);
      assert.equal(tb.text, otherReference);
    }
    await Promise.all([a.unload(), b.unload()]);
  });
});
