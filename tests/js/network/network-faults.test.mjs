// Network faults against the package's HTTP loader, from a 127.0.0.1 server that misbehaves
// on purpose (fault-server.mjs). Every load that succeeds must give a model byte-identical to
// the source (the cached copy's SHA-256) that generates the same greedy text; every load that
// fails must fail with the package's typed error and leave nothing in the cache that looks
// complete. All retry loops are bounded by the loader's `retries`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { FaultServer } from './fault-server.mjs';
import { splitGguf } from '../package/support/gguf-split.mjs';
import {
  cachedCopyOf, cachedFileFor, cachedFiles, cleanupScratch, greedy, importPackage, missingPrerequisite, record,
  sha256, writeModel,
} from './fixture.mjs';

const skip = missingPrerequisite();
if (skip) console.log(skip);

describe('network faults', { skip: skip ?? false }, () => {
  let pkg;
  let server;
  let bytes;
  let reference;   // {hash, text}
  let faults = 0;
  let n = 0;
  const freshPath = () => `/model-${++n}.gguf`;

  // Loads through the cache with short timeouts so every fault resolves in well under a second.
  async function load(url, options = {}) {
    const events = [];
    const warnings = [];
    const llm = await pkg.SmolLM.load(url, {
      cache: true, retries: 3, stallTimeoutMs: 800, threads: 1,
      onProgress: (p) => events.push(p), onWarning: (w) => warnings.push(w), ...options,
    });
    return { llm, events, warnings };
  }

  async function assertIdentical(llm) {
    const cached = cachedCopyOf(bytes);
    assert.ok(cached, 'the completed download is in the cache');
    assert.equal(sha256(cached), reference.hash, 'the cached model is byte-identical to the source');
    assert.equal((await greedy(llm)).text, reference.text, 'the loaded model generates the reference text');
  }

  before(async () => {
    pkg = await importPackage();
    const file = writeModel('network', { dim: 128, layers: 2, ffn: 256, seed: 11 });
    bytes = fs.readFileSync(file);
    const llm = await pkg.SmolLM.load(file, { cache: false, threads: 1 });
    reference = { hash: sha256(bytes), text: (await greedy(llm)).text };
    await llm.unload();
    server = await new FaultServer().start();
  });

  after(async () => {
    await server?.stop();
    record('network', 'faults injected', { faults, modelBytes: bytes?.length ?? 0 });
    cleanupScratch();
  });

  for (const fraction of [0.1, 0.5, 0.99]) {
    test(`a connection dropped at ${fraction * 100}% resumes with Range and the model is byte-identical`, async () => {
      const p = freshPath();
      const at = Math.floor(bytes.length * fraction);
      const url = server.serve(p, bytes, { script: [{ drop: at }] });
      faults += 1;
      const { llm, events } = await load(url);
      const gets = server.requestsFor(p);
      assert.equal(gets.length, 2, 'one request, one resume');
      assert.equal(gets[0].range, null);
      // The client's HTTP stack may drop bytes it had buffered but not handed over when the
      // connection closed early: the resume starts at the first byte the loader did not get.
      const start = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? '')?.[1] ?? -1);
      assert.ok(start > 0 && start <= at, `resumed at byte ${start} after a drop at ${at}`);
      assert.ok(!events.some((e) => e.restarted), 'no restart from zero');
      assert.equal(events.at(-1).loaded, bytes.length);
      await assertIdentical(llm);
      await llm.unload();
      record('network', `drop at ${fraction * 100}%`, { requests: gets.length, droppedAt: at, resumedAt: start, identical: true });
    });
  }

  test('a connection reset mid-body resumes from the last byte received', async () => {
    const p = freshPath();
    const at = Math.floor(bytes.length * 0.7);
    const url = server.serve(p, bytes, { script: [{ reset: at }] });
    faults += 1;
    const { llm } = await load(url);
    const gets = server.requestsFor(p);
    assert.equal(gets.length, 2);
    const start = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? '')?.[1] ?? -1);
    assert.ok(start > 0 && start <= at, `resumed at ${start} (reset after ${at})`);
    await assertIdentical(llm);
    await llm.unload();
  });

  test('four drops in one download each resume where the last ended', async () => {
    const p = freshPath();
    const cuts = [0.2, 0.4, 0.6, 0.8].map((f) => Math.floor(bytes.length * f));
    // Each drop sends `cut - previous` bytes of the resumed range.
    const script = cuts.map((c, i) => ({ drop: c - (i ? cuts[i - 1] : 0) }));
    const url = server.serve(p, bytes, { script });
    faults += script.length;
    const { llm } = await load(url);
    const gets = server.requestsFor(p);
    assert.equal(gets.length, cuts.length + 1);
    gets.slice(1).forEach((g, i) => {
      const start = Number(/^bytes=(\d+)-$/.exec(g.range ?? '')?.[1] ?? -1);
      assert.ok(start > (i ? cuts[i - 1] - 65536 : 0) && start <= cuts[i], `resume ${i + 1} at ${start}, cut at ${cuts[i]}`);
    });
    await assertIdentical(llm);
    await llm.unload();
  });

  test('404 fails at once with HttpError naming the status', async () => {
    const p = freshPath();
    const url = server.serve(p, bytes, { always: { status: 404 } });
    faults += 1;
    await assert.rejects(load(url), (e) => e instanceof pkg.HttpError && e.status === 404 && /404/.test(e.message));
    assert.equal(server.requestsFor(p).length, 1, 'a 404 is not retried');
    assert.equal(await pkg.cache.has(url), false);
  });

  test('500 twice, then the file: retried with backoff and loaded', async () => {
    const p = freshPath();
    const url = server.serve(p, bytes, { script: [{ status: 500 }, { status: 500 }] });
    faults += 2;
    const { llm } = await load(url);
    assert.equal(server.requestsFor(p).length, 3);
    await assertIdentical(llm);
    await llm.unload();
  });

  test('500 forever: HttpError after the configured retries, nothing cached', async () => {
    const p = freshPath();
    const url = server.serve(p, bytes, { always: { status: 500 } });
    await assert.rejects(load(url, { retries: 2 }), (e) => e instanceof pkg.HttpError && e.status === 500);
    faults += server.requestsFor(p).length;
    assert.equal(server.requestsFor(p).length, 3, 'first try + 2 retries, then it stops');
    assert.equal(await pkg.cache.has(url), false);
  });

  test('503 with Retry-After: 1 waits a second before retrying', async () => {
    const p = freshPath();
    const url = server.serve(p, bytes, { script: [{ status: 503, retryAfter: 1 }] });
    faults += 1;
    const { llm } = await load(url);
    const gets = server.requestsFor(p);
    assert.equal(gets.length, 2);
    assert.ok(gets[1].at - gets[0].at >= 900, `retried after ${gets[1].at - gets[0].at} ms`);
    await assertIdentical(llm);
    await llm.unload();
  });

  test('a missing Content-Length still loads the whole model', async () => {
    const p = freshPath();
    const url = server.serve(p, bytes, { script: [{ noLength: true }] });
    faults += 1;
    const { llm } = await load(url);
    await assertIdentical(llm);
    await llm.unload();
  });

  // A server that lies: the body is shorter or longer than it says. Either the model loads
  // byte-identical, or the load fails with a typed error and the cache holds no entry.
  for (const [what, fault] of [
    ['Content-Length larger than the body', { lengthDelta: 1000 }],
    ['Content-Length smaller than the file (body cut to match)', { lengthDelta: -1000 }],
    ['no Content-Length and the connection closed at 50%', { noLength: true, drop: 0 }],
  ]) {
    test(`${what}: identical model or a clear error, never a bad cache entry`, async () => {
      const p = freshPath();
      const f = { ...fault };
      if (f.drop === 0) f.drop = Math.floor(bytes.length / 2);
      const url = server.serve(p, bytes, { script: [f] });
      faults += 1;
      let outcome;
      try {
        const { llm } = await load(url);
        await assertIdentical(llm);
        await llm.unload();
        outcome = 'loaded, byte-identical';
      } catch (e) {
        assert.ok(e instanceof pkg.SmolLMError, `typed error, got ${e?.name}: ${e?.message}`);
        assert.ok(e.message.length > 10);
        assert.equal(await pkg.cache.has(url), false, 'a failed download is not cached');
        outcome = `${e.name}: ${e.message}`;
      }
      record('network', what, { outcome });
    });
  }

  test('a server without Range support: restart from zero, progress reset and explained', async () => {
    const p = freshPath();
    const at = Math.floor(bytes.length / 2);
    const url = server.serve(p, bytes, { script: [{ drop: at, noRange: true }], always: { noRange: true } });
    faults += 1;
    const { llm, events } = await load(url);
    const restart = events.findIndex((e) => e.restarted);
    assert.ok(restart >= 0, 'a progress event says the download restarted');
    assert.match(events[restart].restarted, /Range/);
    assert.ok(events[restart].loaded < at, 'progress went back after the restart');
    assert.equal(events.at(-1).loaded, bytes.length);
    await assertIdentical(llm);
    await llm.unload();
  });

  test('a stalled connection times out and the download resumes', async () => {
    const p = freshPath();
    const at = Math.floor(bytes.length * 0.4);
    const url = server.serve(p, bytes, { script: [{ stall: at }] });
    faults += 1;
    const t0 = Date.now();
    const { llm } = await load(url, { stallTimeoutMs: 500 });
    const gets = server.requestsFor(p);
    assert.equal(gets.length, 2);
    assert.equal(gets[1].range, `bytes=${at}-`);
    assert.ok(Date.now() - t0 >= 500, 'the stall timer fired');
    await assertIdentical(llm);
    await llm.unload();
  });

  test('a request the server never answers times out and is sent again', async () => {
    const p = freshPath();
    const url = server.serve(p, bytes, { script: [{ silent: true }] });
    faults += 1;
    const t0 = Date.now();
    const { llm } = await load(url, { stallTimeoutMs: 500 });
    const gets = server.requestsFor(p);
    assert.equal(gets.length, 2, 'the silent request, then one that was answered');
    assert.equal(gets[1].range, null, 'nothing had arrived, so the retry starts at byte 0');
    assert.ok(Date.now() - t0 >= 500, 'the stall timer fired');
    await assertIdentical(llm);
    await llm.unload();
  });

  test('a download that dies half-way is never stored as complete, and a later load works', async () => {
    const p = freshPath();
    const url = server.serve(p, bytes, { script: [{ drop: Math.floor(bytes.length / 2) }], always: { status: 500 } });
    await assert.rejects(load(url, { retries: 2 }), (e) => e instanceof pkg.SmolLMError);
    faults += server.requestsFor(p).length;
    assert.equal(await pkg.cache.has(url), false);
    assert.ok(!(await pkg.cache.list()).some((e) => e.url === url));
    const full = cachedFiles().filter((f) => f.endsWith('.gguf') && fs.statSync(f).size === bytes.length &&
      sha256(fs.readFileSync(f)) !== reference.hash);
    assert.deepEqual(full, [], 'no complete-looking file with other bytes');
    server.serve(p, bytes);
    const { llm } = await load(url);
    await assertIdentical(llm);
    await llm.unload();
    assert.equal(await pkg.cache.has(url), true);
  });

  test('a cached copy cut short is detected by its size and downloaded again', async () => {
    const p = freshPath();
    const url = server.serve(p, bytes);
    (await load(url)).llm.unload();
    assert.equal(await pkg.cache.has(url), true);
    const copy = cachedFileFor(url);
    assert.ok(copy, 'the cache entry of this URL is found');
    fs.truncateSync(copy, bytes.length - 4096);
    faults += 1;
    const before = server.requestsFor(p).length;
    assert.equal(await pkg.cache.has(url), false, 'the short copy is not offered as complete');
    const { llm } = await load(url);
    assert.ok(server.requestsFor(p).length > before, 'downloaded again');
    await assertIdentical(llm);
    await llm.unload();
  });

  test('a cached copy with a flipped byte fails the caller\'s SHA-256: deleted, downloaded again', async () => {
    const p = freshPath();
    const url = server.serve(p, bytes);
    await (await load(url, { sha256: reference.hash })).llm.unload();
    const copy = cachedFileFor(url);
    assert.ok(copy, 'the cache entry of this URL is found');
    const corrupt = fs.readFileSync(copy);
    corrupt[corrupt.length - 100] ^= 0xff;
    fs.writeFileSync(copy, corrupt);
    faults += 1;
    const before = server.requestsFor(p).length;
    // The engine is unloaded whatever happens: a live worker would keep this test file's
    // process (and so the whole suite) from ever exiting.
    let llm = null;
    try {
      let warnings;
      ({ llm, warnings } = await load(url, { sha256: reference.hash }));
      assert.ok(server.requestsFor(p).length > before, 'the corrupt copy was not used: downloaded again');
      const warning = warnings.find((w) => /SHA-256 mismatch/.test(w.message));
      assert.ok(warning, `a warning names the mismatch (got ${warnings.map((w) => w.message).join(' | ')})`);
      assert.ok(warning.message.includes(reference.hash) && warning.message.includes(sha256(corrupt)),
        'the warning names the expected and the actual digest');
      await assertIdentical(llm);
    } finally {
      await llm?.unload();
    }
    record('network', 'cached copy with a flipped byte + sha256', { outcome: 'deleted and downloaded again, byte-identical' });
  });

  test('a fresh download that fails the caller\'s SHA-256 is rejected and never cached', async () => {
    const p = freshPath();
    const corrupt = Buffer.from(bytes);
    corrupt[Math.floor(corrupt.length / 2)] ^= 0x01;
    const url = server.serve(p, corrupt);
    faults += 1;
    await assert.rejects(load(url, { sha256: reference.hash }), (e) => {
      assert.ok(e instanceof pkg.InvalidModelError, `InvalidModelError, got ${e?.name}: ${e?.message}`);
      assert.match(e.message, /SHA-256 mismatch/);
      assert.ok(e.message.includes(reference.hash), 'names the expected digest');
      assert.ok(e.message.includes(sha256(corrupt)), 'names the actual digest');
      return true;
    });
    assert.equal(await pkg.cache.has(url), false, 'not stored');
    assert.equal(cachedFileFor(url), null, 'no data file either');
    // The same bytes without a checksum load (the check was the only thing that refused them).
    const { llm } = await load(url);
    await llm.unload();
    assert.equal(await pkg.cache.has(url), true);
    record('network', 'fresh download with a flipped byte + sha256', { outcome: 'rejected, not cached' });
  });

  test('a split model takes one sha256 per part; a wrong one names its part', async () => {
    const parts = splitGguf(bytes, 3);
    const urls = parts.map((part, i) => server.serve(`/split-${n}/m-0000${i + 1}-of-00003.gguf`, part));
    const digests = parts.map(sha256);
    const ok = await load(urls[0], { sha256: digests, cache: false });
    assert.equal((await greedy(ok.llm)).text, reference.text);
    await ok.llm.unload();
    const wrong = [...digests];
    wrong[1] = sha256(bytes);
    await assert.rejects(load(urls[0], { sha256: wrong, cache: false }), (e) => e instanceof pkg.InvalidModelError &&
      e.message.includes(urls[1]) && e.message.includes(wrong[1]) && e.message.includes(digests[1]));
    await assert.rejects(load(urls[0], { sha256: digests[0], cache: false }), (e) => e instanceof pkg.InvalidArgumentError && /3 file/.test(e.message));
  });

  test('sha256 covers the whole file, the last tensor\'s padding included, and the cache keeps it', async () => {
    // dim 36: the F32 norm written last is 144 bytes, so the writer pads the file by 16 bytes
    // past the header's end of data, as llama.cpp does; a published digest covers them.
    const file = writeModel('padded', { dim: 36, layers: 1, heads: 2, kvHeads: 1, ffn: 72, seed: 5 });
    const padded = fs.readFileSync(file);
    const digest = sha256(padded);
    const fromFile = await load(file, { sha256: digest });
    await fromFile.llm.unload();
    const p = freshPath();
    const url = server.serve(p, padded);
    await (await load(url, { sha256: digest })).llm.unload();
    const copy = cachedFileFor(url);
    assert.ok(copy, 'the download was cached');
    assert.equal(sha256(fs.readFileSync(copy)), digest, 'the cached copy is the whole file, padding included');
    const before = server.requestsFor(p).length;
    await (await load(url, { sha256: digest })).llm.unload();
    assert.equal(server.requestsFor(p).length, before, 'the second load is served by the cache');
  });

  test('sha256 is checked for Blob and file-path inputs too, and must be 64 hex digits', async () => {
    const file = writeModel('network', { dim: 128, layers: 2, ffn: 256, seed: 11 });
    const blob = new Blob([bytes]);
    const ok = await load(blob, { sha256: reference.hash.toUpperCase() });
    assert.equal((await greedy(ok.llm)).text, reference.text);
    await ok.llm.unload();
    const wrong = '0'.repeat(64);
    await assert.rejects(load(blob, { sha256: wrong }), (e) => e instanceof pkg.InvalidModelError &&
      e.message.includes(wrong) && e.message.includes(reference.hash));
    await assert.rejects(load(file, { sha256: wrong }), (e) => e instanceof pkg.InvalidModelError && e.message.includes(reference.hash));
    await assert.rejects(load(file, { sha256: 'abc' }), (e) => e instanceof pkg.InvalidArgumentError && /64 hex/.test(e.message));
    await assert.rejects(load(file, { sha256: [reference.hash, reference.hash] }), (e) => e instanceof pkg.InvalidArgumentError && /one per file/.test(e.message));
  });
});
