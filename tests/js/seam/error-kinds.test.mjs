// Engine errors cross from C++ as a kind (src/engine_error.h ErrorKind) and become the
// package's classes through one table (js/src/errors.js). Each kind is provoked here through
// the real wasm engine, and the class must follow from the kind alone: a failure reworded to
// read like another kind's keeps its class.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  ContextLengthError, ENGINE_ERROR_KINDS, EngineError, InvalidArgumentError, InvalidModelError, ModelTooLargeError,
  UnsupportedModelError, fromEngineError,
} from '../../../js/src/errors.js';
import { SmolLM } from '../../../js/src/index.js';
import { createModule } from '../../../js/src/wasm-module.js';
import { engineGenerationParams } from '../../../js/src/options/engine-params.js';
import { llamaHeader, wholeFile } from '../package/support/gguf-bytes.mjs';
import { syntheticModel } from '../package/support/models.mjs';

// The class each kind must reach JS as.
const EXPECTED = {
  Internal: EngineError,
  InvalidArgument: InvalidArgumentError,
  InvalidModel: InvalidModelError,
  UnsupportedModel: UnsupportedModelError,
  ContextLength: ContextLengthError,
  OutOfMemory: ModelTooLargeError,
};

// The engine's own failure for `call`: an Error carrying the engine's kind.
function engineFailure(call) {
  try {
    call();
  } catch (error) {
    assert.equal(error.name, 'EngineError', `${error.name}: ${error.message}`);
    assert.equal(typeof error.kind, 'string');
    return error;
  }
  assert.fail('the engine did not refuse');
}

