// Static file server for the browser benchmark. It binds 127.0.0.1 only and sends COOP/COEP
// (plus CORP) on every response so pages are crossOriginIsolated: both wasm engines can then
// use SharedArrayBuffer and run multi-threaded. Range requests are honoured because loaders
// resume or probe with them, and the byte counters let the harness check that a load really
// went over the network.
import { createServer } from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gguf': 'application/octet-stream',
  '.map': 'application/json; charset=utf-8',
};

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Every run must fetch the model over the network, never from the HTTP cache.
  'Cache-Control': 'no-store',
};

// mounts: { '/url/prefix/': '/abs/dir' }. Only files under a mount are served.
export async function startServer(mounts) {
  const table = Object.entries(mounts).map(([prefix, dir]) => [prefix, path.resolve(dir)]);
  const stats = { bytesSent: 0, requests: 0 };

  const server = createServer(async (req, res) => {
    stats.requests++;
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      const file = resolveFile(table, decodeURIComponent(url.pathname));
      if (!file) return send(res, 404, 'not found');
      let st;
      try {
        st = await fs.stat(file);
      } catch {
        return send(res, 404, 'not found');
      }
      if (!st.isFile()) return send(res, 404, 'not a file');
      const headers = {
        ...ISOLATION_HEADERS,
        'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'Accept-Ranges': 'bytes',
        ETag: `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`,
      };
      let start = 0;
      let end = st.size - 1;
      let status = 200;
      const range = req.headers.range;
      if (range) {
        const m = /^bytes=(\d*)-(\d*)$/.exec(range);
        if (!m || (m[1] === '' && m[2] === '')) return send(res, 416, 'bad range', headers);
        if (m[1] === '') {
          start = Math.max(0, st.size - Number(m[2]));
        } else {
          start = Number(m[1]);
          if (m[2] !== '') end = Math.min(end, Number(m[2]));
        }
        if (start > end || start >= st.size) {
          return send(res, 416, 'range not satisfiable', { ...headers, 'Content-Range': `bytes */${st.size}` });
        }
        status = 206;
        headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
      }
      headers['Content-Length'] = String(end - start + 1);
      res.writeHead(status, headers);
      if (req.method === 'HEAD') return res.end();
      const stream = createReadStream(file, { start, end, highWaterMark: 1 << 20 });
      stream.on('data', (chunk) => { stats.bytesSent += chunk.length; });
      stream.on('error', () => res.destroy());
      res.on('close', () => stream.destroy());
      stream.pipe(res);
    } catch (err) {
      send(res, 500, String(err));
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    stats,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function resolveFile(table, pathname) {
  for (const [prefix, dir] of table) {
    if (!pathname.startsWith(prefix)) continue;
    const full = path.resolve(dir, '.' + pathname.slice(prefix.length - 1));
    if (full === dir || full.startsWith(dir + path.sep)) return full;
  }
  return null;
}

function send(res, status, text, headers = ISOLATION_HEADERS) {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
