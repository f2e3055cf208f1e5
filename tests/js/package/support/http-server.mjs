// A 127.0.0.1 test server: static directories, in-memory files, Range support, and faults
// on demand (HTTP errors, a dropped connection part-way, no Range support, a file that only
// sends its header). Counts the body bytes it sent per path.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const MIME = {
  '.js': 'text/javascript', '.mjs': 'text/javascript', '.cjs': 'text/javascript', '.wasm': 'application/wasm',
  '.html': 'text/html', '.json': 'application/json', '.gguf': 'application/octet-stream',
};

/**
 * @param {object} o
 * @param {Record<string, string>} [o.dirs] url prefix -> directory
 * @param {Record<string, {data?: Buffer, path?: string, status?: number, dropAtFraction?: number,
 *   noRange?: boolean, sendOnly?: number, claimBytes?: number, stallOnceAt?: number,
 *   closeEarly?: boolean, etag?: string}>} [o.files] url path -> file
 * @param {boolean} [o.isolated] send COOP/COEP (cross-origin isolation)
 */
export async function startServer({ dirs = {}, files = {}, isolated = false } = {}) {
  const sent = new Map();
  const requests = [];
  const dropped = new Set();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push({ method: req.method, path: url.pathname, range: req.headers.range ?? null });
    const headers = { 'cache-control': 'no-store', 'cross-origin-resource-policy': 'same-origin' };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    const count = (n) => sent.set(url.pathname, (sent.get(url.pathname) ?? 0) + n);
    const file = files[url.pathname];
    if (file) {
      if (file.status) {
        res.writeHead(file.status, { ...headers, 'content-type': 'text/plain', ...(file.headers ?? {}) });
        res.end(`error ${file.status}`);
        return;
      }
      const data = file.data;
      const total = file.claimBytes ?? data.length;
      let start = 0;
      const range = !file.noRange && req.headers.range && /bytes=(\d+)-/.exec(req.headers.range);
      if (range) start = Number(range[1]);
      if (start >= total) {
        res.writeHead(416, { ...headers, 'content-range': `bytes */${total}` });
        res.end();
        return;
      }
      const h = { ...headers, 'content-type': 'application/octet-stream', 'accept-ranges': file.noRange ? 'none' : 'bytes', etag: file.etag ?? '"v1"', 'content-length': String(total - start) };
      if (range) h['content-range'] = `bytes ${start}-${total - 1}/${total}`;
      res.writeHead(range ? 206 : 200, h);
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      let end = Math.min(data.length, total);
      if (file.sendOnly !== undefined) end = Math.min(end, file.sendOnly);
      if (file.stallOnceAt !== undefined && !dropped.has(url.pathname) && file.stallOnceAt > start) {
        dropped.add(url.pathname);
        count(file.stallOnceAt - start);
        res.write(data.subarray(start, file.stallOnceAt));
        return;   // then silence: the client's stall timeout must fire and resume
      }
      if (file.closeEarly && end === total && data.length < total) {
        count(data.length - start);
        res.end(data.subarray(start));
        res.socket?.destroy();
        return;   // a Content-Length larger than the body
      }
      const dropAt = file.dropAtFraction !== undefined && !dropped.has(url.pathname)
        ? Math.floor(total * file.dropAtFraction) : null;
      if (dropAt !== null && dropAt > start && dropAt < end) {
        dropped.add(url.pathname);
        res.write(data.subarray(start, dropAt), () => {
          count(dropAt - start);
          setTimeout(() => res.destroy(), 20);
        });
        return;
      }
      count(end - start);
      if (file.sendOnly !== undefined && end < total) {
        res.write(data.subarray(start, end));
        return;   // claims more than it sends and never finishes: the client must give up
      }
      res.end(data.subarray(start, end));
      return;
    }
    for (const [prefix, dir] of Object.entries(dirs)) {
      if (!url.pathname.startsWith(prefix)) continue;
      const path = normalize(join(dir, decodeURIComponent(url.pathname.slice(prefix.length))));
      if (!path.startsWith(normalize(dir))) break;
      try {
        const st = await stat(path);
        if (!st.isFile()) break;
        res.writeHead(200, { ...headers, 'content-type': MIME[extname(path)] ?? 'application/octet-stream', 'content-length': st.size });
        count(st.size);
        createReadStream(path).pipe(res);
        return;
      } catch {
        break;
      }
    }
    res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    requests,
    files,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(resolve);
    }),
  };
}
