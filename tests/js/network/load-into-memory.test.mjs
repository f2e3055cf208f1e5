// The loader's orchestration over scripted sources, against the real wasm module: restarts
// before and after the header is complete, a source that reuses its buffer, the SHA-256 over
// a restarted download, and the file's bytes in wasm memory exactly once, whole.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';

import { loadIntoMemory } from '../../../js/src/loader/load-into-memory.js';
import { InvalidModelError } from '../../../js/src/errors.js';
import { missingPrerequisite, writeModel } from './fixture.mjs';

const skip = missingPrerequisite();
if (skip) console.log(skip);

// A source that plays `script`: a list of [from, to) byte ranges of `file` and 'restart's,
// in chunks of `chunkBytes`, through one reused buffer when `reuse`.
function scripted(file, script, { chunkBytes = 4096, reuse = false, size = file.length } = {}) {
  return {
    name: 'scripted.gguf',
    kind: 'download',
    size,
    etag: null,
    chunksAreFresh: !reuse,
    async probeSize() { return size; },
    async* chunks() {
      const buffer = new Uint8Array(chunkBytes);
      for (const step of script) {
        if (step === 'restart') {
          yield { restart: 'the server started over' };
          continue;
        }
        const [from, to] = step;
        for (let at = from; at < to; at += chunkBytes) {
          const piece = file.subarray(at, Math.min(to, at + chunkBytes));
          if (reuse) {
            buffer.fill(0xaa);   // what a later read would leave in a kept chunk
            buffer.set(piece);
            yield { bytes: buffer.subarray(0, piece.length), offset: at };
          } else {
            yield { bytes: new Uint8Array(piece), offset: at };
          }
        }
      }
    },
  };
}

describe('loadIntoMemory over scripted sources', { skip: skip ?? false }, () => {
  let module;
  let file;
  let digest;
  before(async () => {
    const { createModule } = await import('../../../js/src/wasm-module.js');
    module = await createModule('single-thread', 1, 'simd128');
    file = fs.readFileSync(writeModel('scripted', { dim: 64, layers: 1, ffn: 128 }));
    digest = crypto.createHash('sha256').update(file).digest('hex');
  });

  async function load(source, sha256) {
    const events = [];
    const entry = { source, url: null, cached: false, cache: false, refetch: null };
    const loaded = await loadIntoMemory(module, [entry], { contextSize: 64, sha256 }, (e) => events.push(e), undefined, (w) => assert.fail(w));
    const [part] = loaded.parts;
    const bytes = Buffer.from(module.HEAPU8.subarray(part.ptr, part.ptr + part.size));
    module._free(part.ptr);
    return { bytes, events, loaded };
  }

  test('a restart inside the header and one after it: the file lands whole, its digest checked', async () => {
    const half = file.length >> 1;
    const source = scripted(file, [[0, 100], 'restart', [0, half], 'restart', [0, file.length]]);
    const { bytes, events, loaded } = await load(source, digest);
    assert.ok(bytes.equals(file));
    assert.equal(loaded.header.data_offset + loaded.header.data_size <= file.length, true);
    // Restarts are always reported, and what came before one no longer counts.
    const restarts = events.filter((e) => e.restarted === 'the server started over' && e.loaded === 0);
    assert.equal(restarts.length, 2, JSON.stringify(events));
    assert.equal(events.at(-1).loaded, file.length);
  });

  test('a source that reuses its buffer: the header prefix is copied before the next read', async () => {
    const { bytes } = await load(scripted(file, [[0, file.length]], { chunkBytes: 1000, reuse: true }), digest);
    assert.ok(bytes.equals(file));
  });

  test('a wrong digest is refused, naming the file', async () => {
    const wrong = crypto.createHash('sha256').update(file.subarray(1)).digest('hex');
    await assert.rejects(load(scripted(file, [[0, file.length]]), wrong),
      (e) => e instanceof InvalidModelError && /SHA-256 mismatch for scripted\.gguf/.test(e.message));
  });

  test('a file cut inside its header, or inside its tensor data, or empty, is InvalidModelError', async () => {
    // The reader is told the file ends at byte 40, so it names what does not fit.
    await assert.rejects(load(scripted(file, [[0, 40]], { size: null })),
      (e) => e instanceof InvalidModelError && /^scripted\.gguf: .*truncated/.test(e.message));
    const cut = file.length - 100;
    await assert.rejects(load(scripted(file, [[0, cut]], { size: null })),
      (e) => e instanceof InvalidModelError && new RegExp(`truncated: it has ${cut} bytes`).test(e.message));
    await assert.rejects(load(scripted(file, [], { size: null })), /scripted\.gguf is empty/);
  });
});
