// Offline cache in Node: a directory ($SMOLLM_WASM_CACHE, else ~/.cache/smollm-wasm) with
// <sha256(url)>.gguf and a .json record beside it. Downloads go to a .partial file that is
// renamed only after the last byte, so an interrupted download never looks complete.
import { QuotaError } from '../errors.js';
import { NodeFileSource } from '../loader/local-sources.js';

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

async function pathsFor(url) {
  const { path, crypto } = await deps();
  const dir = await cacheDir();
  const key = crypto.createHash('sha256').update(String(url)).digest('hex').slice(0, 32);
  const base = path.join(dir, key);
  return { dir, data: `${base}.gguf`, partial: `${base}.partial`, record: `${base}.json` };
}

async function readRecord(file) {
  const { fs } = await deps();
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

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
  const source = new NodeFileSource(p.data, 'cache');
  source.name = String(url);
  source.size = record.bytes;
  source.etag = record.etag;
  source.entry = record;
  return source;
}

export async function createWriter(url, bytes, etag) {
  const { fs } = await deps();
  const p = await pathsFor(url);
  await fs.mkdir(p.dir, { recursive: true });
  // One partial file per writer: an aborted writer's cleanup must not touch its successor's.
  p.partial = `${p.partial}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const handle = await fs.open(p.partial, 'w');
  let pending = Promise.resolve();
  let written = 0;
  let failed = null;
  return {
    write(chunk) {
      const copy = chunk.slice();
      pending = pending.then(async () => {
        if (failed) return;
        try {
          await handle.write(copy, 0, copy.byteLength, written);
          written += copy.byteLength;
        } catch (error) {
          failed = error;
        }
      });
    },
    async finish() {
      await pending;
      await handle.sync().catch(() => {});
      await handle.close();
      if (failed || written !== bytes) {
        await fs.rm(p.partial, { force: true });
        if (failed?.code === 'ENOSPC') throw new QuotaError(`no space left in ${p.dir} to cache ${url}`);
        throw failed ?? new Error(`cache write of ${url} ended at ${written} of ${bytes} bytes`);
      }
      await fs.rename(p.partial, p.data);
      await fs.writeFile(p.record, JSON.stringify({ url: String(url), bytes, etag, storedAt: Date.now() }));
    },
    abort() {
      pending.then(() => handle.close()).then(() => fs.rm(p.partial, { force: true })).catch(() => {});
    },
  };
}

export async function list() {
  const { fs, path } = await deps();
  const dir = await cacheDir();
  let names = [];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const out = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const record = await readRecord(path.join(dir, name));
    if (record && await lookup(record.url)) out.push(record);
  }
  return out;
}

export async function has(url) {
  return (await lookup(url)) !== null;
}

export async function deleteEntry(url) {
  const { fs } = await deps();
  const p = await pathsFor(url);
  const existed = (await readRecord(p.record)) !== null;
  await Promise.all([p.data, p.partial, p.record].map((f) => fs.rm(f, { force: true })));
  return existed;
}

export async function clear() {
  for (const entry of await list()) await deleteEntry(entry.url);
}

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
