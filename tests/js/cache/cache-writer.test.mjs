// The loader's cache writer alone, over the Node store: a download is committed only by
// finish(), with the bytes and ETag of its last start; a restart drops what was stored; a
// store that cannot be written is a warning, never a failed load; a local file is not cached.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PartCacheWriter } from '../../../js/src/loader/cache-writer.js';
import { lookup } from '../../../js/src/cache/index.js';
import { EngineError, SmolLMError } from '../../../js/src/errors.js';

const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-cache-writer-'));
process.env.SMOLLM_WASM_CACHE = path.join(DIR, 'cache');
after(() => fs.rmSync(DIR, { recursive: true, force: true }));

const files = () => (fs.existsSync(process.env.SMOLLM_WASM_CACHE) ? fs.readdirSync(process.env.SMOLLM_WASM_CACHE) : []);
const bytesOf = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
const readBack = () => { throw new Error('the Node store stores each chunk as it is written'); };

async function stored(url) {
  const source = await lookup(url);
  if (!source) return null;
  const parts = [];
  for await (const item of source.chunks()) parts.push(Buffer.from(item.bytes));
  return { etag: source.etag, bytes: Buffer.concat(parts) };
}

test('finish() commits the bytes written; nothing is visible before it', async () => {
  const url = 'https://example.test/a.gguf';
  const warnings = [];
  const cache = new PartCacheWriter(url, (w) => warnings.push(w));
  const file = bytesOf(5000, 1);
  await cache.open(file.length, '"v1"', readBack);
  await cache.write(file.subarray(0, 3000));
  await cache.write(file.subarray(3000));
  assert.equal(await lookup(url), null, 'not committed before finish()');
  await cache.finish();
  assert.deepEqual(await stored(url), { etag: '"v1"', bytes: Buffer.from(file) });
  assert.deepEqual(warnings, []);
  assert.deepEqual(files().filter((n) => n.includes('.partial')), []);
});

test('a restart drops the bytes stored so far, and the entry takes the new ETag', async () => {
  const url = 'https://example.test/b.gguf';
  const cache = new PartCacheWriter(url, (w) => assert.fail(w));
  await cache.open(4000, '"old"', readBack);
  await cache.write(bytesOf(2500, 2));
  await cache.restart('"new"');
  const file = bytesOf(4000, 3);
  await cache.write(file);
  await cache.finish();
  assert.deepEqual(await stored(url), { etag: '"new"', bytes: Buffer.from(file) });
});

test('abort() stores nothing', async () => {
  const url = 'https://example.test/c.gguf';
  const cache = new PartCacheWriter(url, (w) => assert.fail(w));
  await cache.open(1000, null, readBack);
  await cache.write(bytesOf(1000, 4));
  cache.abort();
  await cache.finish();   // after abort: nothing left to commit
  assert.equal(await lookup(url), null);
});

test('a short download is not committed: finish() warns instead of failing the load', async () => {
  const url = 'https://example.test/d.gguf';
  const warnings = [];
  const cache = new PartCacheWriter(url, (w) => warnings.push(w));
  await cache.open(1000, null, readBack);
  await cache.write(bytesOf(999, 5));
  await cache.finish();
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0] instanceof SmolLMError, warnings[0].name);
  assert.match(warnings[0].message, /ended at 999 of 1000 bytes/);
  assert.equal(await lookup(url), null);
});

test('a store that cannot be opened is a warning; the writes go nowhere', async () => {
  const blocked = path.join(DIR, 'not-a-directory');
  fs.writeFileSync(blocked, '');
  const saved = process.env.SMOLLM_WASM_CACHE;
  process.env.SMOLLM_WASM_CACHE = blocked;
  try {
    const warnings = [];
    const cache = new PartCacheWriter('https://example.test/e.gguf', (w) => warnings.push(w));
    await cache.open(10, null, readBack);
    assert.equal(warnings.length, 1);
    // A file system error is no SmolLMError: it is passed as the EngineError the worker engine
    // has always made of it, its cause kept.
    assert.ok(warnings[0] instanceof EngineError, warnings[0].name);
    assert.match(warnings[0].cause.code, /EEXIST|ENOTDIR/);
    await cache.write(bytesOf(10, 6));
    await cache.finish();
    assert.equal(warnings.length, 1);
  } finally {
    process.env.SMOLLM_WASM_CACHE = saved;
  }
});

test('no URL (a local file): nothing is opened or stored', async () => {
  const before = files();
  const cache = new PartCacheWriter(null, (w) => assert.fail(w));
  await cache.open(10, null, readBack);
  await cache.write(bytesOf(10, 7));
  await cache.restart(null);
  await cache.finish();
  assert.deepEqual(files(), before);
});
