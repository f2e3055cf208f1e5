// Streams model files straight into wasm linear memory. For each file: collect the first
// chunks until the incremental GGUF reader has the whole header, check that the model will
// fit (before the weights are downloaded), malloc the file's size once, then copy every chunk
// into place. No whole-file ArrayBuffer and no second copy ever exists; the only extra memory
// is the header prefix (a few MB). HEAPU8 is re-read after every allocation, since memory
// growth replaces it, and pointers are read unsigned (wasm memory goes up to 4 GB).
// A caller's SHA-256 is checked by the engine's incremental hasher over the bytes as they
// land in wasm memory; a cached copy that fails it, or is shorter than its recorded size,
// is deleted and downloaded again. The offline copy is written without a second copy in
// the page: see cache/browser-cache.js.
import {
  InvalidArgumentError, InvalidModelError, ModelTooLargeError, abortError, formatBytes, fromEngineError,
} from '../errors.js';
import { cache as modelCache, createWriter } from '../cache/index.js';
import { CachedEntryCorrupt } from '../cache/entry-corrupt.js';

const WASM_LIMIT = 2 ** 32;
// The header is parsed from prefixes that grow geometrically from here: small headers are
// checked as soon as they arrive, large ones (8 MB of vocabulary) cost a handful of parses.
const FIRST_PROBE_BYTES = 64 * 1024;

function heap(module) {
  return module.HEAPU8;
}

function malloc(module, bytes, what) {
  // _malloc takes a 32-bit size: 2^32 + 64 would arrive as 64 and the copy write past it.
  if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes >= WASM_LIMIT) {
    throw new ModelTooLargeError(bytes, WASM_LIMIT, `${what}: ${formatBytes(bytes)} cannot be allocated in wasm memory`);
  }
  const ptr = module._malloc(bytes) >>> 0;
  if (ptr === 0) {
    throw new ModelTooLargeError(bytes, WASM_LIMIT, `${what}: malloc of ${formatBytes(bytes)} failed`);
  }
  return ptr;
}

