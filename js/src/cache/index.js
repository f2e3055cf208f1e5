// The offline cache, whichever backend this platform has. Keys are absolute URLs.
import { isNode } from '../platform.js';

const backend = () => (isNode ? import('./node-cache.js') : import('./browser-cache.js'));
const key = (url) => String(url instanceof URL ? url.href : url);

export async function lookup(url) { return (await backend()).lookup(key(url)); }
// readBack(from, to): a copy of bytes [from, to) of the file, from where the loader put them.
export async function createWriter(url, bytes, etag, readBack) { return (await backend()).createWriter(key(url), bytes, etag, readBack); }

export const cache = {
  async list() { return (await backend()).list(); },
  async has(url) { return (await backend()).has(key(url)); },
  async delete(url) { return (await backend()).deleteEntry(key(url)); },
  async clear() { return (await backend()).clear(); },
  async storage() { return (await backend()).storage(); },
};
