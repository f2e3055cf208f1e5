// Streams model files straight into wasm linear memory. For each file: collect the first
// chunks until the incremental GGUF reader has the whole header (header-probe.js), check that
// the model will fit before the weights are downloaded (model-check.js), allocate the file's
// size once and copy every chunk into place (part-writer.js), hashing it there when the caller
// gave a SHA-256 (hashing.js) and handing it to the offline cache (cache-writer.js), with
// progress over all files (progress.js). A cached copy that fails the caller's SHA-256, or is
// shorter than its recorded size, is deleted and downloaded again.
import { InvalidModelError, abortError } from '../errors.js';
import { cache as modelCache } from '../cache/index.js';
import { CachedEntryCorrupt } from '../cache/entry-corrupt.js';
import { HeaderProbe, checkPartHeader, partExtent } from './header-probe.js';
import { PartWriter } from './part-writer.js';
import { PartHasher, expectedDigests } from './hashing.js';
import { PartCacheWriter } from './cache-writer.js';
import { ProgressTracker } from './progress.js';
import { checkModel } from './model-check.js';

export { expectedDigests };

/** @typedef {import('../wasm-module-types.js').SmolLMModule} SmolLMModule */
/** @typedef {import('./header-probe.js').ProbedHeader} ProbedHeader */
/** @typedef {import('../wasm-module-types.js').GgufHeader} GgufHeader */
/** @typedef {import('../wasm-module-types.js').FilePart} FilePart */
/** @typedef {import('./source-types.js').SourceEntry} SourceEntry */
/** @typedef {import('../types.js').LoadProgress} LoadProgress */
/** @typedef {import('../errors.js').SmolLMError} SmolLMError */

/**
 * What one part's load needs besides its entry.
 * @typedef {object} PartContext
 * @property {number} index the part's position, from 0
 * @property {number} partCount
 * @property {string | null} sha256 the caller's digest of this part, if any
 * @property {number} contextSize
 * @property {{ key: string, value: string }} kvTypes the KV cache's key and value types
 * @property {number} otherBytes the other parts' sizes where known (the first part's probe
 *   plans the default context beside them)
 * @property {ProgressTracker} progress
 * @property {AbortSignal | undefined} signal
 * @property {(warning: SmolLMError) => void} onWarning
 * @property {((probe: ProbedHeader, bytes: number) => void) | null} checkModel judges the
 *   whole model from this part's header, before anything is allocated for it (the first part)
 */

/**
 * Loads every part into wasm memory. On failure every buffer allocated here is freed again.
 * @param {SmolLMModule} module the Emscripten module
 * @param {SourceEntry[]} entries from resolveSources
 * @param {{contextSize?: number, kvTypes?: { key: string, value: string }, sha256?: string | readonly string[] | null}} options
 * @param {((progress: LoadProgress) => void) | undefined} onProgress
 * @param {AbortSignal | undefined} signal
 * @param {(warning: SmolLMError) => void} onWarning non-fatal problems (cache quota)
 * @returns {Promise<{parts: FilePart[], header: GgufHeader, contextSize: number, contextReason: string, kvCacheBytes: number}>} the
 *   buffers, the first part's header, and the context its memory plan is for (the caller's, or
 *   the default) with the reason
 */
export async function loadIntoMemory(module, entries, options, onProgress, signal, onWarning) {
  /** @type {FilePart[]} */
  const parts = [];
  const digests = expectedDigests(options.sha256, entries.length);
  const contextSize = options.contextSize ?? 0;
  // Sizes of every part up front (a HEAD request for remote parts after the first, whose GET
  // answers it anyway), so the memory check covers the whole model before any weight arrives.
  const sizes = await Promise.all(entries.map((e, i) =>
    (i === 0 && e.source.kind === 'download' ? null : e.source.probeSize(signal))));
  entries.forEach((e, i) => { if (e.source.size === null && sizes[i] !== null) e.source.size = sizes[i]; });
  const progress = new ProgressTracker(onProgress, entries);
  /** @type {ProbedHeader | null} */
  let first = null;
  try {
    for (let i = 0; i < entries.length; ++i) {
      const entry = entries[i];
      /** @type {PartContext} */
      const ctx = {
        index: i,
        partCount: entries.length,
        sha256: digests[i],
        contextSize,
        kvTypes: options.kvTypes ?? { key: 'f16', value: 'f16' },
        otherBytes: i > 0 ? 0 : sizes.slice(1).reduce((/** @type {number} */ a, b) => a + (b ?? 0), 0),
        progress,
        signal,
        onWarning,
        checkModel: i > 0 ? null : (probe, bytes) => checkModel(module, probe, bytes, {
          partCount: entries.length, name: entry.source.name, laterPartSizes: sizes.slice(1),
        }),
      };
      let loaded;
      try {
        loaded = await loadPart(module, entry, ctx);
      } catch (error) {
        if (!(error instanceof CachedEntryCorrupt) || entry.url === null || !entry.refetch) throw error;
        // The stored copy is not the file it claims to be (its length, or the caller's
        // digest): it is never used, and the network gets one chance to deliver the bytes.
        await modelCache.delete(entry.url).catch(() => {});
        onWarning(new InvalidModelError(`${error.message}: the cached copy was deleted and is downloaded again`));
        entry.source = entry.refetch();
        entry.cached = false;
        progress.restart(`the cached copy was damaged (${error.why}), so it was deleted and the model is downloaded again`);
        // The model was checked (and memory reserved for it) on the first try; the download
        // must match the caller's digest, so it is that same file and needs no second check.
        loaded = await loadPart(module, entry, { ...ctx, checkModel: null });
      }
      parts.push(loaded.part);
      if (i === 0) first = loaded.probe;
      progress.partDone(loaded.part.size);
    }
  } catch (error) {
    for (const p of parts) module._free(p.ptr);
    if (signal?.aborted) throw abortError(signal.reason);
    throw error;
  }
  if (first === null) throw new InvalidModelError('no model file was loaded');
  const plan = first.plan;
  return {
    parts,
    header: first.header,
    contextSize: plan?.contextSize ?? contextSize,
    contextReason: plan?.contextReason ?? (contextSize ? 'requested (contextSize)' : ''),
    kvCacheBytes: plan?.kvCacheBytes ?? 0,
  };
}

