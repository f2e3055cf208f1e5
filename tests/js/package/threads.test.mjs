// The default thread count: every core up to 2, then one core left for the page, capped where
// bench/RESULTS.md's 16-core scaling run ends; and a load without `threads` uses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { defaultThreads, MAX_DEFAULT_THREADS } from '../../../js/src/platform.js';
import { SmolLM } from '../../../js/src/index.js';
import { syntheticModel } from './support/models.mjs';

test('defaultThreads: all of 1-2 cores, one fewer above, at most 16', () => {
  assert.deepEqual([1, 2, 3, 4, 8, 16, 17, 64].map(defaultThreads), [1, 2, 2, 3, 7, 15, 16, 16]);
  assert.equal(MAX_DEFAULT_THREADS, 16);
  assert.equal(defaultThreads(0), 1, 'an unknown core count still gets one thread');
});

test('a load without `threads` runs the default for this machine', async () => {
  const llm = await SmolLM.load(syntheticModel(), { cache: false });
  try {
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    assert.equal(llm.info.threads, defaultThreads(cores));
    assert.equal(llm.info.build, 'multi-thread', 'Node always has threads');
  } finally {
    await llm.unload();
  }
});
