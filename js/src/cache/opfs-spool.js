// A download's bytes spooled to a file of the origin private file system (OPFS) through a
// sync access handle, as they land in wasm memory, so that the Cache Storage entry can then
// be put from a File: the browser copies that file into its cache itself, and the tab never
// holds a byte of it. Sync access handles exist only in dedicated workers (where the package
// runs its engine); elsewhere open() answers null and the caller streams the put instead.
//
// Every spool file is named <time>-<random>.partial in one folder. A tab that dies mid-
// download leaves its file behind: open() removes those not written to for an hour (a live
// download writes every few seconds and gives up after its stall timeout); a file another
// tab still has open is locked, and its removal fails harmlessly.
const FOLDER = 'smollm-wasm-spool';
const STALE_AFTER_MS = 60 * 60 * 1000;

// What this file uses of the OPFS API that TypeScript's DOM library leaves out: sync access
// handles exist in dedicated workers only (lib.webworker), and a folder's entries() is in
// lib.dom.asynciterable.
/**
 * @typedef {object} SyncAccessHandle
 * @property {(buffer: Uint8Array, options?: {at?: number}) => number} write
 * @property {() => void} flush
 * @property {() => void} close
 */
/** @typedef {FileSystemFileHandle & {createSyncAccessHandle(): Promise<SyncAccessHandle>}} SpoolFileHandle */
/** @typedef {FileSystemDirectoryHandle & {entries(): AsyncIterable<[string, FileSystemFileHandle | FileSystemDirectoryHandle]>}} SpoolFolder */

/**
 * A spool file: write(chunk) appends synchronously, whole or it throws (QuotaExceededError
 * when the disk or quota is full); file() flushes, closes and returns the File; remove()
 * deletes it.
 * @typedef {object} Spool
 * @property {number} written
 * @property {(chunk: Uint8Array) => void} write
 * @property {() => Promise<File>} file
 * @property {() => Promise<void>} remove
 */

export const spoolAvailable = () =>
  // Read off globalThis: the DOM library does not declare the worker-only class.
  typeof Reflect.get(globalThis, 'FileSystemSyncAccessHandle') === 'function' &&
  typeof navigator === 'object' && typeof navigator.storage?.getDirectory === 'function';

/** @returns {Promise<SpoolFolder>} */
async function folder() {
  const root = await navigator.storage.getDirectory();
  return /** @type {SpoolFolder} */ (await root.getDirectoryHandle(FOLDER, { create: true }));
}

/** @param {SpoolFolder} dir */
export async function sweepStaleSpools(dir) {
  let removed = 0;
  for await (const [name, handle] of dir.entries()) {
    if (handle.kind !== 'file' || !name.endsWith('.partial')) continue;
    try {
      const file = await handle.getFile();
      if (Date.now() - file.lastModified < STALE_AFTER_MS) continue;
      await dir.removeEntry(name);
      ++removed;
    } catch {
      // in use by a live writer (locked), or removed by another sweep
    }
  }
  return removed;
}

/**
 * A spool file, or null where sync access handles are not available. Always call remove(),
 * after the put or on failure.
 * @returns {Promise<Spool | null>}
 */
export async function openSpool() {
  if (!spoolAvailable()) return null;
  /** @type {SpoolFolder | undefined} */
  let dir;
  /** @type {SpoolFileHandle | undefined} */
  let fileHandle;
  /** @type {SyncAccessHandle} */
  let access;
  const name = `${Date.now()}-${Math.random().toString(36).slice(2)}.partial`;
  try {
    dir = await folder();
    await sweepStaleSpools(dir);
    fileHandle = /** @type {SpoolFileHandle} */ (await dir.getFileHandle(name, { create: true }));
    access = await fileHandle.createSyncAccessHandle();
  } catch {
    if (dir && fileHandle) await dir.removeEntry(name).catch(() => {});
    return null;
  }
  let written = 0;
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    access.close();
  };
  return {
    get written() { return written; },
    // Writes the whole chunk or throws (a QuotaExceededError when the disk or quota is full).
    /** @param {Uint8Array} chunk */
    write(chunk) {
      const n = access.write(chunk, { at: written });
      written += n;
      if (n !== chunk.byteLength) {
        throw new DOMException(`the spool file took ${n} of ${chunk.byteLength} bytes`, 'QuotaExceededError');
      }
    },
    async file() {
      access.flush();
      close();
      return fileHandle.getFile();
    },
    async remove() {
      try { close(); } catch { /* already closed */ }
      await dir.removeEntry(name).catch(() => {});
    },
  };
}
