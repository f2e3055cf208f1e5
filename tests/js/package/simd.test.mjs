// SIMD kind choice under Node 20: its V8 (11.3) cannot run the relaxed-SIMD builds, so the
// detector must say no, 'auto' must load the SIMD128 build and say why, and forcing 'relaxed'
// must reject with a clear error. Behind --experimental-wasm-relaxed-simd the same V8
// validates relaxed SIMD but computes the draft semantics: only the detector's semantic check
// stands between that and wrong logits, so it is run there in a child process.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SmolLM, InvalidArgumentError } from '../../../js/src/index.js';
import { relaxedSimdSupport } from '../../../js/src/simd-support.js';
import { ROOT, syntheticModel } from './support/models.mjs';

const node20 = /^v20\./.test(process.version);
const base = { threads: 2, contextSize: 32, cache: false };

// The detector in a child Node started with `flags`, plus what plain validation says there.
function detectorIn(flags) {
  const script = `
    import { relaxedSimdSupport } from ${JSON.stringify(join(ROOT, 'js/src/simd-support.js'))};
    // The smallest relaxed-SIMD function body: i16x8.relaxed_dot_i8x16_i7x16_s on two zero vectors.
    const zero = [0xfd, 0x0c, ...new Array(16).fill(0)];
    const body = [0x00, ...zero, ...zero, 0xfd, 0x92, 0x02, 0x1a, 0x0b];
    const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0,
      10, body.length + 2, 1, body.length, ...body]);
    console.log(JSON.stringify({ validates: WebAssembly.validate(bytes), ...relaxedSimdSupport() }));`;
  return JSON.parse(execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('SIMD kind under Node', () => {
  test('Node 20 has no usable relaxed SIMD: the detector says why', { skip: !node20 && 'only Node 20 is known to lack it' }, () => {
    const support = relaxedSimdSupport();
    assert.equal(support.supported, false);
    assert.match(support.reason, /does not support relaxed SIMD \(WebAssembly\.validate is false\)/);
  });

  test('behind --experimental-wasm-relaxed-simd it validates, but the semantic check rejects the draft results',
    { skip: !node20 && 'only Node 20 is known to run the draft semantics' }, () => {
      const plain = detectorIn([]);
      assert.equal(plain.validates, false);
      assert.equal(plain.supported, false);
      const flagged = detectorIn(['--experimental-wasm-relaxed-simd']);
      assert.equal(flagged.validates, true, 'the flag should make V8 11.3 validate relaxed SIMD');
      assert.equal(flagged.supported, false);
      assert.match(flagged.reason, /validates relaxed SIMD but computes the pre-standard \(draft\) dot products/);
    });

  for (const worker of [true, false]) {
    test(`auto loads the simd128 build and gives the reason (${worker ? 'worker' : 'this thread'})`, async () => {
      const llm = await SmolLM.load(syntheticModel(), { ...base, worker });
      const { simd, simdReason, build } = llm.info;
      await llm.unload();
      assert.equal(build, 'multi-thread');
      if (relaxedSimdSupport().supported) {
        assert.ok(['relaxed', 'simd128'].includes(simd), simdReason);
      } else {
        assert.equal(simd, 'simd128');
        assert.equal(simdReason, relaxedSimdSupport().reason);
      }
    });
  }

  test("simd: 'simd128' is honoured and 'relaxed' rejects clearly when unusable; the next load works", async () => {
    const forced = await SmolLM.load(syntheticModel(), { ...base, simd: 'simd128', build: 'single-thread' });
    assert.equal(forced.info.simd, 'simd128');
    assert.equal(forced.info.simdReason, 'requested by the caller');
    const before = await forced.evalLogits([1, 2, 3]);
    await forced.unload();

    if (!relaxedSimdSupport().supported) {
      await assert.rejects(SmolLM.load(syntheticModel(), { ...base, simd: 'relaxed' }), (error) => {
        assert.ok(error instanceof InvalidArgumentError, `${error.name}: ${error.message}`);
        assert.match(error.message, /^simd: 'relaxed' cannot be used: .*relaxed SIMD/);
        return true;
      });
    }
    await assert.rejects(SmolLM.load(syntheticModel(), { ...base, simd: 'sse' }), (error) => {
      assert.ok(error instanceof InvalidArgumentError);
      assert.match(error.message, /simd must be one of 'auto', 'relaxed', 'simd128'/);
      return true;
    });

    const again = await SmolLM.load(syntheticModel(), { ...base, build: 'single-thread' });
    const after = await again.evalLogits([1, 2, 3]);
    await again.unload();
    assert.deepEqual(after.logits, before.logits);
  });

  test('evalLogits in batches (1: the decode path) gives every position, and rejects a bad batchSize', async () => {
    const llm = await SmolLM.load(syntheticModel(), { ...base, build: 'single-thread' });
    const tokens = [5, 9, 17, 33, 65, 129, 257, 3, 4, 6];
    const whole = await llm.evalLogits(tokens);
    for (const batchSize of [1, 3]) {
      const parts = await llm.evalLogits(tokens, { batchSize });
      assert.equal(parts.logits.length, whole.logits.length);
      let worst = 0;
      for (let i = 0; i < whole.logits.length; ++i) worst = Math.max(worst, Math.abs(parts.logits[i] - whole.logits[i]));
      assert.ok(worst < 1e-3, `batchSize ${batchSize}: logits differ from one prefill by up to ${worst}`);
    }
    await assert.rejects(llm.evalLogits(tokens, { batchSize: 0 }), InvalidArgumentError);
    await llm.unload();
  });
});
