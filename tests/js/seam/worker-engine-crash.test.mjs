// A trap in the worker's engine retires the worker at once: its wasm memory (and its threads)
// are given back on the crash, not at an unload the failing caller may never reach, and every
// later call gets the same EngineCrashedError without reaching the worker. Any other engine
// error leaves the worker and its engine in use. The worker here is a scripted port.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { EngineCrashedError, InvalidArgumentError, serializeError } from '../../../js/src/errors.js';
import { WorkerEngine } from '../../../js/src/engine/worker-engine.js';

/**
 * A port whose worker answers each call with `answer(method)`: an Error is sent back as the
 * call's error, anything else as its result.
 * @param {(method: string) => unknown} answer
 */
function scriptedPort(answer) {
  const port = {
    posted: /** @type {string[]} */ ([]),
    terminated: 0,
    /** @type {(message: any) => void} */
    onMessage: () => {},
    /** @param {any} m */
    post(m) {
      port.posted.push(m.method ?? m.type);
      if (m.type !== 'call') return;
      const value = answer(m.method);
      queueMicrotask(() => port.onMessage(value instanceof Error
        ? { type: 'error', id: m.id, error: structuredClone(serializeError(value)) }
        : { type: 'result', id: m.id, value }));
    },
    /** @param {(message: any) => void} onMessage */
    listen(onMessage) {
      port.onMessage = onMessage;
    },
    async terminate() {
      port.terminated += 1;
    },
  };
  return port;
}

test('a crash terminates the worker; later calls get the crash, unload has nothing to do', async () => {
  const crash = new EngineCrashedError('the engine crashed (Out of bounds call_indirect in smollm-st wasm functions 615 < 786) and cannot be used again');
  const port = scriptedPort((method) => (method === 'generate' ? crash : { ok: true }));
  const engine = new WorkerEngine(port);

  assert.deepEqual(await engine.info(), { ok: true });
  const failed = await engine.generate(/** @type {any} */ ({ prompt: 'x' })).catch((e) => e);
  assert.ok(failed instanceof EngineCrashedError);
  assert.equal(failed.message, crash.message);
  assert.equal(port.terminated, 1, 'the worker goes with the crash');

  const later = await engine.tokenize('x').catch((e) => e);
  assert.ok(later instanceof EngineCrashedError, 'a later call gets the crash');
  assert.equal(later.message, crash.message);
  await engine.unload();
  assert.deepEqual(port.posted, ['info', 'generate'], 'nothing reaches the retired worker');
  assert.equal(port.terminated, 1);
});

test('an engine error that is not a crash keeps the worker', async () => {
  const port = scriptedPort((method) => (method === 'tokenize' ? new InvalidArgumentError('tokenize expects a string') : 'ok'));
  const engine = new WorkerEngine(port);
  const failed = await engine.tokenize(/** @type {any} */ (1)).catch((e) => e);
  assert.ok(failed instanceof InvalidArgumentError);
  assert.equal(port.terminated, 0);
  assert.equal(await engine.info(), 'ok');
  await engine.unload();
  assert.deepEqual(port.posted, ['tokenize', 'info', 'unload']);
  assert.equal(port.terminated, 1, 'unload ends the worker');
});
