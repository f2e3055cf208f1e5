// Files over 2 GiB (issue 6): an F32 model whose embedding alone is over 2 GiB (280,000 rows of
// 2,048 floats, synthetic vocabulary) is loaded by the package in Node (the multi-thread wasm
// build), and its logits for tokens whose embedding rows lie above 2 GiB in wasm memory are
// compared with the native engine's. The file buffer, the rows read, the KV cache and the
// logits all sit at addresses past 2^31, so every pointer the JS handles must be unsigned.
// Writing the 2.4 GB file takes ~40 s and each engine holds it in memory (2.4 GB, one after
// the other), so it only runs with SMOLLM_LARGE_TESTS=1.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmolLM } from '../../../js/src/index.js';
import { ROOT, model } from './support/models.mjs';

const TWO_GIB = 2 ** 31;
const SHAPE = { dim: 2048, layers: 1, heads: 16, kvHeads: 16, ffn: 256, vocab: 280000, type: 'f32', seed: 5 };
// 262,143 is the first row past 2 GiB into the embedding; 279,999 the last row of the file.
const TOKENS = [279999, 150000, 3, 262143];

function nativeTool() {
  const candidates = [process.env.SMOLLM_NATIVE_TOOL, join(ROOT, 'build/smollm_native')];
  return candidates.find((p) => p && existsSync(p)) ?? null;
}

function skipReason() {
  if (process.env.SMOLLM_LARGE_TESTS !== '1') return 'set SMOLLM_LARGE_TESTS=1 to run it (writes a 2.4 GB model, ~1 min, 2.5 GB of RAM)';
  if (!nativeTool()) return 'smollm_native is not built (set SMOLLM_NATIVE_TOOL or build build/smollm_native)';
  return null;
}

const skip = skipReason();
if (skip) console.log(`skipping the over-2-GiB file test: ${skip}`);

describe('a GGUF file over 2 GiB', { skip: skip ?? false }, () => {
  let path = null;
  const scratch = mkdtempSync(join(tmpdir(), 'smollm-large-'));
  after(() => {
    rmSync(scratch, { recursive: true, force: true });
    // The model is 2.4 GB: it is not kept in the test model cache.
    if (path) rmSync(path, { force: true });
  });

  test('loads in the wasm engine and gives the native engine\'s logits', async () => {
    path = model(SHAPE);
    const fileBytes = statSync(path).size;
    assert.ok(fileBytes > TWO_GIB + 2 ** 27, `the file has ${fileBytes} bytes`);

    const dump = join(scratch, 'native.f32');
    execFileSync(nativeTool(), ['eval', '-m', path, '--tokens', TOKENS.join(','), '--ctx', '64', '--threads', '2', '--dump-logits', dump],
      { stdio: ['ignore', 'ignore', 'inherit'] });
    const native = new Float32Array(readFileSync(dump).buffer.slice(0));

    const llm = await SmolLM.load(path, { worker: false, threads: 2, contextSize: 64, cache: false });
    try {
      assert.equal(llm.info.build, 'multi-thread');
      assert.equal(llm.info.fileBytes, fileBytes);
      assert.ok((await llm.memoryUsage()).wasmBytes > fileBytes, 'the whole file is in wasm memory');
      const { nVocab, logits } = await llm.evalLogits(TOKENS);
      assert.equal(nVocab, SHAPE.vocab);
      assert.equal(logits.length, native.length);
      for (let p = 0; p < TOKENS.length; ++p) {
        const ours = logits.subarray(p * nVocab, (p + 1) * nVocab);
        const theirs = native.subarray(p * nVocab, (p + 1) * nVocab);
        let range = 0;
        let maxDiff = 0;
        for (let i = 0; i < nVocab; ++i) {
          range = Math.max(range, Math.abs(theirs[i]));
          maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
        }
        assert.ok(range > 0 && Number.isFinite(range), `position ${p}: native logits are all zero or not finite`);
        // F32 weights: only the summation order differs between the native and wasm kernels.
        assert.ok(maxDiff <= 1e-4 * range, `position ${p} (token ${TOKENS[p]}): max |diff| ${maxDiff} of a range ${range}`);
      }
      // The engine still works past the first eval: a short greedy generation from the text.
      let generated = 0;
      for await (const piece of llm.generate('ab', { maxTokens: 2, temperature: 0, ignoreEos: true })) generated += piece.tokens.length;
      assert.equal(generated, 2);
    } finally {
      await llm.unload();
    }
  });
});
