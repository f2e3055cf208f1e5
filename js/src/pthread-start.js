// Starting the multi-thread build's pthread pool: offline-proof scripts, and no silent hang.
//
// Offline under a service worker: WebKit does not send a nested worker's requests (the pool
// worker's script, and the main script each pool worker imports) through the service worker
// that controls the page, so offline they fail. In browsers Emscripten gets Blob URLs instead
// (locateFile for the worker script, mainScriptUrlOrBlob for the main script): the worker
// script from its text, which the package carries as a module, and the main script fetched
// once by the engine's own context, which the service worker controls. The pool workers need
// no network.
//
// No silent hang: this Emscripten runtime finishes starting only when every pool worker has
// loaded, and one that cannot load (its script failed, its import was refused, a policy
// forbids it) would leave the load waiting forever. The workers' error events reject it with
// a ThreadStartError instead.
import { ThreadStartError } from './errors.js';

/** @typedef {(type: 'error', listener: (event: unknown) => void) => void} ErrorListening */
/**
 * A pool worker: a Web Worker in browsers, a worker_threads Worker in Node; `onerror` is
 * Emscripten's handler.
 * @typedef {{onerror: ((event: unknown) => unknown) | null} & ({addEventListener: ErrorListening,
 *   removeEventListener: ErrorListening} | {on: ErrorListening, off: ErrorListening})} PoolWorker
 */

/**
 * The part of a multi-thread module's Emscripten runtime (Module.PThread) that starting the
 * pool touches.
 * @typedef {object} PoolThreads
 * @property {PoolWorker[]} unusedWorkers
 * @property {(worker: PoolWorker, onLoaded: () => void) => void} loadWasmModuleToWorker
 * @property {() => void} terminateAllThreads
 */

/**
 * The factory's options for a pool whose scripts are Blob URLs.
 * @typedef {object} PoolOptions
 * @property {string} [mainScriptUrlOrBlob]
 * @property {(path: string) => string} [locateFile]
 */

/** @typedef {{glue: URL, wasm: URL}} BuildUrls The build's glue and .wasm. */

// The pool worker's first message says who it works for. A port (smollmPoolPort): the page
// created it for the engine worker (pool-workers-page.js), so Emscripten's messages go both
// ways through that port. Anything else (Emscripten's 'load'): its creator is its peer, as
// usual. What the worker posts before then (nothing, in this runtime) is held.
//
// A pool worker runs under its creator's policy (a blob: worker does): where that forbids
// WebAssembly, Emscripten's worker script would swallow the refusal and never report loaded,
// so the prelude compiles an empty module first and fails the worker at once, by an error
// event, naming the cause.
//
// An import() that fails in a pool worker only rejects a promise there, which its creator
// never hears of; rethrown from the worker's unhandledrejection listener it becomes an error
// event on the Worker object, which watchPoolStart sees.
const WORKER_PRELUDE = "try{new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0]))}catch(e){" +
  "throw new Error('the pthread worker may not run WebAssembly (a Content-Security-Policy without " +
  "\\'wasm-unsafe-eval\\' in script-src?): '+(e&&e.message||e))}\n" +
  "(function(){var port=null,direct=false,held=[],post=self.postMessage.bind(self);" +
  "self.postMessage=function(m,t){if(port)port.postMessage(m,t||[]);else if(direct)post(m,t||[]);else held.push([m,t])};" +
  "self.addEventListener('message',function(e){if(port||direct)return;var p=e.data&&e.data.smollmPoolPort;" +
  "if(p){e.stopImmediatePropagation();port=p;port.onmessage=function(m){if(self.onmessage)self.onmessage(m)}}" +
  "else direct=true;var h=held;held=[];h.forEach(function(a){self.postMessage(a[0],a[1])})})})();\n" +
  "self.addEventListener('unhandledrejection',function(e){var r=e.reason;" +
  "throw new Error('the pthread worker could not import the main script: '+(r&&r.message||r))});\n";

/** @param {URL} url @param {string} what @returns {Promise<string>} */
async function fetchText(url, what) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (error) {
    throw new ThreadStartError(`could not fetch the ${what} (${url}): ${error instanceof Error ? error.message : error}`);
  }
  if (!response.ok) throw new ThreadStartError(`could not fetch the ${what} (${url}): HTTP ${response.status}`);
  return response.text();
}

/** @param {string[]} parts */
function blobUrl(parts) {
  return URL.createObjectURL(new Blob(parts, { type: 'text/javascript' }));
}

