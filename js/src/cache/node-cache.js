// Offline cache in Node: a directory ($SMOLLM_WASM_CACHE, else ~/.cache/smollm-wasm) with
// <sha256(url)>.gguf and a .json record beside it. A download goes to its own temporary file
// (<key>.partial.<pid>.<random>), written chunk by chunk as the loader awaits each write (no
// chunk is queued or copied), and is renamed into place only after the last byte; the record
// is written the same way (temporary file, then rename), so a reader never sees half of
// either. A writer that dies (a killed process, a crash) leaves its temporary file behind:
// every new writer, list() and clear() sweep those whose process is gone or that have not
// been written to for an hour.
import { QuotaError } from '../errors.js';
import { NodeFileSource } from '../loader/local-sources.js';

/** @typedef {import('./index.js').CacheEntry} CacheEntry */
/** @typedef {import('./index.js').CacheWriter} CacheWriter */
/** @typedef {import('./index.js').StorageUse} StorageUse */

async function deps() {
  const [fs, path, os, crypto] = await Promise.all([
    import('node:fs/promises'), import('node:path'), import('node:os'), import('node:crypto'),
  ]);
  return { fs, path, os, crypto };
}

async function cacheDir() {
  const { path, os } = await deps();
  return process.env.SMOLLM_WASM_CACHE || path.join(os.homedir(), '.cache', 'smollm-wasm');
}

/** @param {string} url */
async function pathsFor(url) {
  const { path, crypto } = await deps();
  const dir = await cacheDir();
  const key = crypto.createHash('sha256').update(String(url)).digest('hex').slice(0, 32);
  const base = path.join(dir, key);
  return { dir, data: `${base}.gguf`, partial: `${base}.partial`, record: `${base}.json` };
}

// <key>.partial.<pid>.<random> (a download) or <key>.json.<pid>.<random> (a record being
// written).
const TEMPORARY = /^[0-9a-f]{32}\.(?:partial|json)\.(\d+)\.[0-9a-z]+$/;
const STALE_AFTER_MS = 60 * 60 * 1000;

/** @param {number} pid */
function processAlive(pid) {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';   // alive, someone else's
  }
}

// Removes the temporary files of writers that can no longer finish them: their process has
// ended, or nothing was written for an hour (a live download writes every few seconds, and
// gives up after its stall timeout). Never touches a live writer's file.
// {dir, names}: the cache directory and what it holds (nothing when it does not exist yet).
async function cacheContents() {
  const { fs } = await deps();
  const dir = await cacheDir();
  try {
    return { dir, names: await fs.readdir(dir) };
  } catch {
    return { dir, names: [] };
  }
}

export async function sweepStalePartials() {
  const { fs, path } = await deps();
  const { dir, names } = await cacheContents();
  let removed = 0;
  for (const name of names) {
    const match = TEMPORARY.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    try {
      const idle = Date.now() - (await fs.stat(file)).mtimeMs;
      if (processAlive(Number(match[1])) && idle < STALE_AFTER_MS) continue;
      await fs.rm(file, { force: true });
      ++removed;
    } catch {
      // gone already (its writer finished or another sweep got there first)
    }
  }
  return removed;
}

/** @param {string} base */
function temporaryName(base) {
  return `${base}.${process.pid}.${Math.random().toString(36).slice(2)}`;
}

/**
 * A cache record ({url, bytes, etag, storedAt}), or null when there is none or it is not JSON.
 * @param {string} file
 * @returns {Promise<CacheEntry | null>}
 */
async function readRecord(file) {
  const { fs } = await deps();
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

// A stored file, read as the cached copy of `url`.
class CachedFileSource extends NodeFileSource {
  /**
   * @param {string} path
   * @param {CacheEntry} record
   */
  constructor(path, record) {
    super(path, 'cache');
    this.name = record.url;
    this.size = record.bytes;
    this.etag = record.etag;
    this.entry = record;
  }
}

/**
 * @param {string} url
 * @returns {Promise<CachedFileSource | null>}
 */
export async function lookup(url) {
  const { fs } = await deps();
  const p = await pathsFor(url);
  const record = await readRecord(p.record);
  if (!record || record.url !== String(url)) return null;
  try {
    const st = await fs.stat(p.data);
    if (st.size !== record.bytes) {
      await deleteEntry(url);
      return null;
    }
  } catch {
    return null;
  }
  return new CachedFileSource(p.data, record);
}

/**
 * @param {string} url
 * @param {number} bytes
 * @param {string | null} etag
 * @returns {Promise<CacheWriter>}
 */
export async function createWriter(url, bytes, etag) {
  const { fs } = await deps();
  const p = await pathsFor(url);
  await fs.mkdir(p.dir, { recursive: true });
  await sweepStalePartials();
  // One temporary file per writer: an aborted writer's cleanup must not touch its successor's.
  const partial = temporaryName(p.partial);
  const handle = await fs.open(partial, 'w');
  let written = 0;
  /** @type {NodeJS.ErrnoException | null} */
  let failed = null;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => {});
  };
  return {
    // Awaited before the loader reads on, so the chunk's buffer stays valid until written.
    /** @param {Uint8Array} chunk */
    async write(chunk) {
      if (failed) return;
      try {
        await handle.write(chunk, 0, chunk.byteLength, written);
        written += chunk.byteLength;
      } catch (error) {
        failed = /** @type {NodeJS.ErrnoException} */ (error);
      }
    },
    async finish() {
      try {
        if (!failed) await handle.sync().catch(() => {});
        await close();
        if (failed || written !== bytes) {
          if (failed?.code === 'ENOSPC') throw new QuotaError(`no space left in ${p.dir} to cache ${url}`);
          throw failed ?? new Error(`cache write of ${url} ended at ${written} of ${bytes} bytes`);
        }
        await fs.rename(partial, p.data);
        const record = temporaryName(p.record);
        await fs.writeFile(record, JSON.stringify({ url: String(url), bytes, etag, storedAt: Date.now() }));
        await fs.rename(record, p.record);
      } finally {
        await fs.rm(partial, { force: true }).catch(() => {});
      }
    },
    async abort() {
      failed ??= new Error('download incomplete');
      await close();
      await fs.rm(partial, { force: true }).catch(() => {});
    },
  };
}

/** @returns {Promise<CacheEntry[]>} */
export async function list() {
  const { path } = await deps();
  const { dir, names } = await cacheContents();
  await sweepStalePartials();
  const out = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const record = await readRecord(path.join(dir, name));
    if (record && await lookup(record.url)) out.push(record);
  }
  return out;
}

/** @param {string} url */
export async function has(url) {
  return (await lookup(url)) !== null;
}

/** @param {string} url */
export async function deleteEntry(url) {
  const { fs } = await deps();
  const p = await pathsFor(url);
  const existed = (await readRecord(p.record)) !== null;
  // The record first: without it the data file is never used.
  await fs.rm(p.record, { force: true });
  await fs.rm(p.data, { force: true });
  return existed;
}

export async function clear() {
  for (const entry of await list()) await deleteEntry(entry.url);
  await sweepStalePartials();
}

/** @returns {Promise<StorageUse>} */
export async function storage() {
  const { fs } = await deps();
  const entries = await list();
  const usedBytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  let quotaBytes = null;
  try {
    const st = await fs.statfs(await cacheDir());
    quotaBytes = usedBytes + st.bavail * st.bsize;
  } catch {
    quotaBytes = null;
  }
  return { usedBytes, quotaBytes };
}
