// What the code runs on, and the few primitives that differ between browsers and Node.

/** @import { BuildKind } from './types.js' */

export const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined' && typeof importScripts === 'undefined';

export function hardwareConcurrency() {
  if (typeof navigator === 'object' && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  return 1;
}

// Threads used when the caller does not say: every core on small machines (the engine runs
// in a worker, so the page keeps its own thread), one core left free on larger ones, at most
// 16: bench/RESULTS.md's 16-core run has decode still gaining from 8 to 16 threads (15.6 ->
// 22.4 tok/s) and prefill nearly doubling; beyond 16 nothing has been measured.
export const MAX_DEFAULT_THREADS = 16;
/** @param {number} cores */
export function defaultThreads(cores) {
  return cores <= 2 ? Math.max(1, cores) : Math.min(MAX_DEFAULT_THREADS, cores - 1);
}

// The thread count of a load and why (ModelInfo.threadsReason). `cores` is what the platform
// reports, which may be wrong (WebKit reports 4 on a 2-core machine, browsers round or cap it).
// The default is taken from it as reported: the engine's pool hands out work in chunks to
// whichever threads run, and runs no more threads at once than the reported cores, so a count
// above the real cores costs little (bench/contention/: 4 threads on 2 cores decode at 96-98%
// of 2 threads' speed), while a count below the real cores would cost a fixed share on every
// machine whose browser under-reports.
/**
 * @param {{build: BuildKind, requested?: number | null, cores: number, coresSource: string}} given
 * @returns {{threads: number, reason: string}}
 */
export function chooseThreads({ build, requested, cores, coresSource }) {
  if (build === 'single-thread') return { threads: 1, reason: 'the single-thread build runs one thread' };
  if (requested !== undefined && requested !== null) {
    return { threads: Math.max(1, Math.floor(requested)), reason: 'requested by the caller (threads option)' };
  }
  const threads = defaultThreads(cores);
  const rule = cores <= 2 ? 'every core up to 2' : `one core left for the page, at most ${MAX_DEFAULT_THREADS}`;
  return { threads, reason: `default for ${cores} core(s) reported by ${coresSource} (${rule})` };
}

// The engine's pool runs at most as many threads at once as the platform reports cores (the rest
// sleep: taking turns on the cores with the threads that hold work made 4 threads on 2 cores
// decode at 60-90% of 2 threads' speed), and fewer where a short probe when it starts finds
// fewer really running at once (WebKitGTK reports 4 cores on a 2-core machine; the engine's
// runtime/concurrency_probe.h). The reason says which limit applies, when one does.
/**
 * @param {string} reason chooseThreads' reason
 * @param {number} threads the pool's size
 * @param {number} atOnce how many of them the engine runs at once (ModelInfo.threadsAtOnce)
 * @param {number} cores the cores the engine read from the platform
 */
export function withThreadsAtOnce(reason, threads, atOnce, cores) {
  if (atOnce >= threads) return reason;
  if (atOnce >= cores) return `${reason}; ${atOnce} run at once, one per core the platform reports`;
  return `${reason}; ${atOnce} run at once: ${cores} cores reported, ${atOnce} found running at once when the engine started, more tried later`;
}

// Multi-thread needs SharedArrayBuffer, which browsers only give cross-origin isolated pages,
// and not always then: WebKitGTK hides it on isolated pages too (Safari exposes it). The
// reason names what is actually missing, so a page owner knows whether their headers or the
// browser is the cause.
const ISOLATION_HEADERS = 'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';

/**
 * @param {BuildKind} [requested]
 * @returns {{build: BuildKind, reason: string}}
 */
export function chooseBuild(requested) {
  const sabAvailable = typeof SharedArrayBuffer === 'function';
  const isolated = isNode || globalThis.crossOriginIsolated === true;
  if (requested === 'single-thread') return { build: 'single-thread', reason: 'requested by the caller' };
  if (isolated && sabAvailable) {
    return {
      build: 'multi-thread',
      reason: isNode ? 'Node.js: worker_threads and SharedArrayBuffer available'
        : 'crossOriginIsolated is true: SharedArrayBuffer available',
    };
  }
  const missing = isolated
    ? 'SharedArrayBuffer is not available although crossOriginIsolated is true (this browser does not expose it)'
    : `crossOriginIsolated is false: SharedArrayBuffer unavailable (serve the page with ${ISOLATION_HEADERS})`;
  if (requested === 'multi-thread') throw new Error(`the multi-thread build cannot run here: ${missing}`);
  return { build: 'single-thread', reason: missing };
}

// A macrotask turn without setTimeout's 4 ms clamp, so messages (abort, cancel) get handled
// between tokens at almost no cost.
/** @type {MessageChannel | null} */
let channel = null;
/** @type {(() => void)[]} */
const waiting = [];
/** @returns {Promise<void>} */
export function yieldToEventLoop() {
  if (isNode) return new Promise((resolve) => setImmediate(resolve));
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  const port = channel;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.port2.postMessage(null);
  });
}

/**
 * @param {number} ms
 * @param {AbortSignal} [signal] rejects with its reason when aborted
 * @returns {Promise<void>}
 */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
