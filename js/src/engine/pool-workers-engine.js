// The engine worker's side of page-created pool workers (pool-workers-page.js says why the page
// creates them). While the glue's factory runs, `Worker` in the engine worker's scope is a
// class that the glue uses as it would the real one: its constructor returns at once and asks
// the page, by message, to start the script; postMessage, onmessage, onerror, error listeners
// and terminate work through a MessageChannel whose other end the page hands to the new
// worker. Messages posted before the worker has started wait in the channel, as in a Worker.

/**
 * What the engine worker asks of the page (on the pool port).
 * @typedef {{type: 'create', id: number, url: string, port: MessagePort}
 *   | {type: 'terminate', id: number}} PoolRequest
 * What the page answers: an error event of a pool worker, as plain fields.
 * @typedef {{type: 'error', id: number, message: string, filename: string, lineno: number}} PoolNotice
 */

/** @typedef {{message: string, filename: string, lineno: number, preventDefault: () => void}} PoolErrorEvent */

/** @type {Map<number, {dispatchError: (event: PoolErrorEvent) => void}>} */
const workers = new Map();
let nextId = 1;
/** @type {MessagePort | null} the page's end (pool-workers-page.js), once it has sent it */
let pagePort = null;

/**
 * Takes the page's pool port: from now on createdByPage has the page create Workers.
 * @param {MessagePort} port
 */
export function receivePoolPort(port) {
  pagePort = port;
  port.onmessage = (/** @type {MessageEvent<PoolNotice>} */ event) => {
    const { id, message, filename, lineno } = event.data;
    workers.get(id)?.dispatchError({ message, filename, lineno, preventDefault: () => {} });
  };
}

/**
 * Runs `start` (the glue's factory, which creates its pool Workers before it returns) with
 * `Worker` meaning a worker the page creates, when the page has sent its pool port; without
 * one (the engine on the page's own thread, or in Node) `start` runs as it is.
 * @template T
 * @param {() => T} start
 * @returns {T}
 */
export function createdByPage(start) {
  const port = pagePort;
  if (!port) return start();
  const scope = /** @type {{Worker: unknown}} */ (/** @type {unknown} */ (globalThis));
  const own = scope.Worker;
  scope.Worker = pageWorkerClass(port);
  try {
    return start();
  } finally {
    scope.Worker = own;
  }
}

/** @param {MessagePort} port */
function pageWorkerClass(port) {
  return class PageCreatedWorker {
    /** @type {((event: MessageEvent) => void) | null} */
    onmessage = null;
    /** @type {((event: PoolErrorEvent) => unknown) | null} */
    onerror = null;
    /** @type {Set<(event: PoolErrorEvent) => void>} */
    #errorListeners = new Set();
    #channel;
    #id;

    /** @param {string | URL} url */
    constructor(url) {
      this.#id = nextId++;
      const channel = new MessageChannel();
      this.#channel = channel.port1;
      this.#channel.onmessage = (event) => this.onmessage?.(event);
      workers.set(this.#id, this);
      /** @type {PoolRequest} */
      const request = { type: 'create', id: this.#id, url: String(url), port: channel.port2 };
      port.postMessage(request, [channel.port2]);
    }

    /** @param {unknown} message @param {Transferable[]} [transfer] */
    postMessage(message, transfer = []) {
      this.#channel.postMessage(message, transfer);
    }

    /** @param {string} type @param {(event: PoolErrorEvent) => void} listener */
    addEventListener(type, listener) {
      if (type === 'error') this.#errorListeners.add(listener);
    }

    /** @param {string} type @param {(event: PoolErrorEvent) => void} listener */
    removeEventListener(type, listener) {
      if (type === 'error') this.#errorListeners.delete(listener);
    }

    terminate() {
      workers.delete(this.#id);
      this.#channel.close();
      /** @type {PoolRequest} */
      const request = { type: 'terminate', id: this.#id };
      port.postMessage(request);
    }

    /** @param {PoolErrorEvent} event */
    dispatchError(event) {
      for (const listener of this.#errorListeners) listener(event);
      this.onerror?.(event);
    }
  };
}
