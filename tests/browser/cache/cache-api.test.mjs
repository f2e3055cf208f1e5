// The public cache API (cache.list/has/delete/clear) covers both browser stores: Cache Storage
// (browser-cache.js) and the IndexedDB chunk store (idb-chunk-store.js), whichever one this
// browser loads into (js/src/cache/index.js picks by feature detection), so an entry the other
// store holds can still be listed and removed. One entry is written through each store's own
// writer, on the page, then the public API is used.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { enginesToRun, startPackageServer } from './support.mjs';
import { missingPrerequisite } from '../../js/network/fixture.mjs';

// In the page: an entry of `sizes[i]` bytes per store, then the public API's view after each step.
async function exercise([origin, sizes, piece]) {
  const { cache } = await import('/js/src/index.js');
  const stores = [await import('/js/src/cache/browser-cache.js'), await import('/js/src/cache/idb-chunk-store.js')];
  await cache.clear();
  const urls = [`${origin}/api-cache-storage.gguf`, `${origin}/api-idb.gguf`];
  for (let i = 0; i < 2; ++i) {
    const bytes = new Uint8Array(sizes[i]).map((_, k) => (k * 31 + i) & 0xff);
    const writer = await stores[i].createWriter(urls[i], bytes.length, `"e${i}"`, (from, to) => bytes.slice(from, to));
    // In pieces smaller than a chunk record, as a download arrives: a write that completes no
    // chunk once left the IndexedDB store's writer stuck, its finish() never settling.
    for (let at = 0; at < bytes.length; at += piece) await writer.write(bytes.subarray(at, at + piece));
    await writer.finish();
  }
  const view = async () => ({
    list: (await cache.list()).map((e) => [e.url, e.bytes, e.etag]).sort(),
    has: await Promise.all(urls.map((u) => cache.has(u))),
  });
  const stored = await view();
  const deleted = await cache.delete(urls[1]);
  const afterDelete = await view();
  await cache.clear();
  const afterClear = await view();
  return { urls, stored, deleted, afterDelete, afterClear };
}

const missing = missingPrerequisite();
if (missing) console.log(missing);

describe('cache.list/has/delete/clear over both browser stores', { skip: missing ?? false }, () => {
  let server;
  before(async () => { server = await startPackageServer(); });
  after(async () => { await server?.stop(); });

  for (const { engine, skip } of enginesToRun()) {
    // A writer that never finishes shows as this timeout (the page's evaluation never returns).
    test(engine.name, { skip, timeout: 300000 }, async () => {
      const browser = await engine.launch();
      try {
        await browser.goto(`${server.origin}/`);
        // The IndexedDB entry spans two 8 MiB chunks and a rest.
        const sizes = [300_000, 2 * 8 * 2 ** 20 + 12_345];
        const r = await browser.evaluate(exercise, [server.origin, sizes, 1_000_000]);
        const [a, b] = r.urls;
        assert.deepEqual(r.stored, { list: [[a, sizes[0], '"e0"'], [b, sizes[1], '"e1"']].sort(), has: [true, true] });
        assert.equal(r.deleted, true);
        assert.deepEqual(r.afterDelete, { list: [[a, sizes[0], '"e0"']], has: [true, false] });
        assert.deepEqual(r.afterClear, { list: [], has: [false, false] });
      } finally {
        await browser.close();
      }
    });
  }
});
