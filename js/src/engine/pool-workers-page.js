// The page creates the multi-thread build's pool workers for the engine worker.
//
// Why not the engine worker itself: in Firefox, `new Worker()` called inside a worker
// sometimes never returns under WebDriver BiDi (how our Firefox tests drive it; the developer
// tools attach to workers in a similar way): the engine worker stops inside the constructor for
// good, every process idle, and the load never ends (a CI run failed so). Measured with
// bench/e2e/load_stall.mjs on Firefox ESR 153 beside two busy processes: 3 of 250 loads
// stopped there, and 0 of 285 with the same page opened without automation. Workers the page
// creates have never stopped (0 of 250, 0 of 45 fresh browsers). The engine worker's glue
// gets a Worker class that asks for them (pool-workers-engine.js).
//
// The scripts stay the Blob URLs the engine worker made (pthread-start.js): a Blob URL works
// in every context of its origin. A blob: worker runs under its creator's policy, so the
// page's Content-Security-Policy now decides whether they may start and run WebAssembly.

/**
 * @import { PoolNotice, PoolRequest } from './pool-workers-engine.js'
 */

/**
 * Serves pool-worker requests of `engineWorker` on a fresh channel, whose other end it sends
 * the engine worker first (web-worker.js takes it before any call).
 * @param {Worker} engineWorker
 * @returns {{terminateAll: () => void}} terminateAll ends every pool worker still running
 *   (called when the engine worker is terminated: they hold its memory).
 */
export function servePoolWorkers(engineWorker) {
  const channel = new MessageChannel();
  /** @type {Map<number, Worker>} */
  const workers = new Map();
  channel.port1.onmessage = (/** @type {MessageEvent<PoolRequest>} */ event) => {
    const request = event.data;
    if (request.type === 'terminate') {
      workers.get(request.id)?.terminate();
      workers.delete(request.id);
      return;
    }
    const { id, url, port } = request;
    /** @param {{message?: string, filename?: string, lineno?: number}} error */
    const report = (error) => {
      /** @type {PoolNotice} */
      const notice = {
        type: 'error', id, message: error.message ?? '', filename: error.filename ?? '', lineno: error.lineno ?? 0,
      };
      channel.port1.postMessage(notice);
    };
    let worker;
    try {
      worker = new Worker(url);
    } catch (error) {
      // A policy may refuse the worker at once (a SecurityError) instead of by an event.
      report({ message: error instanceof Error ? error.message : String(error) });
      return;
    }
    worker.onerror = (e) => {
      e.preventDefault();
      report(e);
    };
    worker.postMessage({ smollmPoolPort: port }, [port]);
    workers.set(id, worker);
  };
  engineWorker.postMessage({ type: 'pool-port', port: channel.port2 }, [channel.port2]);
  return {
    terminateAll: () => {
      for (const worker of workers.values()) worker.terminate();
      workers.clear();
      channel.port1.close();
    },
  };
}
