// The default thread count: every core up to 2, then one core left for the page, capped where
// bench/RESULTS.md's 16-core scaling run ends; a load without `threads` uses it, and
// ModelInfo.threadsReason says how the count was chosen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { chooseThreads, defaultThreads, MAX_DEFAULT_THREADS, withThreadsAtOnce } from '../../../js/src/platform.js';
import { SmolLM } from '../../../js/src/index.js';
import { syntheticModel } from './support/models.mjs';

test('defaultThreads: all of 1-2 cores, one fewer above, at most 16', () => {
  assert.deepEqual([1, 2, 3, 4, 8, 16, 17, 64].map(defaultThreads), [1, 2, 2, 3, 7, 15, 16, 16]);
  assert.equal(MAX_DEFAULT_THREADS, 16);
  assert.equal(defaultThreads(0), 1, 'an unknown core count still gets one thread');
});

test('chooseThreads: the caller\'s count, else the default for the reported cores, and says which', () => {
  const webkit = chooseThreads({ build: 'multi-thread', cores: 4, coresSource: 'navigator.hardwareConcurrency' });
  assert.deepEqual(webkit, {
    threads: 3,
    reason: 'default for 4 core(s) reported by navigator.hardwareConcurrency (one core left for the page, at most 16)',
  });
  assert.deepEqual(chooseThreads({ build: 'multi-thread', cores: 2, coresSource: 'x' }),
    { threads: 2, reason: 'default for 2 core(s) reported by x (every core up to 2)' });
  assert.deepEqual(chooseThreads({ build: 'multi-thread', requested: 4.7, cores: 2, coresSource: 'x' }),
    { threads: 4, reason: 'requested by the caller (threads option)' });
  assert.deepEqual(chooseThreads({ build: 'single-thread', requested: 4, cores: 8, coresSource: 'x' }),
    { threads: 1, reason: 'the single-thread build runs one thread' });
});

test('a load without `threads` runs the default for this machine and says so', async () => {
  const llm = await SmolLM.load(syntheticModel(), { cache: false });
  try {
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    assert.equal(llm.info.threads, defaultThreads(cores));
    assert.equal(llm.info.build, 'multi-thread', 'Node always has threads');
    // Up to one per core; fewer only where the engine's probe found fewer running at once,
    // which it checks from 3 threads on and which never goes below 2.
    const atOnceLimit = Math.min(llm.info.threads, os.cpus().length);
    assert.ok(llm.info.threadsAtOnce <= atOnceLimit && llm.info.threadsAtOnce >= Math.min(atOnceLimit, 2),
      `threadsAtOnce ${llm.info.threadsAtOnce} of ${llm.info.threads}`);
    if (atOnceLimit < 3) assert.equal(llm.info.threadsAtOnce, atOnceLimit);
    assert.equal(llm.info.threadsReason, withThreadsAtOnce(
      chooseThreads({ build: 'multi-thread', cores, coresSource: 'os.availableParallelism()' }).reason,
      llm.info.threads, llm.info.threadsAtOnce, os.cpus().length));
  } finally {
    await llm.unload();
  }
});

test('withThreadsAtOnce: the reason says how many run at once, and why, only when fewer than the pool', () => {
  assert.equal(withThreadsAtOnce('requested by the caller (threads option)', 4, 2, 2),
    'requested by the caller (threads option); 2 run at once, one per core the platform reports');
  assert.equal(withThreadsAtOnce('requested by the caller (threads option)', 4, 2, 4),
    'requested by the caller (threads option); 2 run at once: 4 cores reported, 2 found running at once when the engine started, more tried later');
  assert.equal(withThreadsAtOnce('r', 2, 2, 4), 'r');
  assert.equal(withThreadsAtOnce('r', 3, 3, 2), 'r');
});

test('a load with `threads` (more than the cores) creates that many, runs one per core at once, and says so', async () => {
  // The wasm engine counts cores as emscripten does in Node (os.cpus()).
  const cores = os.cpus().length;
  const llm = await SmolLM.load(syntheticModel(), { cache: false, threads: cores + 2 });
  try {
    assert.equal(llm.info.threads, cores + 2);
    if (cores < 3) {
      assert.equal(llm.info.threadsAtOnce, cores);
      assert.equal(llm.info.threadsReason,
        `requested by the caller (threads option); ${cores} run at once, one per core the platform reports`);
    } else {
      // From 3 at once the engine's probe may find fewer running (a busy machine), never below 2.
      assert.ok(llm.info.threadsAtOnce <= cores && llm.info.threadsAtOnce >= 2, `threadsAtOnce ${llm.info.threadsAtOnce}`);
      assert.equal(llm.info.threadsReason, withThreadsAtOnce('requested by the caller (threads option)',
        cores + 2, llm.info.threadsAtOnce, cores));
    }
    let tokens = 0;
    for await (const piece of llm.generate('hello', { maxTokens: 4, temperature: 0, ignoreEos: true })) tokens += piece.tokens.length;
    assert.equal(tokens, 4);
  } finally {
    await llm.unload();
  }
});
