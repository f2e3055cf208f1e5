// Runs inside the worker (Web Worker or worker_threads): receives calls, runs them on a
// LocalEngine, streams events and results back. `port` has postMessage and a way to listen.
import { serializeError } from '../errors.js';
import { isEngineMethod, postingHooks } from './protocol.js';
import { LocalEngine } from './local-engine.js';

/**
 * @import { Engine, PageMessage, WorkerMessage } from './protocol.js'
 */

/**
 * The worker's end of the page's messages.
 * @typedef {object} HostPort
 * @property {(message: WorkerMessage, transfer?: Transferable[]) => void} post
 * @property {(handler: (message: PageMessage) => void) => void} listen
 */

/**
 * A typed array's buffer moves to the page instead of being copied (logits can be many MB).
 * @param {unknown} value
 * @returns {Transferable[]}
 */
function transferables(value) {
  if (value instanceof Float64Array) return [value.buffer];
  const logits = value && typeof value === 'object' && 'logits' in value ? value.logits : null;
  return logits instanceof Float32Array ? [logits.buffer] : [];
}

/** @param {HostPort} port */
export function hostEngine(port) {
  /** @type {Engine} */
  const engine = new LocalEngine();
  const running = new Map();   // call id -> AbortController

  port.listen(async (message) => {
    if (message.type === 'abort') {
      running.get(message.id)?.abort();
      return;
    }
    if (message.type !== 'call') return;
    const { id, method, args } = message;
    if (!isEngineMethod(method)) {
      port.post({ type: 'error', id, error: serializeError(new TypeError(`unknown engine method ${method}`)) });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    const hooks = postingHooks(method, controller.signal, (event) => port.post({ type: 'event', id, ...event }));
    try {
      // `args` are `method`'s (CallArgs), followed by its hooks; TypeScript cannot follow the
      // correlation between a union of methods and a union of argument lists.
      const call = /** @type {(...a: unknown[]) => Promise<Awaited<ReturnType<Engine[typeof method]>>>} */ (engine[method]);
      const value = await call.call(engine, ...args, hooks);
      port.post({ type: 'result', id, value }, transferables(value));
    } catch (error) {
      port.post({ type: 'error', id, error: serializeError(error) });
    } finally {
      running.delete(id);
    }
  });
}
