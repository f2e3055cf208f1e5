// Issue 15, item 13 (Node side): the Node model cache must not leave orphaned partial files.
// A download in progress writes <key>.partial.<pid>.<random>; a process killed mid-download
// (SIGKILL: no cleanup runs) leaves it behind, and the next writer, list() or clear() must
// remove it, while the temporary file of a writer that is still alive stays untouched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { FaultServer } from '../network/fault-server.mjs';
import { ROOT, cleanupScratch, importPackage, missingPrerequisite, writeModel } from '../network/fixture.mjs';

const skip = missingPrerequisite();
if (skip) console.log(skip);

const CACHE = process.env.SMOLLM_WASM_CACHE;   // the fixture's scratch cache directory
const partials = () => (fs.existsSync(CACHE) ? fs.readdirSync(CACHE).filter((n) => n.includes('.partial')) : []);

// A child process that loads `url` with the cache on and never finishes on its own.
function startChildLoad(url) {
  const index = pathToFileURL(path.join(ROOT, 'js/src/index.js')).href;
  const script = `const { SmolLM } = await import(${JSON.stringify(index)});
await SmolLM.load(${JSON.stringify(url)}, { worker: false, threads: 1, stallTimeoutMs: 60000 });`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, SMOLLM_WASM_CACHE: CACHE }, stdio: 'ignore' });
}

async function until(what, fn, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Node cache: no orphaned partial files; storage status', { skip: skip ?? false }, () => {
  let pkg;
  let server;
  let bytes;

  before(async () => {
    pkg = await importPackage();
    bytes = fs.readFileSync(writeModel('node-cache', { dim: 256, layers: 4, ffn: 512, seed: 13 }));
    server = await new FaultServer().start();
  });

  after(async () => {
    await server?.stop();
    cleanupScratch();
  });

  test('a download killed mid-way leaves a partial file that the next load sweeps away', async () => {
    // Slow enough (~1.6 MB/s) that the child is still downloading when it is killed.
    const url = server.serve('/killed.gguf', bytes, { script: [{ throttle: 8192 }] });
    const child = startChildLoad(url);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await until('the child to write part of the download', () =>
        partials().find((n) => fs.statSync(path.join(CACHE, n)).size > 0));
    } finally {
      child.kill('SIGKILL');
    }
    await exited;
    const orphan = partials();
    assert.equal(orphan.length, 1, `the killed download left its partial file (${orphan})`);
    assert.match(orphan[0], new RegExp(`\\.partial\\.${child.pid}\\.`));

    const llm = await pkg.SmolLM.load(url, { worker: false, threads: 1 });
    await llm.unload();
    assert.deepEqual(partials(), [], 'the dead writer\'s partial file was removed');
    assert.equal(await pkg.cache.has(url), true, 'the second download was cached');
    const names = fs.readdirSync(CACHE).sort();
    assert.equal(names.length, 2, `one data file and one record, nothing else: ${names}`);
  });

  test('ModelInfo.storage in Node: a directory on disk is persistent, its quota is the free disk', async () => {
    const url = server.serve('/storage.gguf', bytes);
    const llm = await pkg.SmolLM.load(url, { worker: false, threads: 1, persist: true });
    const { storage } = llm.info;
    await llm.unload();
    assert.equal(storage.persistRequested, true);
    assert.equal(storage.persisted, true);
    assert.ok(storage.quotaBytes > storage.usageBytes && storage.usageBytes >= bytes.length, JSON.stringify(storage));
    await assert.rejects(pkg.SmolLM.load(url, { worker: false, persist: 'yes' }), (e) => e instanceof pkg.InvalidArgumentError && /persist/.test(e.message));
  });

  test('a live writer\'s temporary file is never swept, and clear() leaves an empty directory', async () => {
    // A partial of this (live) process, freshly written: another load must not touch it.
    const live = path.join(CACHE, `${'0'.repeat(32)}.partial.${process.pid}.live`);
    fs.writeFileSync(live, 'in progress');
    const url = server.serve('/second.gguf', bytes);
    await (await pkg.SmolLM.load(url, { worker: false, threads: 1 })).unload();
    assert.ok(fs.existsSync(live), 'the live writer\'s file is still there');
    fs.rmSync(live);
    await pkg.cache.clear();
    assert.deepEqual(fs.readdirSync(CACHE), [], 'clear() removed every entry and record');
  });
});
