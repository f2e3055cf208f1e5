// The caller's SHA-256 alone: how LoadOptions.sha256 is read, and the engine's incremental
// hasher fed with the ranges of wasm memory a file landed in (compared with node:crypto).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { PartHasher, expectedDigests } from '../../../js/src/loader/hashing.js';
import { CachedEntryCorrupt } from '../../../js/src/cache/entry-corrupt.js';
import { InvalidArgumentError, InvalidModelError } from '../../../js/src/errors.js';
import { pattern } from './fake-module.mjs';
import { missingPrerequisite } from './fixture.mjs';

const A = 'a'.repeat(64);
const B = 'B'.repeat(64);

test('expectedDigests: one per part, trimmed and lower-cased; none means no check', () => {
  assert.deepEqual(expectedDigests(undefined, 2), [null, null]);
  assert.deepEqual(expectedDigests(null, 1), [null]);
  assert.deepEqual(expectedDigests(` ${B}\n`, 1), ['b'.repeat(64)]);
  assert.deepEqual(expectedDigests([A, B], 2), [A, 'b'.repeat(64)]);
});

test('expectedDigests: a count that is not the part count, or a digest that is not 64 hex digits, is refused', () => {
  assert.throws(() => expectedDigests(A, 2), (e) => e instanceof InvalidArgumentError && /gives 1 digest\(s\) but the model has 2 file\(s\)/.test(e.message));
  assert.throws(() => expectedDigests([A, A, A], 2), InvalidArgumentError);
  for (const bad of ['a'.repeat(63), 'g'.repeat(64), 42, [A, null]]) {
    assert.throws(() => expectedDigests(bad, Array.isArray(bad) ? bad.length : 1),
      (e) => e instanceof InvalidArgumentError && /must be a SHA-256 digest as 64 hex digits/.test(e.message), JSON.stringify(bad));
  }
});

const skip = missingPrerequisite();
test('PartHasher over wasm memory: pieces in file order give the file\'s digest; a reset starts over', { skip: skip ?? false }, async () => {
  const { createModule } = await import('../../../js/src/wasm-module.js');
  const module = await createModule('single-thread', 1, 'simd128');
  const file = pattern(300000, 5);
  const digest = crypto.createHash('sha256').update(file).digest('hex');
  const ptr = module._malloc(file.length) >>> 0;
  try {
    module.HEAPU8.set(file, ptr);
    const hasher = new PartHasher(module, digest);
    try {
      hasher.update(ptr, 1000);          // a download that restarts after 1000 bytes
      hasher.reset();
      for (const [from, to] of [[0, 7], [7, 7], [7, 65536], [65536, 300000]]) hasher.update(ptr + from, to - from);
      hasher.verify('m.gguf', file.length, false);
    } finally {
      hasher.delete();
    }
    for (const cached of [false, true]) {
      const wrong = new PartHasher(module, digest);
      try {
        wrong.update(ptr, file.length - 1);
        assert.throws(() => wrong.verify('m.gguf', file.length - 1, cached), (e) => {
          assert.ok(cached ? e instanceof CachedEntryCorrupt : e instanceof InvalidModelError, e.name);
          assert.match(e.message, new RegExp(`SHA-256 mismatch for m\\.gguf: expected ${digest}, got [0-9a-f]{64} \\(299999 bytes`));
          assert.equal(/offline cache/.test(e.message), cached);
          if (cached) assert.equal(e.why, 'it failed its SHA-256 check');
          return true;
        });
      } finally {
        wrong.delete();
      }
    }
  } finally {
    module._free(ptr);
  }
});
