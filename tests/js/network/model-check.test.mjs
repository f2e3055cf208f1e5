// The whole-model check alone (the first part's header, before any weight arrives): the parts
// given must be the parts the header names, and weights + KV cache + scratch must fit in
// wasm32 memory, which then grows once by exactly that.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { checkModel, estimateKvBytes } from '../../../js/src/loader/model-check.js';
import { InvalidArgumentError, ModelTooLargeError, UnsupportedModelError } from '../../../js/src/errors.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

function moduleOf(heapBytes, canGrow = true) {
  const reserved = [];
  return { reserved, HEAPU8: { length: heapBytes }, reserveMemory: (n) => { reserved.push(n); return canGrow; } };
}

function probeOf(metadata, plan, planError) {
  return { header: { metadata }, typeHistogram: '{}', plan: plan ?? undefined, planError };
}

const model = (partCount, laterPartSizes = []) => ({ partCount, name: 'm.gguf', laterPartSizes, contextSize: 0 });

test('the engine\'s plan: memory grows once by weights + KV cache + scratch', () => {
  const module = moduleOf(16 * MiB);
  checkModel(module, probeOf({}, { kvCacheBytes: 50 * MiB, scratchBytes: 10 * MiB }), 100 * MiB, model(1));
  assert.deepEqual(module.reserved, [160 * MiB]);
});

test('a model past 4 GiB (with the memory already in use) is ModelTooLargeError, naming the three sums', () => {
  const module = moduleOf(100 * MiB);
  const plan = { kvCacheBytes: 512 * MiB, scratchBytes: 64 * MiB };
  assert.throws(() => checkModel(module, probeOf({}, plan), 3.5 * GiB, model(1)), (e) => {
    assert.ok(e instanceof ModelTooLargeError);
    assert.equal(e.requiredBytes, 3.5 * GiB + 576 * MiB);
    assert.equal(e.limitBytes, 4 * GiB - 100 * MiB);
    assert.match(e.message, /of weights \+ .* of KV cache \+ .* of scratch/);
    return true;
  });
  assert.deepEqual(module.reserved, [], 'nothing was reserved');
});

test('a browser that cannot grow memory that far fails before the download', () => {
  const module = moduleOf(16 * MiB, false);
  assert.throws(() => checkModel(module, probeOf({}, { kvCacheBytes: MiB, scratchBytes: MiB }), MiB, model(1)),
    (e) => e instanceof ModelTooLargeError && /could not grow wasm memory/.test(e.message));
});

test('the parts given must be the parts the header names', () => {
  const plan = { kvCacheBytes: MiB, scratchBytes: MiB };
  assert.throws(() => checkModel(moduleOf(MiB), probeOf({ 'split.count': 3 }, plan), MiB, model(1)),
    (e) => e instanceof InvalidArgumentError && /first of 3 parts of a split model but 1 file\(s\) were given/.test(e.message));
  assert.throws(() => checkModel(moduleOf(MiB), probeOf({}, plan), MiB, model(2, [MiB])),
    (e) => e instanceof InvalidArgumentError && /2 files were given but m\.gguf is not a split model/.test(e.message));
});

test('a model the engine cannot plan is UnsupportedModelError with the engine\'s reason', () => {
  assert.throws(() => checkModel(moduleOf(MiB), probeOf({ 'general.architecture': 'mamba' }, null, 'unsupported architecture mamba'), MiB, model(1)),
    (e) => e instanceof UnsupportedModelError && e.message === 'm.gguf: unsupported architecture mamba');
});

test('a split llama is estimated from its metadata, the later parts\' sizes counted', () => {
  const metadata = {
    'general.architecture': 'llama', 'split.count': 2,
    'llama.context_length': 8192, 'llama.block_count': 24, 'llama.embedding_length': 2048,
    'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8,
  };
  // f16 K and V: 2 tensors * 24 layers * 2048 tokens (the default cap) * 8 heads * 64 dims * 2 bytes.
  const kv = 2 * 24 * 2048 * 8 * 64 * 2;
  assert.equal(estimateKvBytes(metadata, 0), kv);
  assert.equal(estimateKvBytes(metadata, 512), kv / 4);
  const module = moduleOf(MiB);
  checkModel(module, probeOf(metadata, null, 'tensors are in other parts'), 300 * MiB, model(2, [200 * MiB]));
  assert.deepEqual(module.reserved, [], 'an estimate is checked but not reserved');
  assert.throws(() => checkModel(moduleOf(MiB), probeOf(metadata, null, 'x'), 300 * MiB, model(2, [4 * GiB])), ModelTooLargeError);
});