describe('engine error kinds', () => {
  let module;
  let bytes;
  const held = [];

  // A malloc'ed copy of `data` in wasm memory, as the loader leaves a downloaded file.
  const inWasm = (data) => {
    const ptr = module._malloc(data.length) >>> 0;
    module.HEAPU8.set(data, ptr);
    held.push(ptr);
    return { ptr, size: data.length };
  };
  const probe = (data, contextSize = 0) => {
    const { ptr, size } = inWasm(data);
    return module.probeHeader(ptr, size, size, contextSize, 'f16', 'f16', 0, false);
  };

  before(async () => {
    module = await createModule('single-thread', 1);
    bytes = readFileSync(syntheticModel());
  });

  after(() => {
    for (const ptr of held) module._free(ptr);
  });

  test('the table covers exactly the kinds the engine binds', () => {
    const bound = Object.keys(module.ErrorKind).filter((k) => k !== 'values').sort();
    assert.deepEqual(bound, Object.keys(EXPECTED).sort());
    assert.deepEqual([...ENGINE_ERROR_KINDS].sort(), bound);
  });

  test('InvalidModel: a truncated file and a file that is not a GGUF', () => {
    const truncated = engineFailure(() => module.Engine.load([inWasm(bytes.subarray(0, bytes.length >> 1))], 1, 64, 'f16', 'f16', 'fast'));
    assert.equal(truncated.kind, 'InvalidModel');
    assert.ok(fromEngineError(truncated) instanceof InvalidModelError);
    const text = probe(Buffer.from('<!doctype html><title>Not a model</title>'.repeat(8)));
    assert.equal(text.status, 'error');
    assert.equal(text.error.kind, 'InvalidModel');
    assert.ok(fromEngineError(text.error, 'page.html') instanceof InvalidModelError);
  });

  test('UnsupportedModel: another architecture, a weight type without kernels, GGUF version 1', () => {
    const mamba = wholeFile(llamaHeader({ arch: 'mamba' }));
    const loaded = engineFailure(() => module.Engine.load([inWasm(mamba)], 1, 64, 'f16', 'f16', 'fast'));
    assert.equal(loaded.kind, 'UnsupportedModel');
    assert.ok(fromEngineError(loaded) instanceof UnsupportedModelError);
    const planned = probe(mamba);
    assert.equal(planned.status, 'complete');
    assert.equal(planned.planError.kind, 'UnsupportedModel');
    const i32 = probe(wholeFile(llamaHeader({ typeOverride: { 'blk.0.attn_q.weight': 26 } })));
    assert.equal(i32.planError.kind, 'UnsupportedModel');
    const v1 = Buffer.from(bytes.subarray(0, 4096));
    v1.writeUInt32LE(1, 4);
    const old = probe(v1);
    assert.equal(old.status, 'error');
    assert.equal(old.error.kind, 'UnsupportedModel');
    assert.ok(fromEngineError(old.error) instanceof UnsupportedModelError);
  });

  test('OutOfMemory: a KV cache past wasm32, planned from the header', () => {
    // 2 layers x 1024 KV width x 2^20 positions x f16 K and V: 8 GiB.
    const plan = probe(wholeFile(llamaHeader({ dim: 1024, layers: 2 })), 2 ** 20);
    assert.equal(plan.planError.kind, 'OutOfMemory');
    assert.ok(plan.planError.needed > 2 ** 32);
    const error = fromEngineError(plan.planError);
    assert.ok(error instanceof ModelTooLargeError);
    assert.equal(error.requiredBytes, plan.planError.needed);
    assert.equal(error.limitBytes, plan.planError.limit);
  });

  test('ContextLength and InvalidArgument from a loaded engine', () => {
    const engine = module.Engine.load([inWasm(bytes)], 1, 32, 'f16', 'f16', 'fast');
    try {
      held.pop();   // the engine owns the buffer now
      const full = engineFailure(() => engine.beginGeneration(new Array(32).fill(1), engineGenerationParams({ maxTokens: 1 }, { nVocab: engine.nVocab(), room: 1 })));
      assert.equal(full.kind, 'ContextLength');
      const error = fromEngineError(full);
      assert.ok(error instanceof ContextLengthError);
      assert.equal(error.promptTokens, 32);
      assert.equal(error.contextSize, 32);
      const past = engineFailure(() => engine.eval(new Array(33).fill(1), 0, false));
      assert.equal(past.kind, 'ContextLength');
      const outside = engineFailure(() => engine.detokenize([engine.nVocab()], false));
      assert.equal(outside.kind, 'InvalidArgument');
      assert.ok(fromEngineError(outside) instanceof InvalidArgumentError);
      assert.equal(engineFailure(() => engine.logits(5)).kind, 'InvalidArgument');
      assert.equal(engineFailure(() => engine.step()).kind, 'InvalidArgument');
      // The engine is still usable after every refusal.
      engine.eval([1, 2, 3], 0, false);
      assert.ok(Number.isFinite(engine.negLogLikelihood(0, 4)));
    } finally {
      engine.delete();
    }
  });

  test('the package API reports the same classes', async () => {
    const llm = await SmolLM.load(new Blob([bytes]), { worker: false, build: 'single-thread', threads: 1, contextSize: 32 });
    try {
      const prompt = 'the quick brown fox '.repeat(20);
      const n = (await llm.tokenize(prompt, { addBos: true })).length;
      assert.ok(n > 32, `${n} tokens`);
      await assert.rejects(async () => {
        for await (const piece of llm.generate(prompt, { maxTokens: 2 })) assert.fail(`generated ${piece.text}`);
      }, (e) => e instanceof ContextLengthError && e.promptTokens === n && e.contextSize === 32);
    } finally {
      await llm.unload();
    }
    await assert.rejects(() => SmolLM.load(new Blob([wholeFile(llamaHeader({ arch: 'mamba' }))]), { worker: false, threads: 1 }),
      UnsupportedModelError);
  });

  test('the class follows the kind, never the message', () => {
    // Each kind with a message worded like every other kind's: the class must not move.
    const wordings = [
      'unsupported architecture', 'not a GGUF file (bad magic)', 'out of wasm memory', 'the context is full',
      'token id 9 is outside the vocabulary', 'unexpected internal error', '',
    ];
    for (const [kind, Class] of Object.entries(EXPECTED)) {
      for (const message of wordings) {
        const thrown = Object.assign(new Error(message), { name: 'EngineError', kind, needed: 0, limit: 0 });
        const error = fromEngineError(thrown);
        assert.equal(error.constructor, Class, `${kind} worded "${message}" became ${error.constructor.name}`);
        assert.equal(error.message, message);
        assert.equal(fromEngineError({ kind, message, needed: 0, limit: 0 }).constructor, Class);
      }
    }
  });
});
