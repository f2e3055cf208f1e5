// The offline cache, whichever backend this platform has. Keys are absolute URLs.
// Browsers: Cache Storage (browser-cache.js) where the origin private file system exists,
// since that store streams there through an OPFS spool; otherwise (no navigator.storage:
// WebKitGTK) IndexedDB chunk records (idb-chunk-store.js), because Cache Storage there holds
// whole bodies in the tab. Chosen by feature detection, identically on the page and in its
// workers. list/has/delete/clear/storage cover both browser stores, so an entry stored by
// the other one (a browser that gained or lost OPFS) can still be seen and removed.
import { isNode } from '../platform.js';

const opfsAvailable = () => typeof navigator === 'object' && typeof navigator.storage?.getDirectory === 'function';
const idbAvailable = () => typeof indexedDB === 'object' && indexedDB !== null;

const backend = () => {
  if (isNode) return import('./node-cache.js');
  return !opfsAvailable() && idbAvailable() ? import('./idb-chunk-store.js') : import('./browser-cache.js');
};
const backends = () => (isNode
  ? Promise.all([import('./node-cache.js')])
  : Promise.all([import('./browser-cache.js'), import('./idb-chunk-store.js')]));
const key = (url) => String(url instanceof URL ? url.href : url);

export async function lookup(url) { return (await backend()).lookup(key(url)); }
// readBack(from, to): a copy of bytes [from, to) of the file, from where the loader put them.
export async function createWriter(url, bytes, etag, readBack) { return (await backend()).createWriter(key(url), bytes, etag, readBack); }

export const cache = {
  async list() { return (await Promise.all((await backends()).map((b) => b.list()))).flat(); },
  async has(url) { return (await Promise.all((await backends()).map((b) => b.has(key(url))))).some(Boolean); },
  async delete(url) { return (await Promise.all((await backends()).map((b) => b.deleteEntry(key(url))))).some(Boolean); },
  async clear() { await Promise.all((await backends()).map((b) => b.clear())); },
  async storage() {
    if (isNode) return (await import('./node-cache.js')).storage();
    const [{ quotaBytes }, entries] = await Promise.all([(await import('./browser-cache.js')).storage(), cache.list()]);
    return { usedBytes: entries.reduce((sum, e) => sum + e.bytes, 0), quotaBytes };
  },
};
