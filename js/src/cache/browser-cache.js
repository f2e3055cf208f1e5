// Offline cache in the browser: Cache Storage, one entry per model file keyed by its URL.
// An entry is written by streaming the download into cache.put(); the put only commits when
// the stream closes after the last byte, so an interrupted download never looks complete.
// Every read checks the byte count against the size recorded at write time.
import { QuotaError } from '../errors.js';
import { openBodyReader } from '../loader/body-reader.js';

const CACHE_NAME = 'smollm-wasm-models-v1';
const SIZE = 'x-smollm-size';
const ETAG = 'x-smollm-etag';
const STORED_AT = 'x-smollm-stored-at';

export const browserCacheAvailable = () => typeof caches === 'object' && caches !== null;

async function open() {
  if (!browserCacheAvailable()) return null;
  return caches.open(CACHE_NAME);
}

// WebKit drops an entry that a worker wrote to an in-memory (ephemeral: private browsing,
// automation) Cache Storage as soon as that worker is terminated, unless another context of
// the origin holds the cache open (tests/browser/package: WebKitGTK 2.50). The page holds it
// for its lifetime, so entries written by the engine's worker outlive the worker.
let heldOpen = null;
export function holdOpenInThisContext() {
  heldOpen ??= open().catch(() => null);
  return heldOpen;
}

function entryOf(url, response) {
  const bytes = Number(response.headers.get(SIZE));
  if (!Number.isFinite(bytes) || bytes <= 0) return null;
  return {
    url,
    bytes,
    etag: response.headers.get(ETAG) || null,
    storedAt: Number(response.headers.get(STORED_AT)) || 0,
  };
}

class CachedResponseSource {
  constructor(url, response, entry) {
    this.url = url;
    this.name = url;
    this.kind = 'cache';
    this.size = entry.bytes;
    this.etag = entry.etag;
    this.entry = entry;
    this.response = response;
    this.chunksAreFresh = true;   // until chunks() knows whether it reads through a reused buffer
  }

  async probeSize() {
    return this.size;
  }

  async *chunks(signal) {
    const reader = openBodyReader(this.response.body);
    this.chunksAreFresh = !reader.reusesBuffer;
    let offset = 0;
    try {
      for (;;) {
        signal?.throwIfAborted();
        const { done, value } = await reader.read();
        if (done) break;
        yield { bytes: value, offset };
        offset += value.byteLength;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    if (offset !== this.size) {
      await deleteEntry(this.url);
      throw new Error(`cached copy of ${this.url} has ${offset} bytes, expected ${this.size}: entry deleted`);
    }
  }
}

export async function lookup(url) {
  const cache = await open();
  const response = cache && await cache.match(url);
  if (!response || !response.body) return null;
  const entry = entryOf(url, response);
  if (!entry) {
    await cache.delete(url);
    return null;
  }
  return new CachedResponseSource(url, response, entry);
}

// A writer for one download: write() each chunk in file order, finish() when the last byte
// arrived, abort() otherwise. Resolves finish() once the entry is committed.
export async function createWriter(url, bytes, etag) {
  const cache = await open();
  if (!cache) return null;
  let controller;
  const body = new ReadableStream({ start(c) { controller = c; } });
  const response = new Response(body, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes),
      [SIZE]: String(bytes),
      [ETAG]: etag ?? '',
      [STORED_AT]: String(Date.now()),
    },
  });
  const committed = cache.put(url, response).catch((error) => {
    if (error?.name === 'QuotaExceededError') {
      throw new QuotaError(`not enough storage quota to cache ${url} (${bytes} bytes): the model ` +
        'works but will be downloaded again next time; free space with cache.delete()');
    }
    throw error;
  });
  committed.catch(() => {});
  return {
    write(chunk) { controller.enqueue(chunk); },
    async finish() {
      controller.close();
      await committed;
    },
    abort() {
      try { controller.error(new Error('download incomplete')); } catch { /* already closed */ }
    },
  };
}

export async function list() {
  const cache = await open();
  if (!cache) return [];
  const out = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const entry = response && entryOf(request.url, response);
    if (entry) out.push(entry);
  }
  return out;
}

export async function has(url) {
  const cache = await open();
  const response = cache && await cache.match(url);
  return Boolean(response && entryOf(url, response));
}

export async function deleteEntry(url) {
  const cache = await open();
  return cache ? cache.delete(url) : false;
}

export async function clear() {
  if (browserCacheAvailable()) await caches.delete(CACHE_NAME);
}

export async function storage() {
  const entries = await list();
  const usedBytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  let quotaBytes = null;
  if (typeof navigator === 'object' && navigator.storage?.estimate) {
    const estimate = await navigator.storage.estimate();
    quotaBytes = estimate.quota ?? null;
  }
  return { usedBytes, quotaBytes };
}
