// wasm32 size arithmetic and the Embind guards (issue 15, items 2, 3, 4 and 8), run against
// the real single-threaded wasm module: split parts whose headers lie, sizes past 2^32 from
// JS, a request's max_tokens, and C++ exceptions (allocation failure included) in probeHeader.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createModule } from '../../../js/src/wasm-module.js';
import { loadIntoMemory } from '../../../js/src/loader/load-into-memory.js';
import { InvalidModelError, ModelTooLargeError } from '../../../js/src/errors.js';
import { engineGenerationParams } from '../../../js/src/options/engine-params.js';
import { splitGguf } from '../package/support/gguf-split.mjs';
import { syntheticModel } from '../package/support/models.mjs';

const CHUNK = 64 * 1024;

// A download whose size is unknown (no Content-Length, no Range): the loader learns each
// part's size from its header alone.
function unsizedEntry(name, bytes) {
  return {
    url: null,
    cache: false,
    source: {
      kind: 'download',
      name,
      size: null,
      chunksAreFresh: true,
      async probeSize() { return null; },
      async* chunks() {
        for (let at = 0; at < bytes.length; at += CHUNK) yield { bytes: new Uint8Array(bytes.subarray(at, at + CHUNK)) };
      },
    },
  };
}

function load(module, parts) {
  const entries = parts.map((p, i) => unsizedEntry(`m-0000${i + 1}-of-0000${parts.length}.gguf`, p));
  return loadIntoMemory(module, entries, { contextSize: 64 }, () => {}, undefined, () => {});
}

// Byte offset of the first tensor's `offset` field in a GGUF (walks the metadata).
function firstTensorOffsetField(buf) {
  const SCALAR = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  let at = 8;
  const u32 = () => { const v = buf.readUInt32LE(at); at += 4; return v; };
  const u64 = () => { const v = Number(buf.readBigUInt64LE(at)); at += 8; return v; };
  const skipString = () => { const n = u64(); at += n; };
  const skip = (type) => {
    if (type === 8) { skipString(); return; }
    if (type === 9) { const elem = u32(); const n = u64(); for (let i = 0; i < n; ++i) skip(elem); return; }
    at += SCALAR[type];
  };
  const nTensors = u64();
  const nKv = u64();
  assert.ok(nTensors > 0);
  for (let i = 0; i < nKv; ++i) { skipString(); skip(u32()); }
  skipString();                // name
  const nDims = u32();
  at += 8 * nDims + 4;         // ne, type
  return at;
}

function freeParts(module, loaded) {
  for (const p of loaded.parts) module._free(p.ptr);
}

