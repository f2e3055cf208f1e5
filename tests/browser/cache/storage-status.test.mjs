// Issue 19: LoadOptions.persist asks for persistent storage before a download, the load
// never waits for the answer (Firefox asks the user with a prompt nobody answers here), and
// ModelInfo.storage reports the quota, the usage and whether storage is persistent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { enginesToRun, startPackageServer } from './support.mjs';
import { cleanupScratch, missingPrerequisite, writeModel } from '../../js/network/fixture.mjs';

async function storageAfterLoad([url, options]) {
  try {
    const { SmolLM } = await import('/js/src/index.js');
    const llm = await SmolLM.load(url, { threads: 1, ...options });
    const { storage } = llm.info;
    await llm.unload();
    // WebKitGTK has no StorageManager (navigator.storage): every figure is then null.
    return { storage, hasManager: Boolean(navigator.storage), persistedNow: await navigator.storage?.persisted(), error: null };
  } catch (e) {
    return { error: `${e?.name}: ${e?.message}` };
  }
}

const missing = missingPrerequisite();
if (missing) console.log(missing);

describe('ModelInfo.storage and LoadOptions.persist', { skip: missing ?? false }, () => {
  let server;
  let bytes;

  before(async () => {
    bytes = fs.readFileSync(writeModel('storage-status', { dim: 64, layers: 1, ffn: 128, seed: 3 }));
    server = await startPackageServer();
  });

  after(async () => {
    await server?.stop();
    cleanupScratch();
  });

  for (const { engine, skip } of enginesToRun()) {
    test(`${engine.name}: the quota and persistence are reported, with and without persist`, { skip }, async () => {
      const browser = await engine.launch();
      try {
        await browser.goto(`${server.origin}/`);
        for (const persist of [false, true]) {
          const url = server.serve(`/${engine.name}-${persist}.gguf`, bytes);
          const r = await browser.evaluate(storageAfterLoad, [url, { persist }]);
          assert.equal(r.error, null);
          const s = r.storage;
          assert.equal(s.persistRequested, persist);
          if (!r.hasManager) {
            assert.deepEqual(s, { persistRequested: persist, persisted: null, quotaBytes: null, usageBytes: null });
            continue;
          }
          assert.equal(typeof s.persisted, 'boolean', JSON.stringify(s));
          if (!persist) assert.equal(s.persisted, r.persistedNow, 'without a request it is the origin\'s current state');
          assert.ok(s.quotaBytes > 0, `quota ${s.quotaBytes}`);
          assert.ok(s.usageBytes >= bytes.length, `usage ${s.usageBytes} includes the cached model (${bytes.length} bytes)`);
        }
      } finally {
        await browser.close();
      }
    });
  }
});
