// A 127.0.0.1 HTTP server that misbehaves on purpose, written on raw sockets so every fault
// is exact: drop the connection after N bytes, lie about or omit Content-Length, ignore
// Range, answer an error status (with Retry-After), or stall mid-body. Each request is
// answered by the next fault in a per-path script, then normally; every request is logged.
import http from 'node:http';
import net from 'node:net';

// Fault kinds (one per request):
//   {drop: bytes}            send headers for the full answer, then `bytes` of body, then close
//                            (after `pauseMs` when given: a browser fails a request whose
//                            connection drops before it handed over the response, so its page
//                            only sees a mid-body drop if the bytes had time to arrive)
//   {reset: bytes}           the same, then a TCP reset (the client may lose data in flight)
//   {status, retryAfter?}    an error answer with a short body
//   {stall: bytes}           send `bytes` of body, then nothing (socket left open)
//   {silent: true}           read the request, answer nothing at all (socket left open)
//   {lengthDelta: n}         Content-Length off by n (+n: claims more than is sent)
//   {noLength: true}         no Content-Length, the body ends when the connection closes
//   {noRange: true}          ignore Range: always 200 with the whole file
//   {throttle: bytesPerTick} send slowly (for aborts during download)
// `fallback`, a node:http request listener, answers paths no file covers: the browser suites
// serve their page and the package (tests/support/static-server.mjs) from the same origin as
// the misbehaving model. It gets the connection with the request's bytes put back, and closes
// it after its answer, so the next request (perhaps for a faulty file) comes here again.
export class FaultServer {
  constructor({ fallback = null } = {}) {
    this.fallback = fallback && http.createServer((req, res) => {
      res.setHeader('connection', 'close');
      fallback(req, res);
    });
    this.files = new Map();      // path -> {bytes, script: [fault...], always: fault|null, etag}
    this.requests = [];          // {path, method, range, status, sent}; status 0: the fallback's
    this.sockets = new Set();
    this.server = net.createServer((socket) => this.#onConnection(socket));
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  async stop() {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // Serves `bytes` at `path` (a fresh URL per test keeps cache entries apart).
  serve(path, bytes, { script = [], always = null, etag = null } = {}) {
    this.files.set(path, { bytes, script: [...script], always, etag });
    return `${this.origin}${path}`;
  }

  requestsFor(path) {
    return this.requests.filter((r) => r.path === path && r.method === 'GET');
  }

  #onConnection(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    const onData = (data) => {
      buffered += data.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      this.#answer(socket, buffered.slice(0, end), buffered);
    };
    socket.on('data', onData);
  }

  #answer(socket, head, received) {
    const [requestLine, ...headerLines] = head.split('\r\n');
    const [method, path] = requestLine.split(' ');
    const headers = {};
    for (const line of headerLines) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const log = { path, method, range: headers.range ?? null, status: 0, sent: 0, at: Date.now() };
    this.requests.push(log);
    const file = this.files.get(path);
    if (!file) {
      if (!this.fallback) return this.#simple(socket, log, 404, 'Not Found');
      socket.unshift(Buffer.from(received, 'latin1'));
      this.fallback.emit('connection', socket);
      return;
    }
    const fault = method === 'GET' ? (file.script.shift() ?? file.always ?? {}) : (file.always ?? {});
    if (fault.silent) return;   // left open: the client's stall timer must fire before any header
    if (fault.status) {
      const extra = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
      return this.#simple(socket, log, fault.status, 'injected fault', extra);
    }
    const size = file.bytes.length;
    let start = 0;
    let status = 200;
    const m = /^bytes=(\d+)-(\d*)$/.exec(headers.range ?? '');
    if (m && !fault.noRange) {
      start = Number(m[1]);
      if (start >= size) {
        return this.#simple(socket, log, 416, 'Range Not Satisfiable', { 'Content-Range': `bytes */${size}` });
      }
      status = 206;
    }
    const body = file.bytes.subarray(start);
    const lines = [`HTTP/1.1 ${status} ${status === 206 ? 'Partial Content' : 'OK'}`,
      'Content-Type: application/octet-stream', 'Connection: close'];
    if (!fault.noRange) lines.push('Accept-Ranges: bytes');
    if (file.etag) lines.push(`ETag: ${file.etag}`);
    if (status === 206) lines.push(`Content-Range: bytes ${start}-${size - 1}/${size}`);
    if (!fault.noLength) lines.push(`Content-Length: ${body.length + (fault.lengthDelta ?? 0)}`);
    log.status = status;
    socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    if (method === 'HEAD') return socket.end();
    if (fault.drop !== undefined) {
      log.sent = Math.min(fault.drop, body.length);
      if (fault.pauseMs) {
        socket.write(body.subarray(0, log.sent));
        setTimeout(() => socket.end(), fault.pauseMs);
      } else {
        socket.end(body.subarray(0, log.sent));
      }
      return;
    }
    if (fault.reset !== undefined) {
      log.sent = Math.min(fault.reset, body.length);
      socket.write(body.subarray(0, log.sent), () => socket.resetAndDestroy());
      return;
    }
    if (fault.stall !== undefined) {
      log.sent = Math.min(fault.stall, body.length);
      socket.write(body.subarray(0, log.sent));
      return;   // left open: the client's stall timer must fire
    }
    if (fault.throttle) return this.#throttled(socket, log, body, fault.throttle);
    let sendable = body;
    if ((fault.lengthDelta ?? 0) < 0) sendable = body.subarray(0, body.length + fault.lengthDelta);
    log.sent = sendable.length;
    socket.end(sendable);
  }

  #throttled(socket, log, body, perTick) {
    let at = 0;
    const tick = () => {
      if (socket.destroyed) return;
      if (at >= body.length) return socket.end();
      const n = Math.min(perTick, body.length - at);
      socket.write(body.subarray(at, at + n));
      at += n;
      log.sent = at;
      setTimeout(tick, 5);
    };
    tick();
  }

  #simple(socket, log, status, text, extra = {}) {
    log.status = status;
    const body = Buffer.from(`${status} ${text}\n`);
    const lines = [`HTTP/1.1 ${status} ${text}`, 'Content-Type: text/plain', 'Connection: close',
      `Content-Length: ${body.length}`, ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`)];
    socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
  }
}
