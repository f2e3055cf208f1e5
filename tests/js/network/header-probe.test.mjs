// The header probe alone: how often it parses a growing prefix, what it keeps, how the engine's
// refusal reaches the caller; and the size and position checks a part's header gets. A stand-in
// module counts the parses; a real generated model checks the probe against the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { FIRST_PROBE_BYTES, HeaderProbe, checkPartHeader, partExtent } from '../../../js/src/loader/header-probe.js';
import { InvalidModelError, ModelTooLargeError, UnsupportedModelError } from '../../../js/src/errors.js';
import { fakeModule, pattern } from './fake-module.mjs';
import { missingPrerequisite, writeModel } from './fixture.mjs';

// A module whose header ends at `headerBytes`: probeHeader answers need_more before, complete
// after; it records every prefix it was given. Its need_more asks for one byte more, the least
// a reader can say (a string whose length field is not in the prefix yet), so how far the
// prefix grows between parses is the probe's own doing.
function headerOf(headerBytes, { answer } = {}) {
  const module = fakeModule({ bytes: 48 << 20 });
  module.parses = [];
  module.probeHeader = (ptr, available, fileSize, contextSize) => {
    module.parses.push({ prefix: module.HEAPU8.slice(ptr, ptr + available), fileSize, contextSize });
    if (answer) return answer;
    if (available < headerBytes) return { status: 'need_more', bytesNeeded: available + 1 };
    return { status: 'complete', header: { metadata: {} }, plan: { kvCacheBytes: 1, scratchBytes: 1 } };
  };
  return module;
}

function feed(probe, file, chunkBytes, { fresh = true, fileSize = null } = {}) {
  for (let at = 0; at < file.length; at += chunkBytes) {
    probe.add(file.subarray(at, at + chunkBytes), fresh, fileSize);
    const result = probe.due ? probe.parse(fileSize) : null;
    if (result) return { result, at: at + chunkBytes };
  }
  return null;
}

test('a small header is parsed on every chunk, so it is found in the chunk that completes it', () => {
  const module = headerOf(5000);
  const probe = new HeaderProbe(module, 'm.gguf', 128);
  const found = feed(probe, pattern(20000), 1000);
  assert.equal(found.at, 5000);
  assert.equal(module.parses.length, 5);
  assert.equal(module.parses[0].contextSize, 128);
  assert.equal(module.live.size, 0, 'every temporary header buffer was freed');
});

test('a large header costs a handful of parses, over prefixes that grow by half at least', () => {
  // 8 MiB (a 150k-token vocabulary): 64 KiB * 1.5^12 passes it.
  const module = headerOf(8 << 20);
  const probe = new HeaderProbe(module, 'm.gguf', 0);
  const found = feed(probe, pattern(16 << 20), 16 * 1024);
  assert.ok(found && found.at >= 8 << 20 && found.at <= 1.5 * (8 << 20) + 16 * 1024, `found at ${found?.at}`);
  const lengths = module.parses.map((p) => p.prefix.length).filter((n) => n >= FIRST_PROBE_BYTES);
  assert.ok(lengths.length <= 13, `${lengths.length} parses of 64 KiB or more: ${lengths}`);
  for (let i = 1; i < lengths.length; ++i) assert.ok(lengths[i] >= 1.5 * lengths[i - 1], `${lengths}`);
  assert.equal(module.live.size, 0);
});

test('the parse sees the file\'s bytes even when the source reuses its buffer', () => {
  const module = headerOf(3000);
  const probe = new HeaderProbe(module, 'm.gguf', 0);
  const file = pattern(3000, 7);
  const buffer = new Uint8Array(1000);   // one buffer, overwritten for every chunk
  let result = null;
  for (let at = 0; at < file.length && !result; at += 1000) {
    buffer.set(file.subarray(at, at + 1000));
    probe.add(buffer, false, 3000);
    result = probe.due ? probe.parse(3000) : null;
  }
  assert.ok(result);
  assert.deepEqual(module.parses.at(-1).prefix, file);
  assert.equal(module.parses.at(-1).fileSize, 3000);
  const taken = probe.take();
  assert.deepEqual(Buffer.concat(taken), Buffer.from(file));
  assert.equal(probe.length, 0);
  assert.deepEqual(probe.take(), [], 'the chunks are handed over once');
});

