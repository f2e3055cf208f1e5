// The demo's memory settings, their parts that run in Node: the GGUF header reader
// (demo/src/gguf_shape.js), the KV cache's cost (kv_memory.js), checked against what the
// package itself reports after a load (ModelInfo.kvCacheBytes) for every cache type, the saved
// / URL-forced choice (kv_prefs.js), and the Range reads of a URL's header
// (model_shape_source.js). tests/browser/demo/demo_memory.test.mjs drives them in browsers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { SmolLM } from '../../../js/src/index.js';
import { buildGguf, llamaHeader } from '../package/support/gguf-bytes.mjs';
import { SHARED, syntheticModel } from '../package/support/models.mjs';
import { MAX_CONTEXT, NeedMoreBytes, modelShape, readMetadata, readShape } from '../../../demo/src/gguf_shape.js';
import { KV_TYPES, contextFor, describeKv, formatMiB, kvCacheBytes } from '../../../demo/src/kv_memory.js';
import { loadOptionsFor, prefsToStore, resolvePrefs } from '../../../demo/src/kv_prefs.js';
import { urlPrefixReader } from '../../../demo/src/model_shape_source.js';

const TINY_PY = path.join(SHARED, 'golden', 'models', 'tiny-py-Q4_K_M.gguf');
const quick = { worker: false, build: 'single-thread', threads: 1, cache: false };
const prefixOf = (bytes, reads = []) => async (n) => {
  reads.push(n);
  return new Uint8Array(bytes.subarray(0, n));
};

describe('gguf_shape: the header keys the KV cache depends on', () => {
  test('layers, head size, K/V width and trained context, as the engine derives them', () => {
    const { header } = llamaHeader({ dim: 128, layers: 3, heads: 4, kvHeads: 2, context: 4096 });
    assert.deepEqual(modelShape(readMetadata(header)),
      { architecture: 'llama', layers: 3, headDim: 32, kvDim: 64, trainedContext: 4096 });
  });

  test('head_count_kv defaults to head_count; attention.key_length sets the head size', () => {
    const base = {
      'general.architecture': 'llama', 'llama.block_count': 2, 'llama.embedding_length': 256,
      'llama.attention.head_count': 8, 'llama.context_length': 1000,
    };
    assert.equal(modelShape(readMetadata(buildGguf(base, []).header)).kvDim, 256);
    const shape = modelShape(readMetadata(buildGguf({ ...base, 'llama.attention.key_length': 64 }, []).header));
    assert.deepEqual([shape.headDim, shape.kvDim], [64, 512]);
    const huge = modelShape(readMetadata(buildGguf({ ...base, 'llama.context_length': 2 ** 31 }, []).header));
    assert.equal(huge.trainedContext, MAX_CONTEXT, 'capped as the engine caps it');
  });

  test('not a GGUF file, or one without the keys: a clear error', () => {
    assert.throws(() => readMetadata(new TextEncoder().encode('PK\x03\x04 not a model at all')), /not a GGUF file/);
    const v1 = new Uint8Array(24);
    v1.set(new TextEncoder().encode('GGUF'));
    v1[4] = 1;
    assert.throws(() => readMetadata(v1), /GGUF version 1 is not supported/);
    const noLayers = buildGguf({ 'general.architecture': 'llama', 'llama.attention.head_count': 4 }, []).header;
    assert.throws(() => modelShape(readMetadata(noLayers)), /no usable llama\.block_count/);
    assert.throws(() => modelShape(readMetadata(buildGguf({ 'general.name': 'x' }, []).header)), /no general\.architecture/);
  });

  test('a prefix that ends inside the metadata asks for more; readShape grows it', async () => {
    const { header } = llamaHeader({ vocab: 5000 }); // a token list of ~40 kB
    assert.throws(() => readMetadata(header.subarray(0, 1000)), (e) => e instanceof NeedMoreBytes && e.needed > 1000);
    const reads = [];
    const shape = await readShape(prefixOf(header, reads), { first: 1024 });
    assert.equal(shape.layers, 1);
    assert.ok(reads.length > 1 && reads.every((n, i) => i === 0 || n > reads[i - 1]), `reads ${reads}`);
    await assert.rejects(readShape(prefixOf(header.subarray(0, 3000)), { first: 1024 }), /ends inside its GGUF header/);
    await assert.rejects(readShape(prefixOf(header), { first: 1024, limit: 4096 }), /larger than 4096 bytes/);
  });
});

