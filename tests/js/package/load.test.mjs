// Loading: from a path, a Blob and HTTP (with resume after a dropped connection, restart
// without Range support, the offline cache), and a clear typed error for every bad input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SmolLM, cache, HttpError, InvalidArgumentError, InvalidModelError, ModelTooLargeError, UnsupportedModelError, NetworkError,
} from '../../../js/src/index.js';
import { GGML, llamaHeader, wholeFile } from './support/gguf-bytes.mjs';
import { startServer } from './support/http-server.mjs';
import { splitGguf } from './support/gguf-split.mjs';
import { syntheticModel } from './support/models.mjs';

const quick = { worker: false, build: 'single-thread', retries: 2, contextSize: 64 };

async function greedy(llm) {
  let text = '';
  for await (const p of llm.generate('ab', { maxTokens: 8, temperature: 0, ignoreEos: true })) text += p.text;
  return text;
}

describe('loading', () => {
  let server;
  let bytes;
  let reference;
  const cacheDir = mkdtempSync(join(tmpdir(), 'smollm-cache-'));
  before(async () => {
    process.env.SMOLLM_WASM_CACHE = cacheDir;
    const path = syntheticModel();
    bytes = readFileSync(path);
    const built = llamaHeader({ dim: 8192, heads: 64, kvHeads: 8, layers: 40, ffn: 28672, type: GGML.F16 });
    const unknownArch = llamaHeader({ arch: 'mamba' });
    const noKernels = llamaHeader({ typeOverride: { 'blk.0.attn_q.weight': GGML.I32 } });
    const splits = splitGguf(bytes, 3);
    server = await startServer({
      files: {
        '/model.gguf': { data: bytes },
        '/split/m-00001-of-00003.gguf': { data: splits[0] },
        '/split/m-00002-of-00003.gguf': { data: splits[1] },
        '/split/m-00003-of-00003.gguf': { data: splits[2] },
        '/split-part1/m-00001-of-00003.gguf': { data: splits[0] },
        '/drop.gguf': { data: bytes, dropAtFraction: 0.5 },
        '/norange.gguf': { data: bytes, dropAtFraction: 0.6, noRange: true },
        '/missing.gguf': { status: 404 },
        '/broken.gguf': { status: 500 },
        '/busy.gguf': { status: 503, headers: { 'retry-after': '0' } },
        '/text.gguf': { data: Buffer.from('<!doctype html><title>Not a model</title>'.repeat(40)) },
        '/truncated.gguf': { data: bytes.subarray(0, Math.floor(bytes.length * 0.7)) },
        '/huge.gguf': { data: built.header, claimBytes: built.fileBytes, sendOnly: built.header.length },
        '/stall.gguf': { data: bytes, sendOnly: 4096 },
        '/stall-once.gguf': { data: bytes, stallOnceAt: Math.floor(bytes.length / 3) },
        '/long-length.gguf': { data: bytes, claimBytes: bytes.length + 5000, closeEarly: true },
        '/mamba.gguf': { data: wholeFile(unknownArch) },
        '/i32.gguf': { data: wholeFile(noKernels) },
      },
    });
    const llm = await SmolLM.load(path, quick);
    reference = await greedy(llm);
    await llm.unload();
  });
  after(async () => {
    await server?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test('from a Blob, with progress in the cache phase', async () => {
    const events = [];
    const llm = await SmolLM.load(new Blob([bytes]), { ...quick, onProgress: (p) => events.push(p) });
    assert.equal(await greedy(llm), reference);
    await llm.unload();
    const reads = events.filter((e) => e.phase === 'cache');
    assert.ok(reads.length > 0);
    assert.equal(reads.at(-1).loaded, bytes.length);
    assert.ok(reads.every((e) => e.total === bytes.length));
    assert.equal(events.at(-1).phase, 'prepare');
  });

  test('over HTTP, then from the offline cache without downloading again', async () => {
    const url = `${server.url}/model.gguf`;
    const events = [];
    let llm = await SmolLM.load(url, { ...quick, onProgress: (p) => events.push(p) });
    assert.equal(await greedy(llm), reference);
    await llm.unload();
    assert.ok(events.some((e) => e.phase === 'download' && e.loaded === bytes.length && e.total === bytes.length));
    assert.ok(await cache.has(url));
    const [entry] = (await cache.list()).filter((e) => e.url === url);
    assert.equal(entry.bytes, bytes.length);
    assert.equal(entry.etag, '"v1"');
    const before = server.requests.length;
    const cachedEvents = [];
    llm = await SmolLM.load(url, { ...quick, onProgress: (p) => cachedEvents.push(p) });
    assert.deepEqual(server.requests.slice(before).map((r) => r.method), ['HEAD'], 'only an ETag check');
    assert.ok(cachedEvents.every((e) => e.phase !== 'download'));
    assert.equal(await greedy(llm), reference);
    await llm.unload();
    const { usedBytes } = await cache.storage();
    assert.ok(usedBytes >= bytes.length);
    assert.equal(await cache.delete(url), true);
    assert.equal(await cache.has(url), false);
  });

  test('the cached copy serves while the server is down, and is replaced when its ETag changes', async () => {
    const own = await startServer({ files: { '/m.gguf': { data: bytes, etag: '"a"' } } });
    const url = `${own.url}/m.gguf`;
    await (await SmolLM.load(url, quick)).unload();
    own.files['/m.gguf'].etag = '"b"';
    const events = [];
    await (await SmolLM.load(url, { ...quick, onProgress: (p) => events.push(p.phase) })).unload();
    assert.ok(events.includes('download'), 'a changed ETag downloads again');
    assert.equal((await cache.list()).find((e) => e.url === url).etag, '"b"');
    await own.close();
    const offline = [];
    const llm = await SmolLM.load(url, { ...quick, onProgress: (p) => offline.push(p.phase) });
    assert.equal(await greedy(llm), reference);
    await llm.unload();
    assert.ok(!offline.includes('download'));
    await cache.delete(url);
  });

  test('a split GGUF loads from its first part\'s URL', async () => {
    const events = [];
    const llm = await SmolLM.load(`${server.url}/split/m-00001-of-00003.gguf`, { ...quick, cache: false, onProgress: (p) => events.push(p) });
    assert.equal(await greedy(llm), reference);
    await llm.unload();
    const total = [1, 2, 3].reduce((a, i) => a + server.files[`/split/m-0000${i}-of-00003.gguf`].data.length, 0);
    assert.ok(events.filter((e) => e.phase === 'download').every((e) => e.total === total));
    await assert.rejects(() => SmolLM.load(`${server.url}/split-part1/m-00001-of-00003.gguf`, quick), HttpError);
    await assert.rejects(() => SmolLM.load(new Blob([server.files['/split/m-00001-of-00003.gguf'].data]), quick),
      /first of 3 parts/);
  });

  test('a dropped connection resumes with a Range request', async () => {
    const llm = await SmolLM.load(`${server.url}/drop.gguf`, { ...quick, cache: false });
    assert.equal(await greedy(llm), reference);
    await llm.unload();
    const ranges = server.requests.filter((r) => r.path === '/drop.gguf' && r.range);
    assert.equal(ranges.length, 1);
    assert.equal(ranges[0].range, `bytes=${Math.floor(bytes.length * 0.5)}-`);
    assert.equal(server.sent.get('/drop.gguf'), bytes.length, 'no byte downloaded twice');
  });

  test('a stalled connection times out and resumes', async () => {
    const llm = await SmolLM.load(`${server.url}/stall-once.gguf`, { ...quick, cache: false, stallTimeoutMs: 300 });
    assert.equal(await greedy(llm), reference);
    await llm.unload();
    const gets = server.requests.filter((r) => r.path === '/stall-once.gguf');
    assert.deepEqual(gets.map((r) => r.range), [null, `bytes=${Math.floor(bytes.length / 3)}-`]);
  });

  test('a Content-Length larger than the file still loads the bytes the header describes', async () => {
    const llm = await SmolLM.load(`${server.url}/long-length.gguf`, { ...quick, cache: false });
    assert.equal(await greedy(llm), reference);
    await llm.unload();
  });

  test('a server without Range support restarts from zero and says why', async () => {
    const events = [];
    const llm = await SmolLM.load(`${server.url}/norange.gguf`, { ...quick, onProgress: (p) => events.push(p) });
    assert.equal(await greedy(llm), reference);
    await llm.unload();
    assert.ok(events.some((e) => /Range/.test(e.restarted ?? '')));
    assert.equal(await cache.has(`${server.url}/norange.gguf`), true, 'the complete restart is cached');
  });

  test('HTTP errors name the status', async () => {
    await assert.rejects(() => SmolLM.load(`${server.url}/missing.gguf`, quick),
      (e) => e instanceof HttpError && e.status === 404 && /404/.test(e.message) && /missing\.gguf/.test(e.message));
    await assert.rejects(() => SmolLM.load(`${server.url}/broken.gguf`, { ...quick, retries: 1 }),
      (e) => e instanceof HttpError && e.status === 500);
    const attempts = server.requests.filter((r) => r.path === '/broken.gguf').length;
    assert.equal(attempts, 2, 'one retry');
    await assert.rejects(() => SmolLM.load(`${server.url}/busy.gguf`, { ...quick, retries: 2 }),
      (e) => e instanceof HttpError && e.status === 503);
    assert.equal(server.requests.filter((r) => r.path === '/busy.gguf').length, 3, 'Retry-After honoured twice');
  });

  test('a server that is down is a NetworkError', async () => {
    await assert.rejects(() => SmolLM.load('http://127.0.0.1:9/model.gguf', { ...quick, retries: 0 }), NetworkError);
  });

  test('a file that is not a GGUF says so', async () => {
    await assert.rejects(() => SmolLM.load(`${server.url}/text.gguf`, quick),
      (e) => e instanceof InvalidModelError && /not a GGUF/.test(e.message));
    assert.equal(await cache.has(`${server.url}/text.gguf`), false);
  });

  test('a truncated file is refused and never cached', async () => {
    await assert.rejects(() => SmolLM.load(`${server.url}/truncated.gguf`, quick),
      (e) => e instanceof InvalidModelError && /truncated/.test(e.message));
    assert.equal(await cache.has(`${server.url}/truncated.gguf`), false);
    await assert.rejects(() => SmolLM.load(new Blob([bytes.subarray(0, 100)]), quick), /truncated/);
  });

  test('a model too large for 4 GB is refused from its header, before the weights', async () => {
    await assert.rejects(() => SmolLM.load(`${server.url}/huge.gguf`, { ...quick, stallTimeoutMs: 60000 }),
      (e) => e instanceof ModelTooLargeError && e.requiredBytes > 2 ** 32 && /GiB/.test(e.message));
    assert.ok(server.sent.get('/huge.gguf') < 2 ** 20);
  });

  test('an unsupported architecture or weight type is named', async () => {
    await assert.rejects(() => SmolLM.load(`${server.url}/mamba.gguf`, quick),
      (e) => e instanceof UnsupportedModelError && /mamba/.test(e.message));
    await assert.rejects(() => SmolLM.load(`${server.url}/i32.gguf`, quick),
      (e) => e instanceof UnsupportedModelError && /I32/.test(e.message));
  });

  test('aborting a load rejects with AbortError at once', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = SmolLM.load(`${server.url}/stall.gguf`, { ...quick, signal: controller.signal, stallTimeoutMs: 60000 });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (e) => e.name === 'AbortError');
    assert.ok(performance.now() - started < 5000);
  });

  test('a missing local file names the path', async () => {
    await assert.rejects(() => SmolLM.load('/nonexistent/model.gguf', quick),
      (e) => e instanceof InvalidArgumentError && /nonexistent\/model\.gguf: no such file/.test(e.message));
  });
});
