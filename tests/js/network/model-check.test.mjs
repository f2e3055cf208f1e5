// The whole-model check alone (the first part's header, before any weight arrives): the parts
// given must be the parts the header names, and weights + KV cache + scratch (the engine's
// plan) must fit in wasm32 memory, which then grows once by exactly that.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { checkModel } from '../../../js/src/loader/model-check.js';
import { InvalidArgumentError, ModelTooLargeError, UnsupportedModelError } from '../../../js/src/errors.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

function moduleOf(heapBytes, canGrow = true) {
  const reserved = [];
  return { reserved, HEAPU8: { length: heapBytes }, reserveMemory: (n) => { reserved.push(n); return canGrow; } };
}

const probeOf = (metadata, plan, planError) => ({ status: 'complete', header: { metadata }, plan, planError });
const PLAN = { kvCacheBytes: MiB, scratchBytes: MiB };
const model = (partCount, laterPartSizes = []) => ({ partCount, name: 'm.gguf', laterPartSizes });

test('the engine\'s plan: memory grows once by weights + KV cache + scratch', () => {
  const module = moduleOf(16 * MiB);
  checkModel(module, probeOf({}, { kvCacheBytes: 50 * MiB, scratchBytes: 10 * MiB }), 100 * MiB, model(1));
  assert.deepEqual(module.reserved, [160 * MiB]);
});

test('a split model\'s later parts count with the sizes known of them', () => {
  const module = moduleOf(16 * MiB);
  checkModel(module, probeOf({ 'split.count': 3 }, PLAN), 100 * MiB, model(3, [200 * MiB, null]));
  assert.deepEqual(module.reserved, [302 * MiB]);
  assert.throws(() => checkModel(moduleOf(MiB), probeOf({ 'split.count': 2 }, PLAN), 300 * MiB, model(2, [4 * GiB])), ModelTooLargeError);
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
  assert.throws(() => checkModel(moduleOf(16 * MiB, false), probeOf({}, PLAN), MiB, model(1)),
    (e) => e instanceof ModelTooLargeError && /could not grow wasm memory/.test(e.message));
});

test('the parts given must be the parts the header names', () => {
  assert.throws(() => checkModel(moduleOf(MiB), probeOf({ 'split.count': 3 }, PLAN), MiB, model(1)),
    (e) => e instanceof InvalidArgumentError && /first of 3 parts of a split model but 1 file\(s\) were given/.test(e.message));
  assert.throws(() => checkModel(moduleOf(MiB), probeOf({}, PLAN), MiB, model(2, [MiB])),
    (e) => e instanceof InvalidArgumentError && /2 files were given but m\.gguf is not a split model/.test(e.message));
});

test('a model the engine cannot plan fails with the class of the engine\'s reason', () => {
  const planError = { kind: 'UnsupportedModel', message: 'unsupported architecture mamba', needed: 0, limit: 0 };
  const module = moduleOf(MiB);
  assert.throws(() => checkModel(module, probeOf({}, undefined, planError), MiB, model(1)),
    (e) => e instanceof UnsupportedModelError && e.message === 'm.gguf: unsupported architecture mamba');
  assert.deepEqual(module.reserved, []);
});