describe('kv_memory: the cost of each choice', () => {
  // SmolLM2-1.7B: 24 layers, 32 heads of 64 (no GQA).
  const smollm2 = { layers: 24, headDim: 64, kvDim: 2048, trainedContext: 8192 };

  test("SmolLM2-1.7B's 8,192 tokens: 816 MiB in q8_0, 1.5 GiB in f16, 432 MiB in q4_0", () => {
    assert.equal(describeKv(kvCacheBytes(smollm2, 8192, 'q8_0'), 'q8_0', 8192), 'KV cache 816 MiB (q8_0, 8,192 tokens)');
    assert.equal(formatMiB(kvCacheBytes(smollm2, 8192, 'f16')), '1.5 GiB');
    assert.equal(formatMiB(kvCacheBytes(smollm2, 8192, 'q4_0')), '432 MiB');
    assert.equal(formatMiB(kvCacheBytes(smollm2, 512, 'q4_0')), '27 MiB');
    assert.equal(contextFor('auto', smollm2), 8192);
    assert.equal(contextFor(1024, smollm2), 1024);
  });

  test('a head size the 32-value blocks do not divide: no figure, as the engine refuses it', () => {
    const small = { layers: 2, headDim: 16, kvDim: 32, trainedContext: 512 };
    assert.equal(kvCacheBytes(small, 512, 'q8_0'), null);
    assert.equal(kvCacheBytes(small, 512, 'f16'), 2 * 512 * 2 * 64);
    assert.match(describeKv(null, 'q8_0', 512), /q8_0 cannot store this model's heads/);
  });

  describe("equals the package's ModelInfo.kvCacheBytes after a load", () => {
    const cases = [{ name: 'synthetic (head size 32, GQA)', file: () => syntheticModel({ dim: 128, heads: 4, kvHeads: 2, ffn: 256, context: 512 }) }];
    if (fs.existsSync(TINY_PY)) cases.push({ name: 'tiny-py', file: () => TINY_PY });
    for (const { name, file } of cases) {
      test(name, async () => {
        const bytes = fs.readFileSync(file());
        const shape = await readShape(prefixOf(bytes));
        for (const { value: type } of KV_TYPES) {
          for (const context of ['auto', 256]) {
            const llm = await SmolLM.load(file(), { ...quick, ...loadOptionsFor({ kvType: type, context }) });
            try {
              assert.equal(llm.info.contextSize, contextFor(context, shape), `${type} ${context}`);
              assert.equal(llm.info.kvCacheKeyType, type);
              assert.equal(kvCacheBytes(shape, llm.info.contextSize, type), llm.info.kvCacheBytes, `${type} ${context}`);
            } finally {
              await llm.unload();
            }
          }
        }
      });
    }
  });
});

describe('kv_prefs: the saved choice, the page address overriding it', () => {
  test('defaults: q8_0 and Auto', () => {
    const p = resolvePrefs(null, '');
    assert.deepEqual([p.kvType, p.context, p.fromUrl], ['q8_0', 'auto', { kvType: false, context: false }]);
    assert.deepEqual(loadOptionsFor(p), { kvCacheType: 'q8_0' });
  });

  test('a saved choice; damaged or unknown values fall back to the defaults', () => {
    const p = resolvePrefs(JSON.stringify({ kvType: 'f16', context: 2048 }), '');
    assert.deepEqual(loadOptionsFor(p), { kvCacheType: 'f16', contextSize: 2048 });
    assert.deepEqual([resolvePrefs('{oops', '').kvType, resolvePrefs('{oops', '').context], ['q8_0', 'auto']);
    const odd = resolvePrefs(JSON.stringify({ kvType: 'Q8_0', context: 3000 }), '');
    assert.deepEqual([odd.kvType, odd.context], ['q8_0', 'auto']);
    assert.equal(resolvePrefs('null', '').kvType, 'q8_0');
  });

  test('?kv= and ?context= win for the visit and are never saved', () => {
    const stored = JSON.stringify({ kvType: 'q4_0', context: 1024 });
    const p = resolvePrefs(stored, '?context=300&kv=f16');
    assert.deepEqual(loadOptionsFor(p), { kvCacheType: 'f16', contextSize: 300 });
    assert.deepEqual(p.fromUrl, { kvType: true, context: true });
    assert.deepEqual(JSON.parse(prefsToStore(p)), { kvType: 'q4_0', context: 1024 });
    const half = resolvePrefs(stored, '?kv=bogus&context=-5');
    assert.deepEqual(loadOptionsFor(half), { kvCacheType: 'q4_0', contextSize: 1024 });
    const changed = { ...resolvePrefs(stored, '?kv=f16'), context: 4096 };
    assert.deepEqual(JSON.parse(prefsToStore(changed)), { kvType: 'q4_0', context: 4096 });
  });
});


describe('model_shape_source: a URL read in Range requests', () => {
  const { header } = llamaHeader({ dim: 128, layers: 3, heads: 4, kvHeads: 2, vocab: 5000 });
  let server;
  let base;
  const seen = [];
  before(async () => {
    server = http.createServer((req, res) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      seen.push({ path: req.url, range: req.headers.range ?? null });
      if (req.url === '/ranges.gguf' && m) {
        const from = Number(m[1]);
        const to = Math.min(Number(m[2]), header.length - 1);
        if (from >= header.length) {
          res.writeHead(416).end();
          return;
        }
        res.writeHead(206, { 'Content-Range': `bytes ${from}-${to}/${header.length}` }).end(header.subarray(from, to + 1));
        return;
      }
      // /whole.gguf: a server that ignores Range, sending the file in small pieces.
      res.writeHead(200, { 'Content-Length': header.length });
      for (let at = 0; at < header.length; at += 1000) res.write(header.subarray(at, at + 1000));
      res.end();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  for (const name of ['ranges.gguf', 'whole.gguf']) {
    test(name === 'ranges.gguf' ? 'each request fetches only the bytes not yet held' : 'a server that ignores Range: the bytes held are skipped', async () => {
      seen.length = 0;
      const shape = await readShape(urlPrefixReader(`${base}/${name}`), { first: 4096 });
      assert.deepEqual([shape.layers, shape.kvDim], [3, 64]);
      const ranges = seen.map((r) => r.range);
      assert.equal(ranges[0], 'bytes=0-4095');
      assert.ok(ranges.length > 1 && ranges.slice(1).every((r, i) => r.startsWith(`bytes=${4096 * 2 ** i}-`)), ranges.join(' '));
    });
  }
});
