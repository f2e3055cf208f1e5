// The offline cache, whichever backend this platform has. Keys are absolute URLs.
// Browsers: Cache Storage (browser-cache.js) where the origin private file system exists,
// since that store streams there through an OPFS spool; otherwise (no navigator.storage:
// WebKitGTK) IndexedDB chunk records (idb-chunk-store.js), because Cache Storage there holds
// whole bodies in the tab. Chosen by feature detection, identically on the page and in its
// workers. list/has/delete/clear/storage cover both browser stores, so an entry stored by
// the other one (a browser that gained or lost OPFS) can still be seen and removed.
import { isNode } from '../platform.js';

/** @typedef {import('../loader/source-types.js').ModelFileSource} ModelFileSource */

/**
 * One stored model file, as cache.list() reports it.
 * @typedef {{url: string, bytes: number, etag: string | null, storedAt: number}} CacheEntry
 */

/**
 * What a store's createWriter gives for one download. The loader calls write(chunk) once each
 * chunk is in wasm memory, in file order (awaiting it before it reads on); finish() when the
 * last byte arrived and was verified: only then is the entry committed, and it rejects,
 * storing nothing, when the bytes written are not the size given; abort() otherwise, before
 * it frees or reuses that memory.
 * @typedef {object} CacheWriter
 * @property {(chunk: Uint8Array) => void | Promise<void>} write
 * @property {() => Promise<void>} finish
 * @property {() => void | Promise<void>} abort
 */

/**
 * A copy of bytes [from, to) of the file, from where the loader put them in wasm memory.
 * @typedef {(from: number, to: number) => Uint8Array<ArrayBuffer>} ReadBack
 */

/**
 * What every store exports.
 * @typedef {object} CacheStore
 * @property {(url: string) => Promise<ModelFileSource | null>} lookup a complete stored copy
 * @property {(url: string, bytes: number, etag: string | null, readBack: ReadBack) => Promise<CacheWriter | null>} createWriter
 * @property {() => Promise<CacheEntry[]>} list
 * @property {(url: string) => Promise<boolean>} has
 * @property {(url: string) => Promise<boolean>} deleteEntry
 * @property {() => Promise<void>} clear
 */

/** @typedef {{usedBytes: number, quotaBytes: number | null}} StorageUse */

const opfsAvailable = () => typeof navigator === 'object' && typeof navigator.storage?.getDirectory === 'function';
const idbAvailable = () => typeof indexedDB === 'object' && indexedDB !== null;

/** @returns {Promise<CacheStore>} */
const backend = () => {
  if (isNode) return import('./node-cache.js');
  return !opfsAvailable() && idbAvailable() ? import('./idb-chunk-store.js') : import('./browser-cache.js');
};
/** @returns {Promise<CacheStore[]>} */
const backends = () => (isNode
  ? Promise.all([import('./node-cache.js')])
  : Promise.all([import('./browser-cache.js'), import('./idb-chunk-store.js')]));
/** @param {string | URL} url */
const key = (url) => String(url instanceof URL ? url.href : url);

/** @param {string | URL} url */
export async function lookup(url) { return (await backend()).lookup(key(url)); }
/**
 * @param {string | URL} url
 * @param {number} bytes the file's size: the entry is committed only with exactly this many
 * @param {string | null} etag
 * @param {ReadBack} readBack
 */
export async function createWriter(url, bytes, etag, readBack) { return (await backend()).createWriter(key(url), bytes, etag, readBack); }

export const cache = {
  /** @returns {Promise<CacheEntry[]>} */
  async list() { return (await Promise.all((await backends()).map((b) => b.list()))).flat(); },
  /** @param {string | URL} url */
  async has(url) { return (await Promise.all((await backends()).map((b) => b.has(key(url))))).some(Boolean); },
  /** @param {string | URL} url */
  async delete(url) { return (await Promise.all((await backends()).map((b) => b.deleteEntry(key(url))))).some(Boolean); },
  async clear() { await Promise.all((await backends()).map((b) => b.clear())); },
  /** @returns {Promise<StorageUse>} */
  async storage() {
    if (isNode) return (await import('./node-cache.js')).storage();
    const [{ quotaBytes }, entries] = await Promise.all([(await import('./browser-cache.js')).storage(), cache.list()]);
    return { usedBytes: entries.reduce((sum, e) => sum + e.bytes, 0), quotaBytes };
  },
};
