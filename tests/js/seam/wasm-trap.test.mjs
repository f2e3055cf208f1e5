// A wasm trap becomes an EngineCrashedError that says where it happened: the build and the
// innermost wasm function indices of the trap's stack, in the message (what a user or a CI log
// shows) and as fields that cross the worker boundary; tools/wasm-frames.mjs names them from
// the build's symbol map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { EngineCrashedError, deserializeError, serializeError } from '../../../js/src/errors.js';
import { crashedError, isWasmTrap, trapFrames } from '../../../js/src/engine/wasm-trap.js';
import { parseSymbolMap, symbolizeCrash } from '../../../tools/wasm-frames.mjs';

// (func 0: unreachable) (func 1, exported as run: call 0)
const TRAPPING_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                        // type 0: [] -> []
  0x03, 0x03, 0x02, 0x00, 0x00,                              // two functions of type 0
  0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01,      // export "run" = function 1
  0x0a, 0x0a, 0x02, 0x03, 0x00, 0x00, 0x0b, 0x04, 0x00, 0x10, 0x00, 0x0b,
]);

function realTrap() {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(TRAPPING_MODULE));
  try {
    /** @type {() => void} */ (instance.exports.run)();
  } catch (error) {
    return error;
  }
  assert.fail('the module did not trap');
}

test('a real trap: its wasm functions, innermost first, in the message and the fields', () => {
  const trap = realTrap();
  assert.ok(isWasmTrap(trap));
  assert.deepEqual(trapFrames(trap), [0, 1]);
  const error = crashedError(trap, 'smollm-st');
  assert.ok(error instanceof EngineCrashedError);
  assert.equal(error.wasmModule, 'smollm-st');
  assert.deepEqual(error.wasmFunctions, [0, 1]);
  assert.match(error.message, /^the engine crashed \(unreachable.* in smollm-st wasm functions 0 < 1\) and cannot be used again/);
  assert.equal(isWasmTrap(new Error('not a trap')), false);
});

test('the stack formats of SpiderMonkey and JavaScriptCore give the same frames', () => {
  const firefox = Object.assign(new Error('x'), {
    stack: '@http://127.0.0.1:1/js/wasm/smollm-st.wasm:wasm-function[276]:0xfa33\n@http://127.0.0.1:1/js/wasm/smollm-st.wasm:wasm-function[966]:0xfb54c\ninvoke_vii@http://127.0.0.1:1/js/wasm/smollm-st.js:9:1',
  });
  const webkit = Object.assign(new Error('x'), {
    stack: '276@<?>:wasm-function[276]\n966@<?>:wasm-function[966]\ninvoke_vii@http://127.0.0.1:1/js/wasm/smollm-st.js:9:1',
  });
  assert.deepEqual(trapFrames(firefox), [276, 966]);
  assert.deepEqual(trapFrames(webkit), [276, 966]);
  assert.deepEqual(trapFrames(Object.assign(new Error('x'), { stack: 'at plain (file.js:1:1)' })), []);
  assert.match(crashedError(Object.assign(new WebAssembly.RuntimeError('x'), { stack: '' }), 'smollm-mt').message,
    /\(x in smollm-mt\)/);
});

test('the fields cross the worker boundary', () => {
  const error = crashedError(realTrap(), 'smollm-mt-relaxed');
  const back = deserializeError(structuredClone(serializeError(error)));
  assert.ok(back instanceof EngineCrashedError);
  assert.equal(back.message, error.message);
  assert.equal(back.wasmModule, 'smollm-mt-relaxed');
  assert.deepEqual(back.wasmFunctions, [0, 1]);
});

test('tools/wasm-frames.mjs names the frames from the symbol map', () => {
  assert.deepEqual([...parseSymbolMap('0:getTempRet0\n7:smollm::ThreadPool::for_chunks\\28long\\20long\\29\n')],
    [[0, 'getTempRet0'], [7, 'smollm::ThreadPool::for_chunks(long long)']]);
  const dir = mkdtempSync(path.join(tmpdir(), 'smollm-symbols-'));
  try {
    writeFileSync(path.join(dir, 'smollm-st.js.symbols'), '0:unreachable_here\n1:caller\\28\\29\n');
    const message = crashedError(realTrap(), 'smollm-st').message;
    assert.equal(symbolizeCrash(message, dir), '  wasm-function[0] unreachable_here\n  wasm-function[1] caller()');
    assert.equal(symbolizeCrash(message.replace('smollm-st', 'smollm-mt'), dir), null, 'no map for that build here');
    assert.equal(symbolizeCrash('a message without frames', dir), null);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