// A dev server (Vite's) serves the package's scripts transformed into ES modules (imports of
// its client prepended), which a Blob URL cannot hold: their imports name paths of the server.
// The pool workers then import the main script from the server itself.
/** @param {string} text */
function servedAsModule(text) {
  return /^\s*import[\s{*]/.test(text);
}

/**
 * Browser options for a multi-thread build: its .wasm by URL, its worker script (and, unless a
 * dev server transformed it, its main script) as Blob URLs.
 * @param {BuildUrls} urls
 * @param {string} workerText the build's pthread worker script
 * @returns {Promise<{options: PoolOptions, release: () => void}>} release revokes the Blob URLs
 *   once the pool has started (every pool worker is created and has imported by then). The
 *   pool workers run the prelude, so the page may create them for the engine worker
 *   (pool-workers-page.js).
 */
export async function browserPoolOptions(urls, workerText) {
  const glue = await fetchText(urls.glue, 'multi-thread main script');
  // The glue resolves its sibling files against import.meta.url, which a Blob URL cannot
  // serve as a base for: the copy the pool workers import keeps the real URL.
  const glueUrl = servedAsModule(glue) ? urls.glue.href
    : blobUrl([glue.replaceAll('import.meta.url', JSON.stringify(urls.glue.href))]);
  const workerUrl = blobUrl([WORKER_PRELUDE, workerText]);
  return {
    options: {
      mainScriptUrlOrBlob: glueUrl,
      locateFile: (path) => {
        if (path.endsWith('.worker.js')) return workerUrl;
        if (path.endsWith('.wasm')) return urls.wasm.href;
        return path;
      },
    },
    release: () => {
      if (glueUrl.startsWith('blob:')) URL.revokeObjectURL(glueUrl);
      URL.revokeObjectURL(workerUrl);
    },
  };
}

/** @param {unknown} event an ErrorEvent (browser) or an Error (Node) */
function describe(event) {
  const e = /** @type {{message?: string, filename?: string, lineno?: number} | null | undefined} */ (event);
  const message = e?.message ?? '';
  const where = e?.filename ? ` (${e.filename}${e.lineno ? `:${e.lineno}` : ''})` : '';
  return `${message || 'the worker script failed to load'}${where}`;
}

/**
 * Waits for the module `ready` of a multi-thread build whose factory was called with
 * `Module` (its pool workers exist by then: this runtime creates them synchronously),
 * rejecting with a ThreadStartError as soon as a pool worker reports an error.
 * @template T
 * @param {{PThread?: PoolThreads}} Module
 * @param {Promise<T>} ready
 * @returns {Promise<T>}
 */
export async function watchPoolStart(Module, ready) {
  const pthread = Module.PThread;
  const workers = [...(pthread?.unusedWorkers ?? [])];
  if (!pthread || workers.length === 0) return ready;
  let starting = true;
  // Emscripten's own handler rethrows the error where nothing catches it (an uncaught
  // exception in the engine's context, fatal in Node): while starting, ours reports it.
  const load = pthread.loadWasmModuleToWorker;
  pthread.loadWasmModuleToWorker = (worker, onLoaded) => {
    load(worker, onLoaded);
    const emscriptenOnError = worker.onerror;
    worker.onerror = (event) => (starting ? undefined : emscriptenOnError?.(event));
  };
  let unlisten = () => {};
  /** @type {Promise<never>} */
  const failed = new Promise((_, reject) => {
    /** @param {unknown} event */
    const onError = (event) => {
      /** @type {{preventDefault?: () => void} | null | undefined} */ (event)?.preventDefault?.();
      reject(new ThreadStartError(`the multi-thread build could not start its ${workers.length} pthread ` +
        `worker(s): ${describe(event)} (they run from blob: URLs, which a Content-Security-Policy must allow ` +
        "in worker-src and script-src; or load with build: 'single-thread')"));
    };
    for (const worker of workers) {
      if ('addEventListener' in worker) worker.addEventListener('error', onError);
      else worker.on('error', onError);
    }
    unlisten = () => {
      for (const worker of workers) {
        if ('removeEventListener' in worker) worker.removeEventListener('error', onError);
        else worker.off('error', onError);
      }
    };
  });
  try {
    return await Promise.race([ready, failed]);
  } catch (error) {
    if (error instanceof ThreadStartError) pthread.terminateAllThreads();
    throw error;
  } finally {
    starting = false;
    unlisten();
  }
}