// Parses the header from chunks held in JS (copied into a temporary wasm buffer).
function probe(module, chunks, length, fileSize, options) {
  const ptr = malloc(module, Math.max(1, length), 'GGUF header');
  try {
    let at = ptr;
    const h = heap(module);
    for (const c of chunks) {
      h.set(c, at);
      at += c.byteLength;
    }
    return module.probeHeader(ptr, length, fileSize ?? 0, options.contextSize ?? 0, true, false);
  } finally {
    module._free(ptr);
  }
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;

// LoadOptions.sha256 (one hex digest, or one per split part) as a list with one entry per part.
export function expectedDigests(sha256, partCount) {
  if (sha256 === undefined || sha256 === null) return new Array(partCount).fill(null);
  const list = (Array.isArray(sha256) ? sha256 : [sha256]).map((d) => (typeof d === 'string' ? d.trim().toLowerCase() : d));
  if (list.length !== partCount) {
    throw new InvalidArgumentError(`sha256 gives ${list.length} digest(s) but the model has ${partCount} file(s): give one per file, in order`);
  }
  for (const d of list) {
    if (typeof d !== 'string' || !HEX_DIGEST.test(d)) {
      throw new InvalidArgumentError(`sha256 must be a SHA-256 digest as 64 hex digits, got ${JSON.stringify(d)}`);
    }
  }
  return list;
}

/**
 * Loads every part into wasm memory. Returns {parts: [{ptr, size}], header} (the first part's).
 * On failure every buffer allocated here is freed again.
 * @param {object} module the Emscripten module
 * @param {Array<{source, url, cached, cache}>} entries from resolveSources
 * @param {{contextSize?: number, sha256?: string | string[]}} options
 * @param {(p: object) => void} onProgress
 * @param {AbortSignal} [signal]
 * @param {(warning: Error) => void} onWarning non-fatal problems (cache quota)
 */
export async function loadIntoMemory(module, entries, options, onProgress, signal, onWarning) {
  const parts = [];
  const digests = expectedDigests(options.sha256, entries.length);
  // Sizes of every part up front (a HEAD request for remote parts after the first, whose GET
  // answers it anyway), so the memory check covers the whole model before any weight arrives.
  const sizes = await Promise.all(entries.map((e, i) =>
    (i === 0 && e.source.kind === 'download' ? null : e.source.probeSize(signal))));
  entries.forEach((e, i) => { if (e.source.size === null && sizes[i] !== null) e.source.size = sizes[i]; });
  const progress = new ProgressTracker(onProgress, entries);
  let first = null;
  try {
    for (let i = 0; i < entries.length; ++i) {
      const entry = entries[i];
      const ctx = {
        options,
        signal,
        progress,
        onWarning,
        sha256: digests[i],
        partCount: entries.length,
        checkHeader: (probeResult, expected) => {
          if (i === 0) {
            first = probeResult;
            checkFirstHeader(module, probeResult, expected, entries, sizes);
          }
        },
      };
      let part;
      try {
        part = await loadPart(module, entry, i, ctx);
      } catch (error) {
        if (!(error instanceof CachedEntryCorrupt)) throw error;
        // The stored copy is not the file it claims to be (its length, or the caller's
        // digest): it is never used, and the network gets one chance to deliver the bytes.
        await modelCache.delete(entry.url).catch(() => {});
        onWarning(new InvalidModelError(`${error.message}: the cached copy was deleted and is downloaded again`));
        entry.source = entry.refetch();
        entry.cached = false;
        progress.restart(`the cached copy was damaged (${error.why}), so it was deleted and the model is downloaded again`);
        // The header was checked (and memory reserved for it) on the first try; the download
        // must match the caller's digest, so it is that same file and needs no second check.
        part = await loadPart(module, entry, i, { ...ctx, checkHeader: (probeResult) => { if (i === 0) first = probeResult; } });
      }
      parts.push(part);
      progress.partDone(part.size);
    }
  } catch (error) {
    for (const p of parts) module._free(p.ptr);
    if (signal?.aborted) throw abortError(signal.reason);
    throw error;
  }
  return { parts, header: first.header };
}

function checkFirstHeader(module, probeResult, expected, entries, sizes) {
  const metadata = probeResult.header.metadata;
  const splitCount = Number(metadata['split.count'] ?? 1);
  const name = entries[0].source.name;
  if (splitCount !== entries.length) {
    throw new InvalidArgumentError(splitCount > 1
      ? `${name} is the first of ${splitCount} parts of a split model but ${entries.length} file(s) were given: ` +
        'name the first part like model-00001-of-0000N.gguf or pass every part in order'
      : `${entries.length} files were given but ${name} is not a split model (no split.count)`);
  }
  // The engine's plan (plan_memory) is the only one; a split model's later parts add their sizes.
  const { plan, planError } = probeResult;
  if (!plan) throw fromEngineError(planError, name);
  const kv = plan.kvCacheBytes;
  const scratch = plan.scratchBytes;
  const files = expected + sizes.slice(1).reduce((a, b) => a + (b ?? 0), 0);
  const baseline = heap(module).length;
  const required = files + kv + scratch;
  if (required + baseline > WASM_LIMIT) {
    throw new ModelTooLargeError(required, WASM_LIMIT - baseline,
      `${formatBytes(files)} of weights + ${formatBytes(kv)} of KV cache + ${formatBytes(scratch)} of scratch`);
  }
  // Memory grows once, to the planned size, before any weight arrives (peak = plan, no
  // geometric overshoot); a browser that cannot give that much fails here, not after the download.
  if (!module.reserveMemory(required)) {
    throw new ModelTooLargeError(required, WASM_LIMIT - baseline,
      `the browser could not grow wasm memory from ${formatBytes(baseline)} by that much`);
  }
}

// Every part's own header, the later parts of a split model included (the first part's plan
// only knows their sizes when the server gave them): it must be the part its position says,
// and what it describes must fit in wasm memory before anything is allocated for it.
function checkPartHeader(header, wanted, name, index, partCount) {
  if (wanted >= WASM_LIMIT) {
    throw new ModelTooLargeError(wanted, WASM_LIMIT,
      `${name}: its header describes ${formatBytes(wanted)} of data, more than wasm memory can hold`);
  }
  if (index === 0) return;
  const { metadata } = header;
  if (Number(metadata['split.no']) !== index || Number(metadata['split.count']) !== partCount) {
    throw new InvalidModelError(`${name} is not part ${index + 1} of ${partCount} of this split model ` +
      `(its header says split.no ${metadata['split.no']}, split.count ${metadata['split.count']}): pass the parts in order`);
  }
}

async function loadPart(module, entry, index, ctx) {
  const { source } = entry;
  const { signal, progress, options } = ctx;
  let prefix = [];
  let prefixLength = 0;
  let needed = FIRST_PROBE_BYTES;
  let ptr = 0;
  // The header's end of tensor data: fewer bytes is a truncated file.
  let expected = 0;
  // What is read: up to the end of the last tensor's padding (writers pad it to the alignment,
  // and a file's published SHA-256 covers those bytes, so they are hashed and cached too), where
  // the source has it.
  let wanted = 0;
  let written = 0;
  let writer = null;
  // Hashes what is written at ptr, in file order, as it arrives.
  progress.startPart(index, source);
  // Created last before the try whose finally deletes it, so nothing in between can leak it.
  const hasher = ctx.sha256 ? new module.Sha256() : null;
  const hashed = (from, n) => { if (hasher && n > 0) hasher.update(ptr + from, n); };
  // A copy of file bytes [from, to) from where they landed, for a cache writer that stores
  // them after they arrived. HEAPU8 is read afresh: memory growth replaces it.
  const readBack = (from, to) => heap(module).slice(ptr + from, ptr + to);

  const headerComplete = async (result) => {
    const { header } = result;
    expected = header.data_offset + header.data_size;
    if (source.size !== null && source.size < expected) {
      throw new InvalidModelError(`${source.name} is truncated: it has ${source.size} bytes but its header describes ${expected}`);
    }
    const padded = Math.ceil(expected / header.alignment) * header.alignment;
    wanted = Math.min(source.size ?? padded, padded);
    checkPartHeader(header, wanted, source.name, index, ctx.partCount);
    ctx.checkHeader(result, wanted);
    ptr = malloc(module, wanted, source.name);
    if (entry.url && entry.cache && !entry.cached) writer = await openWriter(entry.url, wanted, source.etag, ctx.onWarning, readBack);
    for (const c of prefix) {
      const n = Math.min(c.byteLength, wanted - written);
      const part = n === c.byteLength ? c : c.subarray(0, n);
      heap(module).set(part, ptr + written);
      written += n;
      if (writer) await writer.write(part);
    }
    hashed(0, written);
    prefix = null;
  };

  const tryProbe = async (fileSize) => {
    const result = probe(module, prefix, prefixLength, fileSize, options);
    if (result.status === 'error') throw fromEngineError(result.error, source.name);
    if (result.status === 'need_more') {
      needed = Math.max(result.bytesNeeded, Math.ceil(prefixLength * 1.5));
      return false;
    }
    await headerComplete(result);
    return true;
  };

  const readChunks = async () => {
    for await (const item of source.chunks(signal)) {
      if (item.restart) {
        if (writer) writer.abort();
        writer = null;
        if (ptr) {
          written = 0;
          hasher?.reset();
          if (entry.url && entry.cache && !entry.cached) writer = await openWriter(entry.url, wanted, source.etag, ctx.onWarning, readBack);
        } else {
          prefix = [];
          prefixLength = 0;
        }
        progress.restart(item.restart);
        continue;
      }
      const bytes = item.bytes;
      if (!ptr) {
        prefix.push(source.chunksAreFresh ? bytes : bytes.slice());
        prefixLength += bytes.byteLength;
        if (source.size !== null) needed = Math.min(needed, source.size);
        progress.advance(bytes.byteLength);
        // Small prefixes are parsed on every chunk, so a small header is checked as soon as it
        // is complete even if the server then pauses.
        if (prefixLength >= needed || prefixLength < FIRST_PROBE_BYTES) await tryProbe(source.size);
      } else {
        const n = Math.min(bytes.byteLength, wanted - written);
        const part = n === bytes.byteLength ? bytes : bytes.subarray(0, n);
        heap(module).set(part, ptr + written);
        hashed(written, n);
        written += n;
        // The chunk is in wasm memory now: the cache writer either stores it before the next
        // read (Node's file, the browser worker's OPFS spool) or reads it back from wasm
        // memory at the store's own pace (the browser's streamed put), so no copy of it is
        // kept anywhere else (see cache/browser-cache.js).
        if (writer) await writer.write(part);
        progress.advance(bytes.byteLength);
      }
      if (ptr && written >= wanted) break;
    }
  };

  try {
    try {
      await readChunks();
    } catch (error) {
      // The padding after the last tensor is optional: a source that fails there (a
      // Content-Length that counts padding the file lacks) still holds the whole model.
      if (!ptr || written < expected || signal?.aborted) throw error;
    }
    if (!ptr) {
      if (prefixLength === 0) throw new InvalidModelError(`${source.name} is empty`);
      if (!(await tryProbe(prefixLength))) {
        throw new InvalidModelError(`${source.name} is truncated inside its GGUF header (${prefixLength} bytes; the header needs at least ${needed})`);
      }
    }
    if (written < expected) {
      const message = `${source.name} is truncated: it has ${written} bytes but its header describes ${expected}`;
      throw entry.cached ? new CachedEntryCorrupt(`${message} (read from the offline cache)`, 'too short') : new InvalidModelError(message);
    }
    if (hasher) {
      const actual = hasher.finishHex();
      if (actual !== ctx.sha256) {
        const message = `SHA-256 mismatch for ${source.name}: expected ${ctx.sha256}, got ${actual} ` +
          `(${written} bytes${entry.cached ? ', read from the offline cache' : ''})`;
        throw entry.cached ? new CachedEntryCorrupt(message, 'it failed its SHA-256 check') : new InvalidModelError(message);
      }
    }
    if (writer) {
      const w = writer;
      writer = null;
      await w.finish().catch((error) => ctx.onWarning(error));
    }
    return { ptr, size: written };
  } catch (error) {
    if (writer) writer.abort();
    if (ptr) module._free(ptr);
    if (signal?.aborted) throw abortError(signal.reason);
    throw error;
  } finally {
    hasher?.delete();
  }
}

async function openWriter(url, bytes, etag, onWarning, readBack) {
  try {
    return await createWriter(url, bytes, etag, readBack);
  } catch (error) {
    onWarning(error);
    return null;
  }
}

// Progress over all parts: {phase, loaded, total, bytesPerSecond}, at most every 100 ms.
class ProgressTracker {
  constructor(onProgress, entries) {
    this.onProgress = onProgress ?? (() => {});
    this.entries = entries;
    this.doneBytes = 0;
    this.partBytes = 0;
    this.lastEmit = 0;
    this.phase = 'download';
    this.phaseStart = 0;
    this.phaseBytes = 0;
    this.restarted = undefined;
  }

  total() {
    return this.entries.reduce((sum, e) => sum + (e.source.size ?? 0), 0);
  }

  startPart(index, source) {
    if (source.kind !== this.phase || index === 0) {
      this.phase = source.kind;
      this.phaseStart = performance.now();
      this.phaseBytes = 0;
    }
    this.partBytes = 0;
  }

  advance(n) {
    this.partBytes += n;
    this.phaseBytes += n;
    this.emit(false);
  }

  restart(reason) {
    this.phaseBytes -= this.partBytes;
    this.partBytes = 0;
    this.restarted = reason;
    this.emit(true);
  }

  partDone(size) {
    this.doneBytes += size;
    this.partBytes = 0;
    this.emit(true);
  }

  emit(force) {
    const now = performance.now();
    if (!force && now - this.lastEmit < 100) return;
    this.lastEmit = now;
    const seconds = (now - this.phaseStart) / 1000;
    const event = {
      phase: this.phase,
      loaded: this.doneBytes + this.partBytes,
      total: Math.max(this.total(), this.doneBytes + this.partBytes),
      bytesPerSecond: seconds > 0 ? Math.round(this.phaseBytes / seconds) : 0,
    };
    if (this.restarted) event.restarted = this.restarted;
    this.onProgress(event);
  }
}
