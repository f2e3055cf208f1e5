// A GGUF file on an HTTP server, read as a stream of chunks. A dropped or stalled connection
// resumes with a Range request from the last byte received; the 206 answer must name the same
// total size and ETag, or the download starts over (If-Range would say this in one header, but
// it is not CORS-safelisted: cross-origin it forces a preflight that CDNs often refuse); a server that ignores Range restarts from zero and says so. 5xx, 408 and 429
// answers are retried with exponential backoff, honouring Retry-After.
import { HttpError, NetworkError, abortError } from '../errors.js';
import { sleep } from '../platform.js';
import { openBodyReader } from './body-reader.js';

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** @typedef {import('./source-types.js').ModelFileSource} ModelFileSource */
/** @typedef {import('./source-types.js').SourceItem} SourceItem */

/** @implements {ModelFileSource} */
export class HttpSource {
  /**
   * @param {string} url
   * @param {{retries?: number, stallTimeoutMs?: number, backoffMs?: number}} [options] retries:
   *   per failure streak; stallTimeoutMs: silence after which a request or read is dropped;
   *   backoffMs: the first retry's wait, doubled for each further one
   */
  constructor(url, { retries = 5, stallTimeoutMs = 30000, backoffMs = 500 } = {}) {
    this.url = url;
    this.name = url;
    /** @type {'download'} */
    this.kind = 'download';
    /** @type {number | null} Content-Length of the whole file, when the server says it */
    this.size = null;
    /** @type {string | null} */
    this.etag = null;
    // False once a body is read through a reused buffer (see body-reader.js): a chunk is then
    // overwritten by the next one, so a consumer that keeps it must copy it.
    this.chunksAreFresh = true;
    this.retries = retries;
    this.stallTimeoutMs = stallTimeoutMs;
    this.backoffMs = backoffMs;
  }

  /**
   * The size without downloading (HEAD; falls back to a 1-byte Range GET), or null.
   * @param {AbortSignal} [signal]
   * @returns {Promise<number | null>}
   */
  async probeSize(signal) {
    try {
      const head = await fetch(this.url, { method: 'HEAD', signal });
      if (head.ok && head.headers.get('content-length') && !head.headers.get('content-encoding')) {
        return Number(head.headers.get('content-length'));
      }
      const one = await fetch(this.url, { headers: { Range: 'bytes=0-0' }, signal });
      await one.body?.cancel();
      const total = /\/(\d+)$/.exec(one.headers.get('content-range') ?? '');
      if (one.status === 206 && total) return Number(total[1]);
    } catch {
      if (signal?.aborted) throw abortError(signal.reason);
    }
    return null;
  }

  /**
   * Yields {bytes, offset} in file order, or {restart: reason} when the server made the
   * download start again from byte 0.
   * @param {AbortSignal} [signal]
   * @returns {AsyncGenerator<SourceItem, void, undefined>}
   */
  async *chunks(signal) {
    let offset = 0;
    let failures = 0;
    for (;;) {
      if (signal?.aborted) throw abortError(signal.reason);
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      /** @type {import('./body-reader.js').BodyReader | null} */
      let reader = null;
      /** @type {StallWatch | null} */
      let watch = null;
      try {
        /** @type {Record<string, string>} */
        const headers = {};
        if (offset > 0) {
          headers.Range = `bytes=${offset}-`;
        }
        // One watchdog covers the request and then every read of its body.
        watch = new StallWatch(this.stallTimeoutMs, controller);
        let response;
        try {
          response = await fetch(this.url, { headers, signal: controller.signal });
          watch.fed();
        } catch (error) {
          if (signal?.aborted) throw abortError(signal.reason);
          // Before the first byte a failure is most often a refusal (CORS, DNS, server down) that
          // retrying will not cure, so fewer retries there.
          const limit = offset === 0 ? Math.min(2, this.retries) : this.retries;
          failures = await this.#retryOrThrow(failures, `request failed (${this.#why(watch, error)})`, null, limit);
          continue;
        }
        if (offset > 0 && response.status === 416) return;   // the file ends here
        if (!response.ok) {
          await response.body?.cancel().catch(() => {});
          if (RETRYABLE.has(response.status) && failures < this.retries) {
            failures = await this.#retryOrThrow(failures, `HTTP ${response.status}`, retryAfterMs(response));
            continue;
          }
          throw new HttpError(response.status, this.url, response.statusText);
        }
        if (offset > 0 && !this.#resumesAt(response, offset)) {
          offset = 0;
          yield { restart: 'the server does not support HTTP Range requests (or the file changed), so the download restarted from the beginning' };
        }
        if (offset === 0) {
          const length = response.headers.get('content-length');
          this.size = length !== null && !response.headers.get('content-encoding') ? Number(length) : null;
          this.etag = response.headers.get('etag');
        }
        if (!response.body) throw new NetworkError(this.url, 'the response has no body');
        reader = openBodyReader(response.body);
        this.chunksAreFresh = !reader.reusesBuffer;
        for (;;) {
          const { done, value } = await reader.read();
          watch.fed();
          if (done) break;
          if (value.byteLength === 0) continue;
          // Only the network's silence counts as a stall: the consumer may take its time
          // with a chunk (a busy machine, a cache write to a slow disk).
          watch.pause();
          yield { bytes: value, offset };
          watch.resume();
          offset += value.byteLength;
          failures = 0;
        }
        if (this.size === null || offset >= this.size) return;
        failures = await this.#retryOrThrow(failures, `connection closed at byte ${offset} of ${this.size}`, null);
      } catch (error) {
        if (signal?.aborted) throw abortError(signal.reason);
        if (error instanceof HttpError || error instanceof NetworkError) throw error;
        if (reader === null) throw error;
        failures = await this.#retryOrThrow(failures, `connection dropped at byte ${offset} (${this.#why(watch, error)})`, null);
      } finally {
        watch?.stop();
        signal?.removeEventListener('abort', onAbort);
        controller.abort();
      }
    }
  }

