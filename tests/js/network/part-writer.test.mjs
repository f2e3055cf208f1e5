// The part writer alone: a file's buffer in wasm memory is written in order up to its size
// and never past it, survives memory growth, and reads back what landed.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { PartWriter } from '../../../js/src/loader/part-writer.js';
import { ModelTooLargeError } from '../../../js/src/errors.js';
import { fakeModule, pattern } from './fake-module.mjs';

test('chunks land in order; a chunk past the end is cut at the buffer, never written beyond', () => {
  const module = fakeModule();
  const file = pattern(1000);
  const writer = new PartWriter(module, { expected: 990, wanted: 1000 }, 'm.gguf');
  const guard = writer.ptr + writer.size;
  module.HEAPU8.fill(0xee, guard, guard + 64);
  assert.equal(writer.write(file.subarray(0, 300)).byteLength, 300);
  assert.equal(writer.short, true);
  const landed = writer.write(file.subarray(300, 989));
  assert.equal(landed.byteLength, 689);
  assert.equal(writer.short, true, '989 bytes end before the tensor data (990)');
  assert.equal(writer.full, false);
  // 1011 bytes offered where 11 fit: the writer takes 11 and says so.
  const tail = new Uint8Array(1011);
  tail.set(file.subarray(989));
  const cut = writer.write(tail);
  assert.equal(cut.byteLength, 11);
  assert.equal(cut.buffer, tail.buffer, 'the part written is a view of the chunk, not a copy');
  assert.equal(writer.short, false);
  assert.equal(writer.full, true);
  assert.deepEqual(module.HEAPU8.subarray(writer.ptr, guard), file);
  assert.ok(module.HEAPU8.subarray(guard, guard + 64).every((b) => b === 0xee), 'nothing past the buffer changed');
  assert.equal(writer.write(pattern(10)).byteLength, 0, 'a full buffer takes nothing more');
  assert.deepEqual(writer.done(), { ptr: writer.ptr, size: 1000 });
});

test('rewind starts over from byte 0; readBack copies what landed', () => {
  const module = fakeModule();
  const writer = new PartWriter(module, { expected: 64, wanted: 64 }, 'm.gguf');
  writer.write(pattern(40, 1));
  writer.rewind();
  assert.equal(writer.written, 0);
  const file = pattern(64, 2);
  writer.write(file);
  const copy = writer.readBack(10, 30);
  assert.deepEqual(copy, file.subarray(10, 30));
  assert.notEqual(copy.buffer, module.HEAPU8.buffer, 'readBack is a copy');
});

test('memory growth between chunks (HEAPU8 replaced) is followed', () => {
  const module = fakeModule();
  const file = pattern(200, 3);
  const writer = new PartWriter(module, { expected: 200, wanted: 200 }, 'm.gguf');
  writer.write(file.subarray(0, 100));
  module.grow();
  writer.write(file.subarray(100));
  assert.deepEqual(module.HEAPU8.subarray(writer.ptr, writer.ptr + 200), file);
  assert.deepEqual(writer.readBack(0, 200), file);
});

test('sizes wasm32 cannot hold, and a failed malloc, are ModelTooLargeError; free releases the buffer', () => {
  const module = fakeModule();
  for (const wanted of [2 ** 32, 2 ** 32 + 64, -1, 1.5, Number.NaN]) {
    assert.throws(() => new PartWriter(module, { expected: 0, wanted }, 'big.gguf'), ModelTooLargeError, String(wanted));
  }
  module.failMalloc = true;
  assert.throws(() => new PartWriter(module, { expected: 10, wanted: 10 }, 'm.gguf'),
    (error) => error instanceof ModelTooLargeError && /m\.gguf: malloc of/.test(error.message));
  assert.equal(module.live.size, 0, 'nothing was allocated');
  module.failMalloc = false;
  const writer = new PartWriter(module, { expected: 10, wanted: 10 }, 'm.gguf');
  writer.free();
  assert.deepEqual(module.freed, [writer.ptr]);
});