test('a known file size caps the bytes waited for; reset forgets the prefix', () => {
  const module = headerOf(1 << 20);
  const probe = new HeaderProbe(module, 'm.gguf', 0);
  probe.add(pattern(FIRST_PROBE_BYTES), true, null);
  assert.equal(probe.parse(null), null);
  assert.ok(probe.needed > FIRST_PROBE_BYTES);
  probe.add(pattern(100), true, FIRST_PROBE_BYTES + 100);
  assert.equal(probe.needed, FIRST_PROBE_BYTES + 100, 'a file this short needs no more than its size');
  assert.equal(probe.due, true);
  probe.reset();
  assert.equal(probe.length, 0);
  assert.deepEqual(probe.take(), []);
});

test('the engine\'s refusal is thrown as its kind\'s class, naming the file', () => {
  const cases = [
    ['InvalidModel', 'not a GGUF file (bad magic)', InvalidModelError],
    ['UnsupportedModel', 'unsupported GGUF version 7', UnsupportedModelError],
  ];
  for (const [kind, message, type] of cases) {
    const error = { kind, message, needed: 0, limit: 0 };
    const probe = new HeaderProbe(headerOf(0, { answer: { status: 'error', error } }), 'm.gguf', 0);
    probe.add(pattern(100), true, 100);
    assert.throws(() => probe.parse(100), (e) => e instanceof type && e.message === `m.gguf: ${message}`, kind);
  }
});

test('partExtent: the tensor data\'s end, and the padding after it where the file has it', () => {
  const header = { data_offset: 1000, data_size: 4003, alignment: 32, metadata: {} };
  assert.deepEqual(partExtent(header, 'm.gguf', null), { expected: 5003, wanted: 5024 });
  assert.deepEqual(partExtent(header, 'm.gguf', 5024), { expected: 5003, wanted: 5024 });
  assert.deepEqual(partExtent(header, 'm.gguf', 5010), { expected: 5003, wanted: 5010 });
  assert.deepEqual(partExtent(header, 'm.gguf', 9000), { expected: 5003, wanted: 5024 });
  assert.throws(() => partExtent(header, 'm.gguf', 5002),
    (e) => e instanceof InvalidModelError && /m\.gguf is truncated: it has 5002 bytes but its header describes 5003/.test(e.message));
});

test('checkPartHeader: a part wasm32 cannot hold, or out of its place, is refused', () => {
  const part = (no, count) => ({ metadata: { 'split.no': no, 'split.count': count } });
  checkPartHeader(part(undefined, undefined), 100, 'a.gguf', 0, 1);
  checkPartHeader(part(2, 3), 100, 'c.gguf', 2, 3);
  assert.throws(() => checkPartHeader(part(0, 1), 2 ** 32, 'a.gguf', 0, 1), ModelTooLargeError);
  assert.throws(() => checkPartHeader(part(2, 3), 100, 'b.gguf', 1, 3),
    (e) => e instanceof InvalidModelError && /b\.gguf is not part 2 of 3 .*split\.no 2, split\.count 3/.test(e.message));
  assert.throws(() => checkPartHeader(part(1, 2), 100, 'b.gguf', 1, 3), InvalidModelError);
});

const skip = missingPrerequisite();
test('with the engine: a generated model\'s header is found and describes the whole file', { skip: skip ?? false }, async () => {
  const { createModule } = await import('../../../js/src/wasm-module.js');
  const module = await createModule('single-thread', 1, 'simd128');
  const file = fs.readFileSync(writeModel('header-probe', { dim: 64, layers: 1, ffn: 128 }));
  const probe = new HeaderProbe(module, 'm.gguf', 0);
  const found = feed(probe, file, 4096, { fileSize: file.length });
  const { header } = found.result;
  assert.equal(found.result.status, 'complete');
  assert.ok(header.data_offset <= found.at, 'found no later than the chunk holding the header\'s end');
  assert.equal(partExtent(header, 'm.gguf', file.length).wanted, file.length);
  assert.ok(found.result.plan.kvCacheBytes > 0);
  const notGguf = new HeaderProbe(module, 'page.html', 0);
  notGguf.add(new TextEncoder().encode('<!doctype html><title>404</title>'.padEnd(200)), true, 200);
  assert.throws(() => notGguf.parse(200), (e) => e instanceof InvalidModelError && /^page\.html: .*GGUF/.test(e.message));
});
