// Runs inside the worker (Web Worker or worker_threads): receives calls, runs them on a
// LocalEngine, streams events and results back. `port` has postMessage and a way to listen.
import { serializeError } from '../errors.js';
import { ENGINE_METHODS } from './protocol.js';
import { LocalEngine } from './local-engine.js';

export function hostEngine(port) {
  const engine = new LocalEngine();
  const running = new Map();   // call id -> AbortController

  port.listen(async (message) => {
    if (message.type === 'abort') {
      running.get(message.id)?.abort();
      return;
    }
    if (message.type !== 'call') return;
    const { id, method, args } = message;
    if (!ENGINE_METHODS.includes(method)) {
      port.post({ type: 'error', id, error: { name: 'EngineError', message: `unknown method ${method}`, fields: {} } });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    const event = (e) => port.post({ type: 'event', id, event: e });
    const hooks = {
      signal: controller.signal,
      onProgress: (progress) => event({ kind: 'progress', progress }),
      onWarning: (error) => event({ kind: 'warning', error: serializeError(error) }),
      onPiece: (piece) => event({ kind: 'piece', piece }),
    };
    try {
      const value = await engine[method](...args, hooks);
      const transfer = value?.logits instanceof Float32Array ? [value.logits.buffer]
        : value instanceof Float64Array ? [value.buffer] : [];
      port.post({ type: 'result', id, value }, transfer);
    } catch (error) {
      port.post({ type: 'error', id, error: serializeError(error) });
    } finally {
      running.delete(id);
    }
  });
}
