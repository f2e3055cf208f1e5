// Turns what the caller passed (URL, path, File, or a list) into one source per model file,
// expanding a split GGUF (name-00001-of-00003.gguf) from its first part, and picking the
// offline cache over the network when a complete copy is stored.
import { InvalidArgumentError } from '../errors.js';
import { isNode } from '../platform.js';
import * as modelCache from '../cache/index.js';
import { HttpSource } from './http-source.js';
import { BlobSource, NodeFileSource } from './local-sources.js';

/** @typedef {import('./source-types.js').SourceEntry} SourceEntry */

const SPLIT = /-(\d{5})-of-(\d{5})\.gguf$/;

/**
 * @param {unknown} x
 * @returns {x is Blob}
 */
function isBlob(x) {
  return typeof Blob === 'function' && x instanceof Blob;
}

/** @param {string | URL} s */
function isUrlLike(s) {
  return s instanceof URL || /^(https?|blob|data):/i.test(s);
}

/**
 * "model-00001-of-00003.gguf" -> the three names; anything else -> [name].
 * @param {string} name
 * @returns {string[]}
 */
export function expandSplitName(name) {
  const match = SPLIT.exec(name);
  if (!match) return [name];
  const count = Number(match[2]);
  if (Number(match[1]) !== 1) {
    throw new InvalidArgumentError(`${name} is part ${Number(match[1])} of a split model: pass the first part (-00001-of-${match[2]}.gguf)`);
  }
  const width = match[1].length;
  return Array.from({ length: count }, (_, i) =>
    name.replace(SPLIT, `-${String(i + 1).padStart(width, '0')}-of-${match[2]}.gguf`));
}

/** @param {string | URL} s */
function resolveUrl(s) {
  if (s instanceof URL) return s.href;
  const base = typeof location === 'object' ? location.href : undefined;
  return new URL(s, base).href;
}

/**
 * True only when the server is reachable and names a different ETag than the cached copy's:
 * offline, slow or silent servers leave the cached copy in use.
 * @param {string} url
 * @param {string | null} etag
 */
async function changedOnServer(url, etag) {
  if (!etag) return false;
  try {
    const response = await fetch(url, { method: 'HEAD', cache: 'no-store', signal: AbortSignal.timeout(3000) });
    const current = response.ok ? response.headers.get('etag') : null;
    return current !== null && current !== etag;
  } catch {
    return false;
  }
}

/**
 * Sources in file order.
 * @param {unknown} input what the caller passed as the model (checked here): a URL, a path, a
 *   File/Blob, or a list of them (every part of a split model)
 * @param {{cache?: boolean, retries?: number, stallTimeoutMs?: number}} [options] cache: use and
 *   fill the offline cache; the rest: HttpSource's
 * @returns {Promise<SourceEntry[]>}
 */
export async function resolveSources(input, { cache = true, retries, stallTimeoutMs } = {}) {
  /** @type {unknown[]} */
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new InvalidArgumentError('no model given: pass a URL, a file path or a File');
  /** @type {Array<string | URL | Blob>} */
  const items = [];
  for (const item of list) {
    if (isBlob(item)) {
      items.push(item);
    } else if (typeof item === 'string' || item instanceof URL) {
      const names = list.length === 1 ? expandSplitName(String(item instanceof URL ? item.href : item)) : [item];
      items.push(...names);
    } else {
      throw new InvalidArgumentError(`cannot load a model from ${Object.prototype.toString.call(item)}: pass a URL, a file path or a File/Blob`);
    }
  }
  /** @type {SourceEntry[]} */
  const out = [];
  /** @param {import('./source-types.js').ModelFileSource} source */
  const local = (source) => ({ source, url: null, cached: false, cache: false, refetch: null });
  for (const item of items) {
    if (isBlob(item)) {
      out.push(local(new BlobSource(item)));
    } else if (!isUrlLike(item) && isNode) {
      const path = String(item).startsWith('file:') ? new URL(item).pathname : String(item);
      out.push(local(new NodeFileSource(path, 'cache')));
    } else {
      const url = resolveUrl(item);
      if (url.startsWith('file:') && isNode) {
        out.push(local(new NodeFileSource(new URL(url).pathname, 'cache')));
        continue;
      }
      let cached = cache ? await modelCache.lookup(url) : null;
      if (cached && await changedOnServer(url, cached.etag)) {
        await modelCache.cache.delete(url);
        cached = null;
      }
      const download = () => new HttpSource(url, { retries, stallTimeoutMs });
      // refetch: where a cached copy that fails the caller's checksum is loaded from instead.
      out.push({ source: cached ?? download(), url, cached: Boolean(cached), cache, refetch: download });
    }
  }
  return out;
}

export { modelCache };
