// The engine interface, implemented by messages to a worker that holds a LocalEngine: a
// dedicated module Web Worker in browsers, a worker_threads Worker in Node. Same methods and
// arguments as LocalEngine, so SmolLM does not know which one it talks to.
import { EngineCrashedError, UnloadedError, abortError, deserializeError } from '../errors.js';
import { isNode } from '../platform.js';
import { servePoolWorkers } from './pool-workers-page.js';
import { deliverEvent } from './protocol.js';

/**
 * @import { AnyHooks, CallArgs, CallResult, Engine, EngineHooks, EngineLoadOptions, EngineMethod,
 *   GenerateRequest, PageMessage, RenderChatOptions, ResolvedSource, WorkerMessage } from './protocol.js'
 * @import { ChatMessage } from '../types.js'
 */
// A local name for the interface: declaration emit cannot write `implements` with an
// @import'ed typedef.
/** @typedef {Engine} EngineInterface */

/**
 * The page's end of the worker.
 * @typedef {object} PagePort
 * @property {(message: PageMessage) => void} post
 * @property {(onMessage: (message: WorkerMessage) => void, onFatal: (error: Error) => void) => void} listen
 * @property {() => Promise<unknown>} terminate
 */

/**
 * A call waiting for its answer. `resolve` takes the result of the call's method, which the
 * worker answers by the call's id.
 * @typedef {object} PendingCall
 * @property {(value: any) => void} resolve
 * @property {(error: unknown) => void} reject
 * @property {AnyHooks} hooks
 */

// Where the page's module resolution puts the Jinja library, for the worker to import it
// from (a worker does not see the page's import map). null under bundlers that leave the
// bare name to the worker's own bundle.
function jinjaModuleUrl() {
  try {
    return import.meta.resolve?.('@huggingface/jinja') ?? null;
  } catch {
    return null;
  }
}

/** @returns {Promise<PagePort>} */
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
  const pool = servePoolWorkers(worker);
  return {
    post: (m) => worker.postMessage(m),
    listen: (onMessage, onFatal) => {
      worker.onmessage = (e) => onMessage(e.data);
      worker.onerror = (e) => {
        e.preventDefault?.();
        onFatal(new Error(`the engine worker failed: ${e.message || 'could not start (check that the worker script is served)'}`));
      };
    },
    terminate: async () => {
      worker.terminate();
      pool.terminateAll();
    },
  };
}

/** @implements {EngineInterface} */
export class WorkerEngine {
  /** @type {PagePort} */
  #port;
  /** @type {Map<number, PendingCall>} */
  #calls = new Map();
  #nextId = 1;
  /** @type {UnloadedError | EngineCrashedError | null} the error every call gets once the worker is gone */
  #dead = null;

  /** @param {PagePort} port */
  constructor(port) {
    this.#port = port;
    port.listen((m) => this.#onMessage(m), (e) => this.#onFatal(e));
  }

  /** @returns {Promise<WorkerEngine>} */
  static async create() {
    return new WorkerEngine(await spawn());
  }

  /** @param {WorkerMessage} message */
  #onMessage(message) {
    const call = this.#calls.get(message.id);
    if (!call) return;
    if (message.type === 'event') {
      deliverEvent(message, call.hooks);
    } else if (message.type === 'result') {
      this.#calls.delete(message.id);
      call.resolve(message.value);
    } else if (message.type === 'error') {
      this.#calls.delete(message.id);
      const error = deserializeError(message.error);
      if (error instanceof EngineCrashedError) this.#retire(error);
      call.reject(error);
    }
  }

  /**
   * A trapped engine cannot be used again, yet its worker holds the whole wasm memory (and
   * the pool's threads): they go at once, not at an unload that a failing caller may never
   * reach. Every later call gets the crash; unload() has nothing left to do.
   * @param {EngineCrashedError} error
   */
  #retire(error) {
    if (this.#die(error)) this.#port.terminate().catch(() => {});
  }

  /** @param {Error} error */
  #onFatal(error) {
    this.#die(new UnloadedError(`the model is gone: ${error.message}`));
  }

  /**
   * The worker's end: every waiting and later call gets `error`. False if it had ended already.
   * @param {UnloadedError | EngineCrashedError} error
   * @returns {boolean}
   */
  #die(error) {
    if (this.#dead) return false;
    this.#dead = error;
    for (const call of this.#calls.values()) call.reject(error);
    this.#calls.clear();
    return true;
  }

  /**
   * @template {EngineMethod} M
   * @param {M} method
   * @param {CallArgs<M>} args
   * @param {AnyHooks} [hooks]
   * @returns {Promise<CallResult<M>>}
   */
  #call(method, args, hooks = {}) {
    if (this.#dead) return Promise.reject(this.#dead);
    const { signal } = hooks;
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.#port.post({ type: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      /** @type {<T>(fn: (v: T) => void) => (v: T) => void} */
      const done = (fn) => (v) => {
        signal?.removeEventListener('abort', onAbort);
        fn(v);
      };
      this.#calls.set(id, { resolve: done(resolve), reject: done(reject), hooks });
      // A union over the methods would not see that `args` belong to `method`.
      this.#port.post(/** @type {PageMessage} */ ({ type: 'call', id, method, args }));
    });
  }

  /**
   * @param {ResolvedSource} source
   * @param {EngineLoadOptions} options
   * @param {EngineHooks<'load'>} [hooks]
   * @returns {Promise<CallResult<'load'>>}
   */
  load(source, options, hooks) { return this.#call('load', [source, options], hooks); }
  /** @returns {Promise<CallResult<'info'>>} */
  info() { return this.#call('info', []); }
  /** @param {ChatMessage[]} messages @param {RenderChatOptions} [options] @returns {Promise<string>} */
  renderChat(messages, options) { return this.#call('renderChat', [messages, { ...options, moduleUrl: jinjaModuleUrl() }]); }
  /** @param {string} text @param {{special?: boolean, addBos?: boolean}} [options] @returns {Promise<number[]>} */
  tokenize(text, options) { return this.#call('tokenize', [text, options ?? {}]); }
  /** @param {ArrayLike<number>} ids @param {{special?: boolean}} [options] @returns {Promise<string>} */
  detokenize(ids, options) { return this.#call('detokenize', [Array.from(ids, Number), options ?? {}]); }
  /** @param {GenerateRequest} request @param {EngineHooks<'generate'>} [hooks] @returns {Promise<CallResult<'generate'>>} */
  generate(request, hooks) { return this.#call('generate', [request], hooks); }
  /** @param {ArrayLike<number>} tokens @param {{batchSize?: number}} [options] @returns {Promise<CallResult<'evalLogits'>>} */
  evalLogits(tokens, options) { return this.#call('evalLogits', [Array.from(tokens, Number), options ?? {}]); }
  /** @param {ArrayLike<number>} tokens @param {number} firstTarget @returns {Promise<Float64Array>} */
  negLogLikelihoods(tokens, firstTarget) { return this.#call('negLogLikelihoods', [Array.from(tokens, Number), firstTarget]); }
  /** @returns {Promise<CallResult<'memoryUsage'>>} */
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
