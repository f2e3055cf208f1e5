// KV cache types (load options kvCacheType / kvCacheKeyType / kvCacheValueType) and the
// default context: checked names, what ModelInfo reports, the memory plan counting the cache
// type, and the default context chosen to fit (from the header, before any download).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { InvalidArgumentError, SmolLM } from '../../../js/src/index.js';
import { KV_CACHE_TYPES, kvCacheTypes } from '../../../js/src/options/kv-cache.js';
import { createModule } from '../../../js/src/wasm-module.js';
import { llamaHeader } from '../package/support/gguf-bytes.mjs';
import { syntheticModel } from '../package/support/models.mjs';

// Head size 32: the smallest the quantized types take (one 32-value block per head).
const blockModel = () => syntheticModel({ dim: 128, heads: 4, kvHeads: 2, ffn: 256, context: 512 });
const quick = { worker: false, build: 'single-thread', threads: 1, cache: false };

test('kvCacheTypes: f16 by default, kvCacheType for both, the key / value options override it', () => {
  assert.deepEqual(KV_CACHE_TYPES, ['f16', 'q8_0', 'q4_0']);
  assert.deepEqual(kvCacheTypes({}), { key: 'f16', value: 'f16' });
  assert.deepEqual(kvCacheTypes({ kvCacheType: 'q8_0' }), { key: 'q8_0', value: 'q8_0' });
  assert.deepEqual(kvCacheTypes({ kvCacheType: 'q4_0', kvCacheValueType: 'f16' }), { key: 'q4_0', value: 'f16' });
  assert.deepEqual(kvCacheTypes({ kvCacheKeyType: 'q8_0' }), { key: 'q8_0', value: 'f16' });
  for (const [name, value] of [['kvCacheType', 'Q8_0'], ['kvCacheKeyType', 'f32'], ['kvCacheValueType', 8], ['kvCacheType', '']]) {
    assert.throws(() => kvCacheTypes({ [name]: value }),
      (e) => e instanceof InvalidArgumentError && e.message.startsWith(`${name} must be one of f16, q8_0, q4_0`));
  }
});

test('a bad cache type is refused before anything is loaded', async () => {
  await assert.rejects(() => SmolLM.load(blockModel(), { ...quick, kvCacheType: 'q5_0' }),
    (e) => e instanceof InvalidArgumentError && /kvCacheType/.test(e.message));
});