describe('wasm32 sizes and guards', () => {
  let module;
  let bytes;
  let honest;
  before(async () => {
    module = await createModule('single-thread', 1, 'simd128');
    bytes = readFileSync(syntheticModel());
    honest = splitGguf(bytes, 2);
  });

  test('honest split parts of unknown size load', async () => {
    const loaded = await load(module, honest);
    assert.equal(loaded.parts.length, 2);
    freeParts(module, loaded);
  });

  test('a later part whose header puts a tensor at 2^32 is refused before any allocation', async () => {
    // The old loader checked only the first part: 2^32 + n reached _malloc as n and the
    // download wrote past the block.
    const lying = Buffer.from(honest[1]);
    lying.writeBigUInt64LE(2n ** 32n, firstTensorOffsetField(lying));
    await assert.rejects(load(module, [honest[0], lying]), (error) => {
      assert.ok(error instanceof ModelTooLargeError, `${error?.name}: ${error?.message}`);
      assert.match(error.message, /m-00002-of-00002\.gguf/);
      return true;
    });
    // The module is intact: the honest parts still load and run.
    const loaded = await load(module, honest);
    const engine = module.Engine.load(loaded.parts, 1, 64, 'f16', 'f16', 'fast');
    engine.eval([1, 2, 3], 0, false);
    assert.ok(Number.isFinite(engine.logits(0)[0]));
    engine.delete();
  });

  test('a later part that is another part of the model is refused by its header', async () => {
    const three = splitGguf(bytes, 3);
    await assert.rejects(load(module, [three[0], three[2], three[1]]), (error) => {
      assert.ok(error instanceof InvalidModelError, `${error?.name}: ${error?.message}`);
      assert.match(error.message, /not part 2 of 3/);
      return true;
    });
  });

  test('sizes past 2^32 from JS are errors, never wrapped', () => {
    const ptr = module._malloc(16) >>> 0;
    try {
      assert.throws(() => module.probeHeader(ptr, 2 ** 32 + 16, 0, 0, 'f16', 'f16', 0, false), /not inside wasm memory/);
      assert.throws(() => module.Engine.load([{ ptr, size: 2 ** 32 + 16 }], 1, 64, 'f16', 'f16', 'fast'), /not inside wasm memory/);
      const hash = new module.Sha256();
      assert.throws(() => hash.update(ptr, 2 ** 32 + 16), /not inside wasm memory/);
      hash.delete();
    } finally {
      module._free(ptr);
    }
  });

  test('max_tokens of 5e8 (and 2^31 - 1) never sizes wasm memory; bad values are engine errors', () => {
    const ptr = module._malloc(bytes.length) >>> 0;
    module.HEAPU8.set(bytes, ptr);
    const engine = module.Engine.load([{ ptr, size: bytes.length }], 1, 64, 'f16', 'f16', 'fast');
    // Every field present, as the package sends them (room: no clamp, the engine's own bound).
    const params = (options) => engineGenerationParams(options, { nVocab: engine.nVocab(), room: Infinity });
    const withSampling = (sampling) => { const p = params({}); return { ...p, sampling: { ...p.sampling, ...sampling } }; };
    try {
      const before = module.HEAPU8.length;
      engine.beginGeneration([1, 2, 3], params({ maxTokens: 5e8, temperature: 0, ignoreEos: true }));
      engine.step();
      engine.beginGeneration([1, 2, 3], params({ maxTokens: 2 ** 31 - 1, temperature: 0 }));
      engine.step();
      // The old glue cast 1e12 to int32 (undefined behaviour) and reserved prompt + max_tokens.
      assert.ok(module.HEAPU8.length - before < 16 * 2 ** 20, `memory grew by ${module.HEAPU8.length - before}`);
      // A direct call skips the package's checks: numbers convert by wasm's rules (a string
      // becomes NaN), and the engine refuses what is out of range.
      assert.throws(() => engine.beginGeneration([1, 2, 3], { ...params({}), maxTokens: -5 }), /max_tokens/);
      assert.throws(() => engine.beginGeneration([1, 2, 3], withSampling({ temperature: 'hot' })), /temperature/);
      assert.throws(() => engine.beginGeneration([1, 2, 3], withSampling({ logitBias: [[1, NaN]] })), /logit_bias: a bias must be a finite number/);
      assert.throws(() => engine.beginGeneration([1, 2, 3], withSampling({ logitBias: [[1e9, 1]] })), /logit_bias: token id 1000000000/);
      assert.throws(() => engine.beginGeneration([1, 2, 3], withSampling({ logitBias: [[1.5, 1]] })), /logit_bias: token id -1/);
    } finally {
      engine.delete();
    }
  });

  test('probeHeader turns an allocation failure into an Error, never a bare number', () => {
    const header = bytes.subarray(0, 256 * 1024);
    const ptr = module._malloc(header.length) >>> 0;
    module.HEAPU8.set(header, ptr);
    // Fill wasm memory up to its 4 GB limit, largest blocks first.
    const held = [];
    for (let size = 2 ** 28; size >= 16; size /= 2) {
      for (;;) {
        const p = module._malloc(size) >>> 0;
        if (p === 0) break;
        held.push(p);
      }
    }
    let thrown;
    try {
      module.probeHeader(ptr, header.length, bytes.length, 0, 'f16', 'f16', 0, false);
    } catch (error) {
      thrown = error;
    } finally {
      for (const p of held) module._free(p);
      module._free(ptr);
    }
    assert.equal(typeof thrown, 'object', `thrown: ${thrown}`);
    assert.ok(thrown instanceof Error);
    // OutOfMemory as a rule; with memory filled to the last 16 bytes the wasm exception
    // machinery itself can fail to match the C++ type, which still arrives as an engine Error.
    assert.equal(thrown.name, 'EngineError');
    assert.ok(['OutOfMemory', 'Internal'].includes(thrown.kind), `${thrown.kind}: ${thrown.message}`);
    assert.match(thrown.message, /memory/);
    // And with memory back, the same probe completes.
    const again = module._malloc(header.length) >>> 0;
    module.HEAPU8.set(header, again);
    const result = module.probeHeader(again, header.length, bytes.length, 0, 'f16', 'f16', 0, false);
    module._free(again);
    assert.equal(result.status, 'complete');
  });
});
