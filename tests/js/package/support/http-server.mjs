// A 127.0.0.1 test server of in-memory files with Range support and faults on demand (HTTP
// errors, a dropped connection part-way, no Range support, a file that only sends its header).
// Counts the body bytes it sent per path. Not a static file server (that is
// tests/support/static-server.mjs): every answer here is shaped by hand, on purpose.
import { createServer } from 'node:http';

/**
 * @param {object} o
 * @param {Record<string, {data?: Buffer, status?: number, headers?: Record<string, string>,
 *   dropAtFraction?: number, noRange?: boolean, sendOnly?: number, claimBytes?: number,
 *   stallOnceAt?: number, closeEarly?: boolean, etag?: string}>} [o.files] url path -> file
 */
export async function startServer({ files = {} } = {}) {
  const sent = new Map();
  const requests = [];
  const dropped = new Set();
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push({ method: req.method, path: url.pathname, range: req.headers.range ?? null });
    const headers = { 'cache-control': 'no-store' };
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