test('a head size the quantized blocks do not divide is refused with the reason', async () => {
  // dim 64 / 4 heads: head size 16.
  await assert.rejects(() => SmolLM.load(syntheticModel(), { ...quick, contextSize: 64, kvCacheType: 'q8_0' }),
    (e) => e instanceof InvalidArgumentError && /q8_0 needs a head size that is a multiple of 32; this model's is 16/.test(e.message));
});

describe('a model loaded with each cache type pair', () => {
  const loaded = {};
  before(async () => {
    for (const [key, value] of [['f16', 'f16'], ['q8_0', 'q8_0'], ['q4_0', 'f16'], ['f16', 'q4_0']]) {
      loaded[`${key}/${value}`] = await SmolLM.load(blockModel(),
        { ...quick, contextSize: 256, kvCacheKeyType: key, kvCacheValueType: value });
    }
  });
  after(async () => {
    for (const llm of Object.values(loaded)) await llm.unload();
  });

  test('ModelInfo reports the types, and the memory counts them', () => {
    for (const [pair, llm] of Object.entries(loaded)) {
      assert.equal(`${llm.info.kvCacheKeyType}/${llm.info.kvCacheValueType}`, pair);
      assert.equal(llm.info.contextSize, 256);
      assert.equal(llm.info.contextSizeReason, 'requested (context_size)');
    }
    // 2 layers x 256 positions x kv_dim 64: f16 128 bytes a row, q8_0 68, q4_0 36.
    const rows = 2 * 256;
    const f16 = loaded['f16/f16'].info.memoryBytes;
    assert.equal(f16 - loaded['q8_0/q8_0'].info.memoryBytes, rows * 2 * (128 - 68));
    assert.equal(f16 - loaded['q4_0/f16'].info.memoryBytes, rows * (128 - 36));
    assert.equal(f16 - loaded['f16/q4_0'].info.memoryBytes, rows * (128 - 36));
    // kvCacheBytes: the same rows, a key row and a value row each.
    const rowBytes = { f16: 128, q8_0: 68, q4_0: 36 };
    for (const [pair, llm] of Object.entries(loaded)) {
      const [key, value] = pair.split('/');
      assert.equal(llm.info.kvCacheBytes, rows * (rowBytes[key] + rowBytes[value]), pair);
    }
  });

  test('each generates to the length asked', async () => {
    for (const [pair, llm] of Object.entries(loaded)) {
      let pieces = 0;
      for await (const p of llm.generate('hello world, the cache holds these tokens', { maxTokens: 16, temperature: 0, ignoreEos: true })) {
        pieces += p.tokens.length;
      }
      assert.equal(pieces, 16, pair);
      assert.equal(llm.stats.completionTokens, 16, pair);
    }
  });
});

test('without contextSize: the trained context, with the reason', async () => {
  const llm = await SmolLM.load(blockModel(), { ...quick, kvCacheType: 'q8_0' });
  try {
    assert.equal(llm.info.trainedContextSize, 512);
    assert.equal(llm.info.contextSize, 512);
    assert.match(llm.info.contextSizeReason, /^the model's trained context \(512 tokens\) fits in .* MiB with a q8_0 K \/ q8_0 V cache$/);
  } finally {
    await llm.unload();
  }
});

describe('the default context from the header: the largest that fits the memory left', () => {
  let module;
  let built;
  const held = [];
  before(async () => {
    module = await createModule('single-thread', 1);
    // SmolLM2-1.7B's attention (32 heads of 64, MHA, trained for 8192) with 4 layers of f16.
    built = llamaHeader({ dim: 2048, layers: 4, heads: 32, kvHeads: 32, ffn: 8192, context: 8192, type: 1 });
  });
  after(() => held.forEach((p) => module._free(p)));
  const plan = (keyType, valueType, memoryLimit, contextSize = 0) => {
    const ptr = module._malloc(built.header.length) >>> 0;
    held.push(ptr);
    module.HEAPU8.set(built.header, ptr);
    const r = module.probeHeader(ptr, built.header.length, built.fileBytes, contextSize, keyType, valueType, memoryLimit, false);
    assert.equal(r.status, 'complete');
    assert.ok(r.plan, JSON.stringify(r.planError));
    return r.plan;
  };

  test('the trained context when it fits; else the largest multiple of 256 that does', () => {
    const full = plan('f16', 'f16', 0);
    assert.equal(full.contextSize, 8192);
    assert.match(full.contextReason, /trained context \(8192 tokens\)/);
    // 4 layers x 8192 x 2048 x 2 (K, V) x 2 bytes.
    assert.equal(full.kvCacheBytes, 4 * 8192 * 2048 * 2 * 2);
    const limit = full.fileBytes + 40 * 2 ** 20;   // room for about 900 f16 positions (32 KiB each)
    const f16 = plan('f16', 'f16', limit);
    const q8 = plan('q8_0', 'q8_0', limit);
    const q4 = plan('q4_0', 'q4_0', limit);
    for (const p of [f16, q8, q4]) {
      assert.ok(p.contextSize > 0 && p.contextSize < 8192 && p.contextSize % 256 === 0, String(p.contextSize));
      assert.ok(p.totalBytes <= limit);
      assert.match(p.contextReason, /^the largest that fits: the trained context of 8192 tokens would need \d+ MiB/);
    }
    // The next step up would not fit.
    assert.ok(plan('f16', 'f16', 0, f16.contextSize + 256).totalBytes > limit);
    assert.ok(plan('q8_0', 'q8_0', 0, q8.contextSize + 256).totalBytes > limit);
    assert.ok(q8.contextSize > f16.contextSize && q4.contextSize > q8.contextSize);
  });
});