/**
 * Streams one file into a wasm buffer of its own. The buffer is the caller's once this
 * resolves; on failure nothing of it is left (buffer freed, cache entry not written).
 * @param {SmolLMModule} module
 * @param {SourceEntry} entry
 * @param {PartContext} ctx
 * @returns {Promise<{part: FilePart, probe: ProbedHeader}>}
 */
async function loadPart(module, entry, ctx) {
  const { source } = entry;
  const { signal, progress } = ctx;
  progress.startPart(ctx.index, source.kind);
  const probe = new HeaderProbe(module, source.name, ctx.contextSize,
    { keyType: ctx.kvTypes.key, valueType: ctx.kvTypes.value, otherBytes: ctx.otherBytes });
  const cache = new PartCacheWriter(entry.url !== null && entry.cache && !entry.cached ? entry.url : null, ctx.onWarning);
  /** @type {{header: ProbedHeader, writer: PartWriter} | null} the file, once its header is complete */
  let file = null;
  // Created last before the try whose finally deletes it, so nothing in between can leak it.
  const hasher = ctx.sha256 ? new PartHasher(module, ctx.sha256) : null;
  try {
    try {
      for await (const item of source.chunks(signal)) {
        if ('restart' in item) {
          if (file) {
            file.writer.rewind();
            hasher?.reset();
            await cache.restart(source.etag);
          } else {
            probe.reset();
          }
          progress.restart(item.restart);
          continue;
        }
        const { bytes } = item;
        if (file) {
          await place(file.writer, hasher, cache, bytes);
          progress.advance(bytes.byteLength);
        } else {
          probe.add(bytes, source.chunksAreFresh, source.size);
          progress.advance(bytes.byteLength);
          const header = probe.due ? probe.parse(source.size) : null;
          if (header) {
            file = { header, writer: allocatePart(module, entry, header, ctx) };
            await moveIn(file.writer, probe, source.etag, hasher, cache);
          }
        }
        if (file?.writer.full) break;
      }
    } catch (error) {
      // The padding after the last tensor is optional: a source that fails there (a
      // Content-Length that counts padding the file lacks) still holds the whole model.
      if (!file || file.writer.short || signal?.aborted) throw error;
    }
    if (!file) {
      if (probe.length === 0) throw new InvalidModelError(`${source.name} is empty`);
      const header = probe.parse(probe.length);
      if (!header) {
        throw new InvalidModelError(`${source.name} is truncated inside its GGUF header (${probe.length} bytes; the header needs at least ${probe.needed})`);
      }
      file = { header, writer: allocatePart(module, entry, header, ctx) };
      await moveIn(file.writer, probe, source.etag, hasher, cache);
    }
    const { writer } = file;
    if (writer.short) {
      const message = `${source.name} is truncated: it has ${writer.written} bytes but its header describes ${writer.expected}`;
      throw entry.cached ? new CachedEntryCorrupt(`${message} (read from the offline cache)`, 'too short') : new InvalidModelError(message);
    }
    hasher?.verify(source.name, writer.written, entry.cached);
    await cache.finish();
    return { part: writer.done(), probe: file.header };
  } catch (error) {
    cache.abort();
    file?.writer.free();
    if (signal?.aborted) throw abortError(signal.reason);
    throw error;
  } finally {
    hasher?.delete();
  }
}

/**
 * The header is complete: checks what it describes (and, for the first part, the whole
 * model), then allocates the file's buffer. Nothing is allocated when a check fails.
 * @param {SmolLMModule} module
 * @param {SourceEntry} entry
 * @param {ProbedHeader} probe
 * @param {PartContext} ctx
 */
function allocatePart(module, { source }, probe, ctx) {
  const { header } = probe;
  const extent = partExtent(header, source.name, source.size);
  checkPartHeader(header, extent.wanted, source.name, ctx.index, ctx.partCount);
  ctx.checkModel?.(probe, extent.wanted);
  return new PartWriter(module, extent, source.name);
}

/**
 * Moves the header probe's prefix into the file's buffer and opens the cache writer.
 * @param {PartWriter} writer
 * @param {HeaderProbe} probe
 * @param {string | null} etag
 * @param {PartHasher | null} hasher
 * @param {PartCacheWriter} cache
 */
async function moveIn(writer, probe, etag, hasher, cache) {
  await cache.open(writer.size, etag, writer.readBack);
  for (const chunk of probe.take()) await place(writer, hasher, cache, chunk);
}

/**
 * Puts bytes at the end of what the buffer holds, hashes them where they landed, and hands
 * them to the cache writer.
 * @param {PartWriter} writer
 * @param {PartHasher | null} hasher
 * @param {PartCacheWriter} cache
 * @param {Uint8Array} bytes
 */
async function place(writer, hasher, cache, bytes) {
  const at = writer.ptr + writer.written;
  const landed = writer.write(bytes);
  hasher?.update(at, landed.byteLength);
  await cache.write(landed);
}