  /**
   * Whether a 206 answer continues this download at `offset` (same total size and ETag).
   * @param {Response} response
   * @param {number} offset
   */
  #resumesAt(response, offset) {
    if (response.status !== 206) return false;
    const range = response.headers.get('content-range');
    const match = range && /bytes (\d+)-\d+\/(\d+|\*)/.exec(range);
    if (match === null || Number(match[1]) !== offset) return false;
    if (this.size !== null && match[2] !== '*' && Number(match[2]) !== this.size) return false;
    const etag = response.headers.get('etag');
    return !(this.etag && etag && etag !== this.etag);
  }

  /**
   * Waits before the next try (backoff, or the server's Retry-After) and returns the failure
   * count; throws NetworkError once `limit` failures in a row were retried.
   * @param {number} failures
   * @param {string} what the failure in words
   * @param {number | null} waitMs
   * @param {number} [limit]
   * @returns {Promise<number>}
   */
  async #retryOrThrow(failures, what, waitMs, limit = this.retries) {
    if (failures >= limit) {
      throw new NetworkError(this.url, `${what}; gave up after ${limit} retries`);
    }
    await sleep(waitMs ?? this.backoffMs * 2 ** failures);
    return failures + 1;
  }

  /**
   * A failure's cause in words: the watchdog's abort shows up as a plain AbortError.
   * @param {StallWatch | null} watch
   * @param {unknown} error
   */
  #why(watch, error) {
    return watch?.stalled ? `no data for ${this.stallTimeoutMs} ms` : describe(error);
  }

}

/**
 * @param {Response} response
 * @returns {number | null}
 */
function retryAfterMs(response) {
  const value = response.headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(60000, Math.max(0, seconds * 1000));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.min(60000, Math.max(0, date - Date.now())) : null;
}

// Aborts a request when neither its response nor a chunk of its body has come for `ms`. One
// interval per request, not a timer per read: a 1 GB download is some 16,000 reads, and arming
// and clearing a timer and racing a promise for each cost more than copying the chunk into
// wasm memory.
class StallWatch {
  /**
   * @param {number} ms
   * @param {AbortController} controller aborted on a stall
   */
  constructor(ms, controller) {
    this.stalled = false;
    this.paused = false;
    this.last = performance.now();
    this.timer = setInterval(() => {
      if (this.paused || performance.now() - this.last < ms) return;
      this.stalled = true;
      controller.abort();   // the pending fetch or read rejects
    }, Math.max(10, Math.min(1000, ms / 4)));
  }

  fed() {
    this.last = performance.now();
  }

  pause() {
    this.paused = true;
  }

  resume() {
    this.paused = false;
    this.last = performance.now();
  }

  stop() {
    clearInterval(this.timer);
  }
}

/**
 * An error in words, with its cause's code or message (Node's fetch puts ECONNRESET there).
 * @param {unknown} error
 */
function describe(error) {
  // Whatever was thrown, read by duck typing as before (a DOMException or a plain object too).
  const e = /** @type {{message?: unknown, cause?: {code?: unknown, message?: unknown}} | null | undefined} */ (error);
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e?.message}: ${cause}` : String(e?.message ?? error);
}
