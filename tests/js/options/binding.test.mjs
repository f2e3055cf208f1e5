// The generation fields' table (js/src/options/generation-fields.js) and the C++ structs the
// wasm binding fills (web/generation_options.cpp, Embind value objects) name the same fields:
// the binding reads exactly the table's names, refuses an object missing one, and every field
// reaches the engine.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createModule } from '../../../js/src/wasm-module.js';
import { FIELD_LIST } from '../../../js/src/options/generation-fields.js';
import { engineGenerationParams } from '../../../js/src/options/engine-params.js';
import { syntheticModel } from '../package/support/models.mjs';

// The object, wrapped so that every field the binding looks up (Embind asks `in`, then reads
// it) is recorded under its path.
function recording(object, seen, prefix = '') {
  return new Proxy(object, {
    has(target, key) {
      seen.add(`${prefix}${String(key)}`);
      return key in target;
    },
    get(target, key) {
      const value = target[key];
      return key === 'sampling' ? recording(value, seen, 'sampling.') : value;
    },
  });
}

function run(engine, params) {
  engine.beginGeneration([1, 2, 3], params);
  const tokens = [];
  for (;;) {
    const r = engine.step();
    if (r.kind === 'token') tokens.push(r.token);
    if (r.kind === 'done') return tokens;
  }
}

describe('the generation fields and the wasm binding', () => {
  let module;
  let engine;
  let params;
  before(async () => {
    module = await createModule('single-thread', 1);
    const bytes = readFileSync(syntheticModel());
    const ptr = module._malloc(bytes.length) >>> 0;
    module.HEAPU8.set(bytes, ptr);
    engine = module.Engine.load([{ ptr, size: bytes.length }], 1, 64, 'f16', 'f16', 'fast');
    params = (options = {}) => engineGenerationParams({ temperature: 0, ignoreEos: true, maxTokens: 6, ...options },
      { nVocab: engine.nVocab(), room: 60 });
  });
  after(() => engine?.delete());

  test('the binding reads exactly the table\'s fields, each from the struct the table names', () => {
    const seen = new Set();
    run(engine, recording(params(), seen));
    const expected = FIELD_LIST.map((f) => (f.struct === 'SamplingParams' ? `sampling.${f.name}` : f.name));
    assert.deepEqual([...seen].filter((k) => k !== 'sampling').sort(), expected.sort());
  });

  test('an object missing a field, or with one misspelled, is refused naming it', () => {
    for (const field of FIELD_LIST) {
      const p = params();
      const holder = field.struct === 'SamplingParams' ? { ...p.sampling } : p;
      const value = holder[field.name];
      delete holder[field.name];
      const missing = field.struct === 'SamplingParams' ? { ...p, sampling: holder } : { ...holder };
      assert.throws(() => engine.beginGeneration([1, 2, 3], missing), new RegExp(`Missing field: +"${field.name}"`));
      const renamed = field.struct === 'SamplingParams'
        ? { ...p, sampling: { ...holder, [`${field.name}_`]: value } }
        : { ...holder, [`${field.name}_`]: value };
      assert.throws(() => engine.beginGeneration([1, 2, 3], renamed), TypeError);
    }
  });

  test('values reach the engine: max tokens, logit bias, stop strings, seed', () => {
    assert.equal(run(engine, params({ maxTokens: 3 })).length, 3);
    assert.deepEqual(run(engine, params({ logitBias: { 7: 100 } })), [7, 7, 7, 7, 7, 7]);
    const free = run(engine, params({ temperature: 1.5, seed: 11 }));
    assert.deepEqual(run(engine, params({ temperature: 1.5, seed: 11 })), free);
    assert.notDeepEqual(run(engine, params({ temperature: 1.5, seed: 12 })), free);
  });
});
