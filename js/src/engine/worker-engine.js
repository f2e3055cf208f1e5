// The engine interface, implemented by messages to a worker that holds a LocalEngine: a
// dedicated module Web Worker in browsers, a worker_threads Worker in Node. Same methods and
// arguments as LocalEngine, so SmolLM does not know which one it talks to.
import { UnloadedError, abortError, deserializeError } from '../errors.js';
import { isNode } from '../platform.js';

async function spawn() {
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    // Not written as `new Worker(new URL(...))`: bundlers would build that Node-only script
    // into a browser bundle as a Web Worker.
    const script = new URL('node-worker.js', new URL('./', import.meta.url));
    const worker = new Worker(script);
    return {
      post: (m) => worker.postMessage(m),
      listen: (onMessage, onFatal) => {
        worker.on('message', onMessage);
        worker.on('error', onFatal);
        worker.on('exit', (code) => onFatal(new Error(`the engine worker exited (code ${code})`)));
      },
      terminate: () => worker.terminate(),
    };
  }
  // Before the worker exists, so whatever the worker caches has a holder in the page.
  await (await import('../cache/browser-cache.js')).holdOpenInThisContext();
  const worker = new Worker(new URL('./web-worker.js', import.meta.url), { type: 'module', name: 'smollm-wasm' });
  return {
    post: (m) => worker.postMessage(m),
    listen: (onMessage, onFatal) => {
      worker.onmessage = (e) => onMessage(e.data);
      worker.onerror = (e) => {
        e.preventDefault?.();
        onFatal(new Error(`the engine worker failed: ${e.message || 'could not start (check that the worker script is served)'}`));
      };
    },
    terminate: () => worker.terminate(),
  };
}

export class WorkerEngine {
  #port = null;
  #calls = new Map();   // id -> {resolve, reject, onEvent}
  #nextId = 1;
  #dead = null;         // the error every call gets once the worker is gone

  static async create() {
    const engine = new WorkerEngine();
    engine.#port = await spawn();
    engine.#port.listen((m) => engine.#onMessage(m), (e) => engine.#onFatal(e));
    return engine;
  }

  #onMessage(message) {
    const call = this.#calls.get(message.id);
    if (!call) return;
    if (message.type === 'event') {
      call.onEvent(message.event);
    } else if (message.type === 'result') {
      this.#calls.delete(message.id);
      call.resolve(message.value);
    } else if (message.type === 'error') {
      this.#calls.delete(message.id);
      call.reject(deserializeError(message.error));
    }
  }

  #onFatal(error) {
    if (this.#dead) return;
    this.#dead = new UnloadedError(`the model is gone: ${error.message}`);
    for (const call of this.#calls.values()) call.reject(this.#dead);
    this.#calls.clear();
  }

  #call(method, args, { signal, onProgress, onWarning, onPiece } = {}) {
    if (this.#dead) return Promise.reject(this.#dead);
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.#port.post({ type: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (fn) => (v) => {
        signal?.removeEventListener('abort', onAbort);
        fn(v);
      };
      this.#calls.set(id, {
        resolve: done(resolve),
        reject: done(reject),
        onEvent: (event) => {
          if (event.kind === 'progress') onProgress?.(event.progress);
          else if (event.kind === 'warning') onWarning?.(deserializeError(event.error));
          else if (event.kind === 'piece') onPiece?.(event.piece);
        },
      });
      this.#port.post({ type: 'call', id, method, args });
    });
  }

  load(source, options, hooks) { return this.#call('load', [source, options], hooks); }
  info() { return this.#call('info', []); }
  tokenize(text, options) { return this.#call('tokenize', [text, options ?? {}]); }
  detokenize(ids, options) { return this.#call('detokenize', [Array.from(ids, Number), options ?? {}]); }
  generate(request, hooks) { return this.#call('generate', [request], hooks); }
  evalLogits(tokens, options) { return this.#call('evalLogits', [Array.from(tokens, Number), options ?? {}]); }
  negLogLikelihoods(tokens, firstTarget) { return this.#call('negLogLikelihoods', [Array.from(tokens, Number), firstTarget]); }
  memoryUsage() { return this.#call('memoryUsage', []); }

  // Frees the engine, then the whole worker (its wasm memory and pthreads go with it).
  async unload() {
    if (this.#dead) return;
    try {
      await this.#call('unload', []);
    } finally {
      this.#onFatal(new Error('unloaded'));
      this.#dead = new UnloadedError();
      await this.#port.terminate();
    }
  }
}
