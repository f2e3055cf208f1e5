// The load option batchOrder: checked names, refused before anything is loaded, and reaching the
// engine: a prompt of 64+ tokens evaluated as one batch sums in llama.cpp's tiled attention order
// with 'llama.cpp' (other bits than 'fast'), while one token at a time both give the same bits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { InvalidArgumentError, SmolLM } from '../../../js/src/index.js';
import { BATCH_ORDERS, batchOrder } from '../../../js/src/options/batch-order.js';
import { syntheticModel } from '../package/support/models.mjs';

const quick = { worker: false, build: 'single-thread', threads: 1, cache: false, contextSize: 128 };
// Head size 32: a multiple of llama.cpp's 16-lane vectors, which its tiled attention needs.
const model = () => syntheticModel({ dim: 128, heads: 4, kvHeads: 2, ffn: 256, context: 512 });

test('batchOrder: fast by default, llama.cpp on request, anything else refused', () => {
  assert.deepEqual(BATCH_ORDERS, ['fast', 'llama.cpp']);
  assert.equal(batchOrder({}), 'fast');
  assert.equal(batchOrder({ batchOrder: 'llama.cpp' }), 'llama.cpp');
  for (const value of ['llama', 'Fast', '', 1, null]) {
    assert.throws(() => batchOrder({ batchOrder: value }),
      (e) => e instanceof InvalidArgumentError && e.message.startsWith('batchOrder must be one of fast, llama.cpp'));
  }
});

test('a bad batch order is refused before anything is loaded', async () => {
  await assert.rejects(() => SmolLM.load(model(), { ...quick, batchOrder: 'exact' }),
    (e) => e instanceof InvalidArgumentError && /batchOrder/.test(e.message));
});

const loaded = {};
before(async () => {
  for (const order of BATCH_ORDERS) loaded[order] = await SmolLM.load(model(), { ...quick, batchOrder: order });
});
after(async () => {
  for (const llm of Object.values(loaded)) await llm.unload();
});

test('the batch order reaches the engine: a 70-token batch differs, one token at a time does not', async () => {
  const tokens = Array.from({ length: 70 }, (_, i) => (i * 37 + 11) % 200);
  const batch = {};
  const oneByOne = {};
  for (const order of BATCH_ORDERS) {
    batch[order] = (await loaded[order].evalLogits(tokens)).logits;
    oneByOne[order] = (await loaded[order].evalLogits(tokens, { batchSize: 1 })).logits;
  }
  assert.deepEqual(oneByOne['llama.cpp'], oneByOne.fast);
  // The first 64 positions' keys are the same; from the tiled attention on the rows differ.
  const n = batch.fast.length / tokens.length;
  const row = (a, i) => Array.from(a.subarray(i * n, (i + 1) * n));
  assert.notDeepEqual(row(batch['llama.cpp'], 69), row(batch.fast, 69));
  // Another order of the same sums: close to the decode path, relative to each row's range (llama.cpp's
  // own two paths lie 2e-3 apart on an F32 model, tests/parity/README.md).
  let worst = 0;
  for (let i = 0; i < tokens.length; i++) {
    const decode = row(oneByOne.fast, i), llama = row(batch['llama.cpp'], i);
    const range = Math.max(...decode) - Math.min(...decode);
    for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(llama[j] - decode[j]) / range);
  }
  assert.ok(worst < 5e-3, `llama.cpp-order batch vs decode: ${worst} of the range`);
});
