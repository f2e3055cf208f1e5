// Issue 15, item 13 (browser side): the browser's model cache (either store) never keeps an entry
// shorter than its recorded size. On store: a download whose optional tail (the padding after
// the last tensor) never arrives still loads, but must not be committed under the padded
// size. On read: an entry cut short (stored by a load, then its bytes cut, its recorded size
// kept) must be deleted and downloaded again, not fail the load.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { enginesToRun, startPackageServer } from './support.mjs';
import { cleanupScratch, missingPrerequisite, writeModel } from '../../js/network/fixture.mjs';

// dim 36: the F32 norm written last is 144 bytes, so the writer pads the file by 16 bytes
// past the end of the tensor data (see tests/js/network's padding test).
const PADDING = 16;

// In the page: a load with the cache on (phases seen, error as text), then the entry's state
// in whichever store the package uses here (tests/browser/cache/stored-entry.js).
async function loadAndInspect(url) {
  const phases = new Set();
  let error = null;
  try {
    const { SmolLM } = await import('/js/src/index.js');
    const llm = await SmolLM.load(url, { threads: 1, retries: 1, stallTimeoutMs: 2000, onProgress: (p) => phases.add(p.phase) });
    await llm.unload();
  } catch (e) {
    error = `${e?.name}: ${e?.message}`;
  }
  const stored = await (await import('/tests/browser/cache/stored-entry.js')).storedEntry(url);
  const entry = stored ? { bodyBytes: stored.bytes.byteLength, recordedBytes: stored.recordedBytes } : null;
  return { phases: [...phases], error, entry };
}

// In the page: caches the file at `url` (a load), then cuts its stored bytes to the first
// `keep`, leaving the entry's recorded size that of the whole file.
async function plantShortEntry([url, keep]) {
  const { SmolLM } = await import('/js/src/index.js');
  await (await SmolLM.load(url, { threads: 1 })).unload();
  const { storedEntry, replaceStoredBytes } = await import('/tests/browser/cache/stored-entry.js');
  const { bytes } = await storedEntry(url);
  await replaceStoredBytes(url, bytes.slice(0, keep));
  return (await storedEntry(url)).bytes.byteLength;
}

const missing = missingPrerequisite();
if (missing) console.log(missing);

describe('browser cache entries are never shorter than recorded', { skip: missing ?? false }, () => {
  let server;
  let padded;

  before(async () => {
    padded = fs.readFileSync(writeModel('entry-length', { dim: 36, layers: 1, heads: 2, kvHeads: 1, ffn: 72, seed: 5 }));
    server = await startPackageServer();
  });

  after(async () => {
    await server?.stop();
    cleanupScratch();
  });

  for (const { engine, skip } of enginesToRun()) {
    describe(engine.name, { skip }, () => {
      let browser;
      before(async () => {
        browser = await engine.launch();
        await browser.goto(`${server.origin}/`);
      });
      after(async () => {
        await browser?.close();
      });

      test('a download that ends before its padding loads, but is not stored short', async () => {
        // No Content-Length, and the body ends where the tensor data ends: the loader knows
        // the file is complete enough to run, and the padded size from the header.
        const url = server.serve(`/${engine.name}-no-padding.gguf`, padded, { script: [{ noLength: true, drop: padded.length - PADDING }] });
        const r = await browser.evaluate(loadAndInspect, url);
        assert.equal(r.error, null, 'the model loads without its optional padding');
        if (r.entry) assert.equal(r.entry.bodyBytes, r.entry.recordedBytes, `a stored entry holds its recorded size: ${JSON.stringify(r.entry)}`);
      });

      test('an entry cut short is deleted and downloaded again', async () => {
        const p = `/${engine.name}-short.gguf`;
        const url = server.serve(p, padded);
        assert.equal(await browser.evaluate(plantShortEntry, [url, padded.length - 1000]), padded.length - 1000, 'the entry was cut short');
        const before = server.requestsFor(p).length;
        const r = await browser.evaluate(loadAndInspect, url);
        assert.equal(r.error, null, 'the short entry does not fail the load');
        assert.ok(server.requestsFor(p).length > before, 'the file was downloaded again');
        assert.ok(r.phases.includes('download'), `phases ${r.phases}`);
        assert.deepEqual(r.entry, { bodyBytes: padded.length, recordedBytes: padded.length }, 'the entry is whole again');
      });
    });
  }
});
