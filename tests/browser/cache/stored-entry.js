// Page side, for the browser cache suites: what the package's offline cache holds for a URL,
// and a way to damage it, in whichever store the package uses in this browser (the same
// feature detection as js/src/cache/index.js): Cache Storage where OPFS exists, else the
// IndexedDB chunk store (WebKitGTK). Served to the page as a module.
const CACHE_NAME = 'smollm-wasm-models-v1';   // js/src/cache/browser-cache.js
const DB_NAME = 'smollm-wasm-models';         // js/src/cache/idb-chunk-store.js

const usesIdb = () => typeof navigator.storage?.getDirectory !== 'function' && typeof indexedDB === 'object';

const done = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

// The package's database, opened without a version so a missing one is never created here.
async function idbRecord(url) {
  const { lookup } = await import('/js/src/cache/idb-chunk-store.js');
  await lookup('about:blank');   // creates the schema if this origin has none yet
  const db = await done(indexedDB.open(DB_NAME));
  const record = await done(db.transaction('entries').objectStore('entries').get(url));
  return { db, record };
}

/** {bytes: Uint8Array, recordedBytes} of the entry for `url` as stored (not verified), or null. */
export async function storedEntry(url) {
  if (!usesIdb()) {
    const response = await (await caches.open(CACHE_NAME)).match(url);
    if (!response) return null;
    return { bytes: new Uint8Array(await response.arrayBuffer()), recordedBytes: Number(response.headers.get('x-smollm-size')) };
  }
  const { db, record } = await idbRecord(url);
  try {
    if (!record) return null;
    const store = db.transaction('chunks').objectStore('chunks');
    const chunks = await done(store.getAll(IDBKeyRange.bound([record.writer, 0], [record.writer, Infinity])));
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) { bytes.set(new Uint8Array(c), at); at += c.byteLength; }
    return { bytes, recordedBytes: record.bytes };
  } finally {
    db.close();
  }
}

/** Replaces the stored bytes of `url` by `bytes`, keeping what the entry records (its size). */
export async function replaceStoredBytes(url, bytes) {
  if (!usesIdb()) {
    const store = await caches.open(CACHE_NAME);
    const old = await store.match(url);
    await store.put(url, new Response(bytes, { headers: old.headers }));
    return;
  }
  const { db, record } = await idbRecord(url);
  try {
    const tx = db.transaction('chunks', 'readwrite');
    const store = tx.objectStore('chunks');
    store.delete(IDBKeyRange.bound([record.writer, 0], [record.writer, Infinity]));
    for (let i = 0; i * record.chunkBytes < bytes.length; ++i) {
      store.put(bytes.slice(i * record.chunkBytes, (i + 1) * record.chunkBytes).buffer, [record.writer, i]);
    }
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  } finally {
    db.close();
  }
}
