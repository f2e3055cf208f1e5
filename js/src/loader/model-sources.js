// Turns what the caller passed (URL, path, File, or a list) into one source per model file,
// expanding a split GGUF (name-00001-of-00003.gguf) from its first part, and picking the
// offline cache over the network when a complete copy is stored.
import { InvalidArgumentError } from '../errors.js';
import { isNode } from '../platform.js';
import * as modelCache from '../cache/index.js';
import { HttpSource } from './http-source.js';
import { BlobSource, NodeFileSource } from './local-sources.js';

const SPLIT = /-(\d{5})-of-(\d{5})\.gguf$/;

function isBlob(x) {
  return typeof Blob === 'function' && x instanceof Blob;
}

function isUrlLike(s) {
  return s instanceof URL || /^(https?|blob|data):/i.test(s);
}

// "model-00001-of-00003.gguf" -> the three names; anything else -> [name].
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

function resolveUrl(s) {
  if (s instanceof URL) return s.href;
  const base = typeof location === 'object' ? location.href : undefined;
  return new URL(s, base).href;
}

// True only when the server is reachable and names a different ETag than the cached copy's:
// offline, slow or silent servers leave the cached copy in use.
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

// Sources in file order. Every entry: {source, url (cache key or null), cached, cache, refetch}.
export async function resolveSources(input, { cache = true, retries, stallTimeoutMs } = {}) {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new InvalidArgumentError('no model given: pass a URL, a file path or a File');
  let items = [];
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
  const out = [];
  for (const item of items) {
    if (isBlob(item)) {
      out.push({ source: new BlobSource(item), url: null });
    } else if (!isUrlLike(item) && isNode) {
      const path = String(item).startsWith('file:') ? new URL(item).pathname : String(item);
      out.push({ source: new NodeFileSource(path, 'cache'), url: null });
    } else {
      const url = resolveUrl(item);
      if (url.startsWith('file:') && isNode) {
        out.push({ source: new NodeFileSource(new URL(url).pathname, 'cache'), url: null });
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
